/**
 * f32 GEMM micro-kernels in SIMD128, emitted as WebAssembly functions (XNNPACK's
 * `f32-gemm/4x8-wasmsimd-loadsplat` is the model: four rows of A broadcast one element at a
 * time, against an 8-column panel of packed B, 32 products per k in 8 v128 accumulators).
 *
 * The contract is the JS runtime's (`runtime/gemm.ts`), on byte addresses in one memory:
 * - `f32_packb_n(b, ldb, k, n, dst)` packs B [k×n] (row-major, leading dimension `ldb` in
 *   elements), `f32_packb_t` packs Bᵀ given as [n×k]: ⌈n/8⌉ panels of k×8 floats, panel p at
 *   `dst + p·k·32`, zero-padded past n. Weights are packed once per call.
 * - `f32_gemm_nt_4x8_loadsplat(m, k, a, lda, bp, n, c, ldc, accumulate, p0, p1)`:
 *   C[m×n] (+)= A[m×k]·B over the panels p0 ≤ p < p1 (columns 8·p0 … min(8·p1, n)); A row-major.
 *   With a B packed by `packb_t` this is the forward's X·Wᵀ, by `packb_n` the backward's dG·W.
 * - `f32_gemm_tn_4x8_loadsplat(...)`: the same with A given transposed, [k×m] (a weight's
 *   gradient Aᵀ·B, a sum over the k = T·B rows).
 * A caller splits [0, ⌈n/8⌉) between threads: every element of C is always computed by the
 * same code in the same order (one product and one add per k, k ascending, no fused
 * multiply-add), whichever tile, row path or thread computes it — so results are bit-identical
 * for any split, any m, and equal to the sequential float32 dot product.
 */
import { type FunctionBuilder, type ModuleBuilder, ValType } from "./encoder.js";

const { i32, v128 } = ValType;

/** How A is laid out: rows (element (i, q) at i·lda + q) or columns ((i, q) at q·lda + i). */
export type ALayout = "rows" | "cols";

/** Unroll of k in the inner loops (memarg offsets instead of pointer bumps). */
const KU = 4;

export interface GemmKernelNames {
  readonly packN: string;
  readonly packT: string;
  readonly gemmNT: string;
  readonly gemmTN: string;
}

/** The exported names, by what each kernel is. */
export const GEMM_KERNELS: GemmKernelNames = {
  packN: "f32_packb_n_8",
  packT: "f32_packb_t_8",
  gemmNT: "f32_gemm_nt_4x8_loadsplat",
  gemmTN: "f32_gemm_tn_4x8_loadsplat",
};

/** Adds the packing and GEMM kernels to `mb` and exports them under `GEMM_KERNELS`' names. */
export function addGemmKernels(mb: ModuleBuilder): GemmKernelNames {
  const storeEdge = addStoreEdge(mb);
  mb.export(GEMM_KERNELS.packN, addPackB(mb, GEMM_KERNELS.packN, false));
  mb.export(GEMM_KERNELS.packT, addPackB(mb, GEMM_KERNELS.packT, true));
  mb.export(GEMM_KERNELS.gemmNT, addGemm(mb, GEMM_KERNELS.gemmNT, "rows", storeEdge));
  mb.export(GEMM_KERNELS.gemmTN, addGemm(mb, GEMM_KERNELS.gemmTN, "cols", storeEdge));
  return GEMM_KERNELS;
}

/** `dst += src` on i32 locals. */
function bump(f: FunctionBuilder, dst: number, by: number | { local: number }): void {
  f.get(dst);
  if (typeof by === "number") f.i32c(by);
  else f.get(by.local);
  f.op("i32.add").set(dst);
}

/** A counted loop `for (x = from; x < to; x += step)` over i32 locals (no pass if from ≥ to). */
export function forRange(f: FunctionBuilder, x: number, from: () => void, to: number, step: number, body: () => void): void {
  from();
  f.set(x);
  f.block((exit) => {
    f.get(x).get(to).op("i32.ge_s").brIf(exit);
    f.loop((top) => {
      body();
      bump(f, x, step);
      f.get(x).get(to).op("i32.lt_s").brIf(top);
    });
  });
}

/**
 * Packs op(B) into 8-column panels. Full panels copy two v128 per row (plain B) or gather
 * eight strided floats (transposed B); the last, ragged panel copies what exists and zeroes the rest.
 */
