/**
 * `f32_transpose(src, lds, rows, cols, dst, ldd)`: dst [cols×rows] = src [rows×cols]ᵀ, in 4×4
 * blocks transposed in registers (two rounds of shuffles), the ragged edges one float at a
 * time. A weight gradient Aᵀ·B with A [k×m] and a large leading dimension runs faster as
 * transpose + the row-layout GEMM than reading A's columns (4-KiB strides alias in L1).
 * Pointers are byte addresses, leading dimensions count floats.
 */
import { type FunctionBuilder, type ModuleBuilder, ValType } from "./encoder.js";
import { forRange } from "./gemm.js";

export const TRANSPOSE_KERNEL = "f32_transpose";

/** Columns of src per band (a multiple of 4): 16 floats, one 64-byte cache line. */
const COL_BAND = 16;

/** Byte-lane indices of i8x16.shuffle selecting f32 lanes (0–3 from the first operand, 4–7 from the second). */
function lanes(...l: number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

export function addTranspose(mb: ModuleBuilder): string {
  const { i32, v128 } = ValType;
  const fn = mb.func(TRANSPOSE_KERNEL, [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [src, lds, rows, cols, dst, ldd] = f.params as [number, number, number, number, number, number];
    const [i, j, rows4, cols4, s, d, lds4, ldd4] = f.locals(i32, 8);
    const r = f.locals(v128, 4);
    const t = f.locals(v128, 4);
    f.get(rows).i32c(-4).op("i32.and").set(rows4);
    f.get(cols).i32c(-4).op("i32.and").set(cols4);
    f.get(lds).i32c(4).op("i32.mul").set(lds4);
    f.get(ldd).i32c(4).op("i32.mul").set(ldd4);
    const scalar = () => {
      // dst[j·ldd + i] = src[i·lds + j]
      f.get(dst).get(j).get(ldd).op("i32.mul").get(i).op("i32.add").i32c(4).op("i32.mul").op("i32.add");
      f.get(src).get(i).get(lds).op("i32.mul").get(j).op("i32.add").i32c(4).op("i32.mul").op("i32.add");
      f.mem("f32.load").mem("f32.store");
    };
    // Columns in bands of COL_BAND: down the rows, a band's 4×4 blocks side by side use whole
    // cache lines of src (a band of 4 columns alone would read each line four times, from memory
    // when the matrix is large) and write COL_BAND rows of dst in order.
    const [jb, jEnd] = f.locals(i32, 2);
    forRange(f, jb, () => f.i32c(0), cols4, COL_BAND, () => {
      f.get(jb).i32c(COL_BAND).op("i32.add").set(jEnd);
      f.get(jEnd).get(cols4).op("i32.gt_s").if(() => void f.get(cols4).set(jEnd));
      forRange(f, i, () => f.i32c(0), rows4, 4, () => {
        forRange(f, j, () => f.get(jb), jEnd, 4, () => block4(f, src, dst, i, j, lds, ldd, lds4, ldd4, s, d, r, t));
      });
      forRange(f, i, () => f.get(rows4), rows, 1, () => forRange(f, j, () => f.get(jb), jEnd, 1, scalar));
    });
    forRange(f, j, () => f.get(cols4), cols, 1, () => forRange(f, i, () => f.i32c(0), rows, 1, scalar));
  });
  mb.export(TRANSPOSE_KERNEL, fn);
  return TRANSPOSE_KERNEL;
}

/** One 4×4 block at (i, j): four row loads, eight shuffles, four row stores. */
function block4(f: FunctionBuilder, src: number, dst: number, i: number, j: number, lds: number, ldd: number, lds4: number, ldd4: number, s: number, d: number, r: number[], t: number[]): void {
  f.get(src).get(i).get(lds).op("i32.mul").get(j).op("i32.add").i32c(4).op("i32.mul").op("i32.add").set(s);
  f.get(dst).get(j).get(ldd).op("i32.mul").get(i).op("i32.add").i32c(4).op("i32.mul").op("i32.add").set(d);
  for (let q = 0; q < 4; q++) {
    f.get(s).simdMem("v128.load", 0, 2).set(r[q]!);
    f.get(s).get(lds4).op("i32.add").set(s);
  }
  // (a b c d rows) → pairs interleaved → columns
  f.get(r[0]!).get(r[1]!).shuffle(lanes(0, 4, 1, 5)).set(t[0]!);
  f.get(r[0]!).get(r[1]!).shuffle(lanes(2, 6, 3, 7)).set(t[1]!);
  f.get(r[2]!).get(r[3]!).shuffle(lanes(0, 4, 1, 5)).set(t[2]!);
  f.get(r[2]!).get(r[3]!).shuffle(lanes(2, 6, 3, 7)).set(t[3]!);
  const out = [[t[0]!, t[2]!, [0, 1, 4, 5]], [t[0]!, t[2]!, [2, 3, 6, 7]], [t[1]!, t[3]!, [0, 1, 4, 5]], [t[1]!, t[3]!, [2, 3, 6, 7]]] as const;
  for (const [x, y, l] of out) {
    f.get(d).get(x).get(y).shuffle(lanes(...l)).simdMem("v128.store", 0, 2);
    f.get(d).get(ldd4).op("i32.add").set(d);
  }
}
