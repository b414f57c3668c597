/**
 * Kernels a thread pool can split by output (their last two parameters are a range [lo, hi)
 * of output units, as the pool's jobs take them), for the work after the time loop of a
 * backward pass that would otherwise run on one thread:
 * - `f32_colsum(src, lds, rows, dst, lo, hi)`: dst[j] += src[0][j] + src[1][j] + … for columns
 *   lo ≤ j < hi — each column's sum in row order, from dst[j] on (a bias's gradient over the T·B
 *   rows: the same float32 sum, bit for bit, whichever thread takes the column).
 * - `f32_transpose_cols(src, lds, rows, cols, dst, ldd, lo, hi)`: f32_transpose of columns
 *   [4·lo, min(4·hi, cols)) of src (rows [4·lo, …) of dst).
 * - `f32_packb_n_cols(b, ldb, k, n, dst, lo, hi)`: f32_packb_n_8 of panels [lo, hi).
 * Pointers are byte addresses, leading dimensions count floats.
 */
import { type ModuleBuilder, ValType } from "./encoder.js";
import { forRange } from "./gemm.js";

export const SPLIT_KERNELS = {
  colsum: "f32_colsum",
  transpose: "f32_transpose_cols",
  packN: "f32_packb_n_cols",
} as const;

/** Columns a block of the column sum keeps in registers (8 vectors). */
const BLOCK = 32;

export function addSplitKernels(mb: ModuleBuilder, transpose: number, packN: number): typeof SPLIT_KERNELS {
  mb.export(SPLIT_KERNELS.colsum, addColsum(mb));
  const { i32 } = ValType;
  mb.export(SPLIT_KERNELS.transpose, mb.func(SPLIT_KERNELS.transpose, [i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [src, lds, rows, cols, dst, ldd, lo, hi] = f.params as [number, number, number, number, number, number, number, number];
    const [c0, c1] = f.locals(i32, 2);
    f.get(lo).i32c(2).op("i32.shl").set(c0);
    f.get(hi).i32c(2).op("i32.shl").set(c1);
    f.get(c1).get(cols).op("i32.gt_s").if(() => void f.get(cols).set(c1));
    f.get(c0).get(c1).op("i32.lt_s").if(() => {
      f.get(src).get(c0).i32c(2).op("i32.shl").op("i32.add").get(lds).get(rows).get(c1).get(c0).op("i32.sub");
      f.get(dst).get(c0).get(ldd).op("i32.mul").i32c(2).op("i32.shl").op("i32.add").get(ldd).call(transpose);
    });
  }));
  mb.export(SPLIT_KERNELS.packN, mb.func(SPLIT_KERNELS.packN, [i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [b, ldb, k, n, dst, lo, hi] = f.params as [number, number, number, number, number, number, number];
    const [w] = f.locals(i32, 1);
    // columns 8·lo … min(8·hi, n): packed as a matrix of their own, its panels are panels lo … hi − 1
    f.get(n).get(lo).i32c(3).op("i32.shl").op("i32.sub").set(w);
    f.get(w).get(hi).get(lo).op("i32.sub").i32c(3).op("i32.shl").op("i32.gt_s").if(() => void f.get(hi).get(lo).op("i32.sub").i32c(3).op("i32.shl").set(w));
    f.get(w).i32c(0).op("i32.gt_s").if(() => {
      f.get(b).get(lo).i32c(5).op("i32.shl").op("i32.add").get(ldb).get(k).get(w);
      f.get(dst).get(lo).get(k).op("i32.mul").i32c(5).op("i32.shl").op("i32.add").call(packN);
    });
  }));
  return SPLIT_KERNELS;
}

/** Column blocks of BLOCK columns, rows inner (each row's block is contiguous); the ragged rest one column at a time. */
function addColsum(mb: ModuleBuilder): number {
  const { i32, v128 } = ValType;
  return mb.func(SPLIT_KERNELS.colsum, [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [src, lds, rows, dst, lo, hi] = f.params as [number, number, number, number, number, number];
    const [j, r, p, lds4, end] = f.locals(i32, 5);
    const acc = f.locals(v128, 8);
    const s = f.local(ValType.f32);
    f.get(lds).i32c(2).op("i32.shl").set(lds4);
    f.get(hi).i32c(BLOCK).op("i32.sub").set(end);
    f.get(lo).set(j);
    // while (j + BLOCK ≤ hi): a block of 32 columns
    f.block((exit) =>
      f.loop((top) => {
        f.get(j).get(end).op("i32.gt_s").brIf(exit);
        for (let q = 0; q < 8; q++) f.get(dst).get(j).i32c(2).op("i32.shl").op("i32.add").simdMem("v128.load", 16 * q, 0).set(acc[q]!);
        f.get(src).get(j).i32c(2).op("i32.shl").op("i32.add").set(p);
        forRange(f, r, () => f.i32c(0), rows, 1, () => {
          for (let q = 0; q < 8; q++) f.get(acc[q]!).get(p).simdMem("v128.load", 16 * q, 0).simd("f32x4.add").set(acc[q]!);
          f.get(p).get(lds4).op("i32.add").set(p);
        });
        for (let q = 0; q < 8; q++) f.get(dst).get(j).i32c(2).op("i32.shl").op("i32.add").get(acc[q]!).simdMem("v128.store", 16 * q, 0);
        f.get(j).i32c(BLOCK).op("i32.add").set(j).br(top);
      }),
    );
    forRange(f, j, () => f.get(j), hi, 1, () => {
      f.get(dst).get(j).i32c(2).op("i32.shl").op("i32.add").mem("f32.load", 0, 0).set(s);
      f.get(src).get(j).i32c(2).op("i32.shl").op("i32.add").set(p);
      forRange(f, r, () => f.i32c(0), rows, 1, () => {
        f.get(s).get(p).mem("f32.load", 0, 0).op("f32.add").set(s);
        f.get(p).get(lds4).op("i32.add").set(p);
      });
      f.get(dst).get(j).i32c(2).op("i32.shl").op("i32.add").get(s).mem("f32.store", 0, 0);
    });
  });
}