function addPackB(mb: ModuleBuilder, name: string, trans: boolean): number {
  return mb.func(name, [i32, i32, i32, i32, i32], [], (f) => {
    const [b, ldb, k, n, dst] = f.params as [number, number, number, number, number];
    const [p, q, j, w, src, out, ldb4, panels] = f.locals(i32, 8);
    f.get(ldb).i32c(4).op("i32.mul").set(ldb4);
    f.get(n).i32c(7).op("i32.add").i32c(3).op("i32.shr_u").set(panels);
    f.get(dst).set(out);
    forRange(f, p, () => f.i32c(0), panels, 1, () => {
      f.get(n).get(p).i32c(8).op("i32.mul").op("i32.sub").set(w);
      f.get(w).i32c(8).op("i32.gt_s").if(() => f.i32c(8).set(w));
      // src: element (q = 0, column 8p) of op(B)
      f.get(b).get(p).i32c(trans ? 8 : 32);
      f.op("i32.mul");
      if (trans) f.get(ldb4).op("i32.mul");
      f.op("i32.add").set(src);
      forRange(f, q, () => f.i32c(0), k, 1, () => {
        if (!trans) {
          f.get(w).i32c(8).op("i32.eq");
          f.if(
            () => {
              f.get(out).get(src).simdMem("v128.load", 0, 0).simdMem("v128.store", 0, 0);
              f.get(out).get(src).simdMem("v128.load", 16, 0).simdMem("v128.store", 16, 0);
            },
            () => copyLanes(f, j, w, out, () => f.get(src).get(j).i32c(4).op("i32.mul").op("i32.add")),
          );
          bump(f, src, { local: ldb4 });
        } else {
          copyLanes(f, j, w, out, () => f.get(src).get(j).get(ldb4).op("i32.mul").op("i32.add"));
          bump(f, src, 4);
        }
        bump(f, out, 32);
      });
    });
  });
}

/** out[0..8) = w valid floats from `addr(j)`, zeros after. */
function copyLanes(f: FunctionBuilder, j: number, w: number, out: number, addr: () => void): void {
  forRange(f, j, () => f.i32c(0), w, 1, () => {
    f.get(out).get(j).i32c(4).op("i32.mul").op("i32.add");
    addr();
    f.mem("f32.load").mem("f32.store");
  });
  f.get(w).set(j);
  f.block((exit) => {
    f.get(j).i32c(8).op("i32.ge_s").brIf(exit);
    f.loop((top) => {
      f.get(out).get(j).i32c(4).op("i32.mul").op("i32.add").f32c(0).mem("f32.store");
      f.get(j).i32c(1).op("i32.add").tee(j).i32c(8).op("i32.lt_s").brIf(top);
    });
  });
}

/**
 * Stores one row of a tile that is narrower than 8 columns: `w` lanes of (lo, hi), added to
 * what C holds when `accumulate`. Cold code, called only for a ragged last panel.
 */
function addStoreEdge(mb: ModuleBuilder): number {
  return mb.func("f32_gemm_store_edge", [i32, v128, v128, i32, i32], [], (f) => {
    const [c, lo, hi, w, acc] = f.params as [number, number, number, number, number];
    const x = f.local(ValType.f32);
    f.block((exit) => {
      for (let j = 0; j < 8; j++) {
        f.get(w).i32c(j).op("i32.le_s").brIf(exit);
        f.get(j < 4 ? lo : hi).lane("f32x4.extract_lane", j % 4).set(x);
        f.get(acc).if(() => f.get(x).get(c).mem("f32.load", 4 * j).op("f32.add").set(x));
        f.get(c).get(x).mem("f32.store", 4 * j);
      }
    });
  });
}

interface TileLocals {
  readonly a: readonly number[]; // row pointers (rows layout) or one pointer (cols)
  readonly bp: number;
  readonly kk: number;
  readonly acc: readonly number[]; // rows × 2 v128
  readonly vb: readonly number[];
  readonly va: number;
}

/**
 * The k loop of an R×(8·P) tile: per k, P·2 panel loads, R broadcasts, R·P·2 products and adds.
 * `panelStride` (a local) separates the P panels. Unrolled by KU with a remainder loop.
 */
function kLoop(f: FunctionBuilder, layout: ALayout, t: TileLocals, k: number, rows: number, P: number, aStep: number, panelStride: number, bptrs: readonly number[]): void {
  const step = (u: number) => {
    for (let pp = 0; pp < P; pp++) {
      f.get(bptrs[pp]!).simdMem("v128.load", 32 * u, 2).set(t.vb[2 * pp]!);
      f.get(bptrs[pp]!).simdMem("v128.load", 32 * u + 16, 2).set(t.vb[2 * pp + 1]!);
    }
    for (let r = 0; r < rows; r++) {
      if (layout === "rows") f.get(t.a[r]!).simdMem("v128.load32_splat", 4 * u);
      else f.get(t.a[0]!).simdMem("v128.load32_splat", 4 * r);
      f.set(t.va);
      for (let h = 0; h < 2 * P; h++) {
        const c = t.acc[r * 2 * P + h]!;
        f.get(c).get(t.va).get(t.vb[h]!).simd("f32x4.mul").simd("f32x4.add").set(c);
      }
    }
    if (layout === "cols") bump(f, t.a[0]!, { local: aStep });
  };
  const advance = (u: number) => {
    if (layout === "rows") for (let r = 0; r < rows; r++) bump(f, t.a[r]!, 4 * u);
    for (let pp = 0; pp < P; pp++) bump(f, bptrs[pp]!, 32 * u);
  };
  void panelStride;
  // kk counts the k left; the unrolled loop runs while kk ≥ KU.
  f.get(k).set(t.kk);
  f.block((exit) => {
    f.get(t.kk).i32c(KU).op("i32.lt_s").brIf(exit);
    f.loop((top) => {
      for (let u = 0; u < KU; u++) step(u);
      advance(KU);
      f.get(t.kk).i32c(KU).op("i32.sub").tee(t.kk).i32c(KU).op("i32.ge_s").brIf(top);
    });
  });
  f.block((exit) => {
    f.get(t.kk).op("i32.eqz").brIf(exit);
    f.loop((top) => {
      step(0);
      advance(1);
      f.get(t.kk).i32c(1).op("i32.sub").tee(t.kk).brIf(top);
    });
  });
}

/** Writes accumulator pair (lo, hi) to row pointer `c`: full width inline, ragged via `storeEdge`. */
function storeRow(f: FunctionBuilder, c: number, lo: number, hi: number, w: number, accumulate: number, storeEdge: number): void {
  f.get(w).i32c(8).op("i32.eq");
  f.if(
    () => {
      f.get(accumulate).if(() => {
        f.get(lo).get(c).simdMem("v128.load", 0, 2).simd("f32x4.add").set(lo);
        f.get(hi).get(c).simdMem("v128.load", 16, 2).simd("f32x4.add").set(hi);
      });
      f.get(c).get(lo).simdMem("v128.store", 0, 2);
      f.get(c).get(hi).simdMem("v128.store", 16, 2);
    },
    () => f.get(c).get(lo).get(hi).get(w).get(accumulate).call(storeEdge),
  );
}

function addGemm(mb: ModuleBuilder, name: string, layout: ALayout, storeEdge: number): number {
  return mb.func(name, [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [m, k, a, lda, bp, n, c, ldc, accumulate, p0, p1] = f.params as number[] as [number, number, number, number, number, number, number, number, number, number, number];
    const [i, p, w, mr, mBlk, lda4, ldc4, panelBytes, kk, aStep, full, rowStep] = f.locals(i32, 12);
    const aPtr = f.locals(i32, 4);
    const cPtr = f.locals(i32, 4);
    const bPtr = f.locals(i32, 4);
    const acc = f.locals(v128, 8);
    const vb = f.locals(v128, 8);
    const va = f.local(v128);
    f.get(lda).i32c(4).op("i32.mul").set(lda4);
    f.get(ldc).i32c(4).op("i32.mul").set(ldc4);
    f.get(k).i32c(32).op("i32.mul").set(panelBytes);
    // Rows step: rows layout moves lda per row and 4 bytes per k; cols the other way round.
    if (layout === "rows") f.get(lda4).set(rowStep);
    else f.i32c(4).set(rowStep);
    f.get(lda4).set(aStep);
    // A lone last row (m mod 4 = 1) takes the one-row path; 2 or 3 last rows take the 4-row
    // tile with the missing rows reading the last real row and storing nothing.
    f.get(m).get(m).i32c(3).op("i32.and").i32c(1).op("i32.eq").op("i32.sub").set(mBlk);
    const tile: TileLocals = { a: aPtr, bp, kk, acc, vb, va };

    forRange(f, p, () => f.get(p0), p1, 1, () => {
      f.get(n).get(p).i32c(8).op("i32.mul").op("i32.sub").set(w);
      f.get(w).i32c(8).op("i32.gt_s").if(() => f.i32c(8).set(w));
      forRange(f, i, () => f.i32c(0), mBlk, 4, () => {
        f.get(mBlk).get(i).op("i32.sub").set(mr);
        f.get(mr).i32c(4).op("i32.gt_s").if(() => f.i32c(4).set(mr));
        for (let r = 0; r < 4; r++) {
          // a_r = a + (i + min(r, mr − 1)) · rowStep
          f.get(a).get(i);
          if (r > 0) f.i32c(r).get(mr).i32c(1).op("i32.sub").i32c(r).get(mr).i32c(1).op("i32.sub").op("i32.lt_s").op("select").op("i32.add");
          f.get(rowStep).op("i32.mul").op("i32.add").set(aPtr[r]!);
          f.get(c).get(i).i32c(r).op("i32.add").get(ldc4).op("i32.mul").op("i32.add").get(p).i32c(32).op("i32.mul").op("i32.add").set(cPtr[r]!);
        }
        f.get(bp).get(p).get(panelBytes).op("i32.mul").op("i32.add").set(bPtr[0]!);
        for (const x of acc) f.f32x4c(0).set(x);
        kLoop(f, layout, tile, k, 4, 1, aStep, panelBytes, bPtr);
        for (let r = 0; r < 4; r++) {
          f.block((skip) => {
            if (r > 0) f.get(mr).i32c(r).op("i32.le_s").brIf(skip);
            storeRow(f, cPtr[r]!, acc[2 * r]!, acc[2 * r + 1]!, w, accumulate, storeEdge);
          });
        }
      });
    });
    // The lone last row: four full panels at a time (8 independent accumulators), then one.
    f.get(mBlk).get(m).op("i32.lt_s").if(() => {
      f.get(n).i32c(3).op("i32.shr_s").set(full);
      f.get(full).get(p1).op("i32.gt_s").if(() => f.get(p1).set(full));
      f.get(p0).set(p);
      const oneRow = (P: number) => {
        f.get(a).get(mBlk).get(rowStep).op("i32.mul").op("i32.add").set(aPtr[0]!);
        for (let pp = 0; pp < P; pp++) {
          f.get(bp).get(p).i32c(pp).op("i32.add").get(panelBytes).op("i32.mul").op("i32.add").set(bPtr[pp]!);
          f.get(c).get(mBlk).get(ldc4).op("i32.mul").op("i32.add").get(p).i32c(pp).op("i32.add").i32c(32).op("i32.mul").op("i32.add").set(cPtr[pp]!);
        }
        for (let h = 0; h < 2 * P; h++) f.f32x4c(0).set(acc[h]!);
        kLoop(f, layout, tile, k, 1, P, aStep, panelBytes, bPtr);
      };
      f.block((exit) => {
        f.loop((top) => {
          f.get(p).i32c(4).op("i32.add").get(full).op("i32.gt_s").brIf(exit);
          oneRow(4);
          f.i32c(8).set(w);
          for (let pp = 0; pp < 4; pp++) storeRow(f, cPtr[pp]!, acc[2 * pp]!, acc[2 * pp + 1]!, w, accumulate, storeEdge);
          bump(f, p, 4);
          f.br(top);
        });
      });
      f.block((exit) => {
        f.loop((top) => {
          f.get(p).get(p1).op("i32.ge_s").brIf(exit);
          f.get(n).get(p).i32c(8).op("i32.mul").op("i32.sub").set(w);
          f.get(w).i32c(8).op("i32.gt_s").if(() => f.i32c(8).set(w));
          oneRow(1);
          storeRow(f, cPtr[0]!, acc[0]!, acc[1]!, w, accumulate, storeEdge);
          bump(f, p, 1);
          f.br(top);
        });
      });
    });
  });
}
