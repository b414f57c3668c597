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
 * Every element of C is the sequential float32 sum s = (accumulate ? C : 0), s += a·b for k
 * ascending (a product and an add, each rounded; no fused multiply-add) — whichever tile, row
 * path, k or row block, or thread computes it. So a caller may split [0, ⌈n/8⌉) between
 * threads and results stay bit-identical for any split and any batch size.
 */
import { type FunctionBuilder, type ModuleBuilder, ValType } from "./encoder.js";

const { i32, v128 } = ValType;

/** How A is laid out: rows (element (i, q) at i·lda + q) or columns ((i, q) at q·lda + i). */
export type ALayout = "rows" | "cols";

/**
 * Unroll of k in the inner loops (memarg offsets instead of pointer bumps). V8's TurboFan
 * hoists every load of a loop body to its top, so a body's loads, broadcasts and accumulators
 * must fit x64's 16 vector registers or accumulators spill. The 4×8 tile is not unrolled
 * (measured: 45–49 GFLOP/s unrolled ×1, 23–32 unrolled ×4). The one-row path takes two
 * panels unrolled ×2 (8 loads, 2 broadcasts, 4 accumulators): a batch of 1's step [1×64]·[64×256]
 * at 30–38 GFLOP/s, where four panels ×2 (spilling) ran at 10–21.
 */
const KU_TILE = 1;
const KU_ROW = 2;
/** Panels the one-row path computes at once (see KU_ROW). */
const ROW_PANELS = 2;

export interface GemmKernelNames {
  readonly packN: string;
  readonly packT: string;
  readonly gemmNT: string;
  readonly gemmTN: string;
  /** `gemmNT` over blocks of GEMM_ROW_BLOCK rows of C (every panel) — see addRowBlocks. */
  readonly gemmNTRows: string;
}

/** Rows of C per unit of `gemmNTRows` (the kernel's row block: MC). */
export const GEMM_ROW_BLOCK = 64;

/** The exported names, by what each kernel is. */
export const GEMM_KERNELS: GemmKernelNames = {
  packN: "f32_packb_n_8",
  packT: "f32_packb_t_8",
  gemmNT: "f32_gemm_nt_4x8_loadsplat",
  gemmTN: "f32_gemm_tn_4x8_loadsplat",
  gemmNTRows: "f32_gemm_nt_4x8_loadsplat_rows",
};

/**
 * The opt-in variant with `f32x4.relaxed_madd` (may or may not fuse: results differ between
 * engines; Node 20 needs --experimental-wasm-relaxed-simd, Safari lacks it — one such opcode
 * makes the whole module invalid there, so it goes in a separate module, behind feature
 * detection, with the strict module as the fallback).
 */
export const GEMM_KERNELS_RELAXED: GemmKernelNames = {
  packN: GEMM_KERNELS.packN,
  packT: GEMM_KERNELS.packT,
  gemmNT: "f32_gemm_nt_4x8_relaxed_madd",
  gemmTN: "f32_gemm_tn_4x8_relaxed_madd",
  gemmNTRows: "f32_gemm_nt_4x8_relaxed_madd_rows",
};

/** Adds the packing and GEMM kernels to `mb` and exports them; strict SIMD128 unless `relaxed`. */
export function addGemmKernels(mb: ModuleBuilder, options: { readonly relaxed?: boolean } = {}): GemmKernelNames {
  const relaxed = options.relaxed === true;
  const names = relaxed ? GEMM_KERNELS_RELAXED : GEMM_KERNELS;
  const edge = { load: addLoadEdge(mb), store: addStoreEdge(mb) };
  mb.export(names.packN, addPackB(mb, names.packN, false));
  mb.export(names.packT, addPackB(mb, names.packT, true));
  const nt = addGemm(mb, names.gemmNT, "rows", edge, relaxed);
  mb.export(names.gemmNT, nt);
  mb.export(names.gemmTN, addGemm(mb, names.gemmTN, "cols", edge, relaxed));
  mb.export(names.gemmNTRows, addRowBlocks(mb, names.gemmNTRows, nt));
  return names;
}

/**
 * `name(m, k, a, lda, bp, n, c, ldc, accumulate, r0, r1)`: the NT product on rows
 * [64·r0, min(64·r1, m)) of A and C, every panel. Threads split a product this way when A is
 * the larger operand (m > n: a weight's gradient, a hoisted projection over T·B rows): each
 * thread then reads only its own rows of A, where a split of the panels makes every thread
 * stream all of A. Every element is the kernel's sequential sum either way.
 */
function addRowBlocks(mb: ModuleBuilder, name: string, gemm: number): number {
  return mb.func(name, [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [m, k, a, lda, bp, n, c, ldc, accumulate, r0, r1] = f.params as number[] as [number, number, number, number, number, number, number, number, number, number, number];
    const [i0, i1] = f.locals(i32, 2);
    f.get(r0).i32c(GEMM_ROW_BLOCK).op("i32.mul").set(i0);
    f.get(r1).i32c(GEMM_ROW_BLOCK).op("i32.mul").set(i1);
    clampTo(f, i1, { local: m });
    f.get(i1).get(i0).op("i32.le_s").if(() => f.op("return"));
    f.get(i1).get(i0).op("i32.sub").get(k);
    f.get(a).get(i0).get(lda).op("i32.mul").i32c(4).op("i32.mul").op("i32.add");
    f.get(lda).get(bp).get(n);
    f.get(c).get(i0).get(ldc).op("i32.mul").i32c(4).op("i32.mul").op("i32.add");
    f.get(ldc).get(accumulate).i32c(0).get(n).i32c(7).op("i32.add").i32c(3).op("i32.shr_u");
    f.call(gemm);
  });
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

/** Loads lanes j < w of c[0..4) (zeros elsewhere): the ragged edge of C, never read past it. */
function addLoadEdge(mb: ModuleBuilder): number {
  return mb.func("f32_gemm_load_edge", [i32, i32], [v128], (f) => {
    const [c, w] = f.params as [number, number];
    const x = f.local(v128);
    f.f32x4c(0).set(x);
    for (let j = 0; j < 4; j++) {
      f.get(w).i32c(j).op("i32.gt_s").if(() => void f.get(x).get(c).mem("f32.load", 4 * j).lane("f32x4.replace_lane", j).set(x));
    }
    f.get(x);
  });
}

/** Stores lanes j < w of (lo, hi) to c[0..8): a tile row narrower than 8 columns. */
function addStoreEdge(mb: ModuleBuilder): number {
  return mb.func("f32_gemm_store_edge", [i32, v128, v128, i32], [], (f) => {
    const [c, lo, hi, w] = f.params as [number, number, number, number];
    f.block((exit) => {
      for (let j = 0; j < 8; j++) {
        f.get(w).i32c(j).op("i32.le_s").brIf(exit);
        f.get(c).get(j < 4 ? lo : hi).lane("f32x4.extract_lane", j % 4).mem("f32.store", 4 * j);
      }
    });
  });
}

interface EdgeFns {
  readonly load: number;
  readonly store: number;
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
 * Unrolled by KU (KU_TILE or KU_ROW) with a remainder loop.
 */
function kLoop(f: FunctionBuilder, layout: ALayout, t: TileLocals, k: number, rows: number, P: number, aStep: number, bptrs: readonly number[], relaxed: boolean): void {
  const KU = rows === 1 ? KU_ROW : KU_TILE;
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
        if (relaxed) f.get(t.va).get(t.vb[h]!).get(c).relaxed("f32x4.relaxed_madd").set(c);
        else f.get(c).get(t.va).get(t.vb[h]!).simd("f32x4.mul").simd("f32x4.add").set(c);
      }
    }
    if (layout === "cols") bump(f, t.a[0]!, { local: aStep });
  };
  const advance = (u: number) => {
    if (layout === "rows") for (let r = 0; r < rows; r++) bump(f, t.a[r]!, 4 * u);
    for (let pp = 0; pp < P; pp++) bump(f, bptrs[pp]!, 32 * u);
  };
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
  if (KU === 1) return;
  f.block((exit) => {
    f.get(t.kk).op("i32.eqz").brIf(exit);
    f.loop((top) => {
      step(0);
      advance(1);
      f.get(t.kk).i32c(1).op("i32.sub").tee(t.kk).brIf(top);
    });
  });
}

/** Starts a tile row's accumulators (lo, hi): from C's row at `c` when `accFlag`, else zero. */
function initRow(f: FunctionBuilder, c: number, lo: number, hi: number, w: number, accFlag: number, edge: EdgeFns): void {
  f.get(accFlag).if(
    () => {
      f.get(w).i32c(8).op("i32.eq").if(
        () => {
          f.get(c).simdMem("v128.load", 0, 2).set(lo);
          f.get(c).simdMem("v128.load", 16, 2).set(hi);
        },
        () => {
          f.get(c).get(w).call(edge.load).set(lo);
          f.get(c).i32c(16).op("i32.add").get(w).i32c(4).op("i32.sub").call(edge.load).set(hi);
        },
      );
    },
    () => {
      f.f32x4c(0).set(lo);
      f.f32x4c(0).set(hi);
    },
  );
}

/** Writes accumulator pair (lo, hi) to C's row at `c`: full width inline, ragged via a call. */
function storeRow(f: FunctionBuilder, c: number, lo: number, hi: number, w: number, edge: EdgeFns): void {
  f.get(w).i32c(8).op("i32.eq");
  f.if(
    () => {
      f.get(c).get(lo).simdMem("v128.store", 0, 2);
      f.get(c).get(hi).simdMem("v128.store", 16, 2);
    },
    () => f.get(c).get(lo).get(hi).get(w).call(edge.store),
  );
}

/** Rows of A per block (its block stays in L2 while every panel passes) and k per block. */
const MC = 64;
const KC = 256;

/** `dst = min(dst, cap)` on i32 locals. */
function clampTo(f: FunctionBuilder, dst: number, cap: number | { local: number }): void {
  f.get(dst);
  if (typeof cap === "number") f.i32c(cap);
  else f.get(cap.local);
  f.op("i32.gt_s").if(() => {
    if (typeof cap === "number") f.i32c(cap);
    else f.get(cap.local);
    f.set(dst);
  });
}

/**
 * The blocked product (after Goto and van de Geijn, without packing A): k in blocks of KC
 * (each block continues from what the last left in C, so the sum stays one sequential
 * float32 sum), rows in blocks of MC, then every panel in [p0, p1) against the block's
 * 4-row tiles. A lone last row takes the one-row path (1×16, then 1×8).
 */
function addGemm(mb: ModuleBuilder, name: string, layout: ALayout, edge: EdgeFns, relaxed: boolean): number {
  return mb.func(name, [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [m, k, a, lda, bp, n, c, ldc, accumulate, p0, p1] = f.params as number[] as [number, number, number, number, number, number, number, number, number, number, number];
    const [i, p, w, mr, mBlk, lda4, ldc4, panelBytes, kk, aStep, full, rowStep, k0, kc, i0, iEnd] = f.locals(i32, 16);
    const [accFlag, kStep, ra, t] = f.locals(i32, 4);
    const aPtr = f.locals(i32, 4);
    const cPtr = f.locals(i32, 4);
    const bPtr = f.locals(i32, 4);
    const acc = f.locals(v128, 8);
    const vb = f.locals(v128, 8);
    const va = f.local(v128);
    f.get(lda).i32c(4).op("i32.mul").set(lda4);
    f.get(ldc).i32c(4).op("i32.mul").set(ldc4);
    f.get(k).i32c(32).op("i32.mul").set(panelBytes);
    // Rows layout: lda per row, 4 bytes per k; columns layout the other way round.
    if (layout === "rows") {
      f.get(lda4).set(rowStep);
      f.i32c(4).set(kStep);
    } else {
      f.i32c(4).set(rowStep);
      f.get(lda4).set(kStep);
    }
    f.get(lda4).set(aStep);
    // A lone last row (m mod 4 = 1) takes the one-row path; 2 or 3 last rows take the 4-row
    // tile with the missing rows reading the last real row and storing nothing.
    f.get(m).get(m).i32c(3).op("i32.and").i32c(1).op("i32.eq").op("i32.sub").set(mBlk);
    const tile: TileLocals = { a: aPtr, bp, kk, acc, vb, va };
    /** Pushes the byte offset of the current k block in A. */
    const aK = () => f.get(k0).get(kStep).op("i32.mul");
    /** Pushes the byte offset of the current k block in a panel. */
    const bK = () => f.get(k0).i32c(32).op("i32.mul");

    f.i32c(0).set(k0);
    f.loop((kBlocks) => {
      f.get(k).get(k0).op("i32.sub").set(kc);
      clampTo(f, kc, KC);
      f.get(accumulate).get(k0).i32c(0).op("i32.gt_s").op("i32.or").set(accFlag);
      forRange(f, i0, () => f.i32c(0), mBlk, MC, () => {
        f.get(i0).i32c(MC).op("i32.add").set(iEnd);
        clampTo(f, iEnd, { local: mBlk });
        forRange(f, p, () => f.get(p0), p1, 1, () => {
          f.get(n).get(p).i32c(8).op("i32.mul").op("i32.sub").set(w);
          clampTo(f, w, 8);
          forRange(f, i, () => f.get(i0), iEnd, 4, () => {
            f.get(mBlk).get(i).op("i32.sub").set(mr);
            clampTo(f, mr, 4);
            for (let r = 0; r < 4; r++) {
              // row i + min(r, mr − 1): missing rows alias the last real one (read, never stored)
              f.get(i);
              if (r > 0) f.i32c(r).get(mr).i32c(1).op("i32.sub").i32c(r).get(mr).i32c(1).op("i32.sub").op("i32.lt_s").op("select").op("i32.add");
              f.set(ra);
              f.get(a).get(ra).get(rowStep).op("i32.mul").op("i32.add");
              aK();
              f.op("i32.add").set(aPtr[r]!);
              f.get(c).get(ra).get(ldc4).op("i32.mul").op("i32.add").get(p).i32c(32).op("i32.mul").op("i32.add").set(cPtr[r]!);
              initRow(f, cPtr[r]!, acc[2 * r]!, acc[2 * r + 1]!, w, accFlag, edge);
            }
            f.get(bp).get(p).get(panelBytes).op("i32.mul").op("i32.add");
            bK();
            f.op("i32.add").set(bPtr[0]!);
            kLoop(f, layout, tile, kc, 4, 1, aStep, bPtr, relaxed);
            for (let r = 0; r < 4; r++) {
              f.block((skip) => {
                if (r > 0) f.get(mr).i32c(r).op("i32.le_s").brIf(skip);
                storeRow(f, cPtr[r]!, acc[2 * r]!, acc[2 * r + 1]!, w, edge);
              });
            }
          });
        });
      });
      // The lone last row: ROW_PANELS full panels at a time, then one.
      f.get(mBlk).get(m).op("i32.lt_s").if(() => {
        f.get(n).i32c(3).op("i32.shr_s").set(full);
        clampTo(f, full, { local: p1 });
        f.get(p0).set(p);
        const oneRow = (P: number) => {
          f.get(a).get(mBlk).get(rowStep).op("i32.mul").op("i32.add");
          aK();
          f.op("i32.add").set(aPtr[0]!);
          for (let pp = 0; pp < P; pp++) {
            f.get(bp).get(p).i32c(pp).op("i32.add").get(panelBytes).op("i32.mul").op("i32.add");
            bK();
            f.op("i32.add").set(bPtr[pp]!);
            f.get(c).get(mBlk).get(ldc4).op("i32.mul").op("i32.add").get(p).i32c(pp).op("i32.add").i32c(32).op("i32.mul").op("i32.add").set(cPtr[pp]!);
            initRow(f, cPtr[pp]!, acc[2 * pp]!, acc[2 * pp + 1]!, w, accFlag, edge);
          }
          kLoop(f, layout, tile, kc, 1, P, aStep, bPtr, relaxed);
          for (let pp = 0; pp < P; pp++) storeRow(f, cPtr[pp]!, acc[2 * pp]!, acc[2 * pp + 1]!, w, edge);
        };
        f.i32c(8).set(w);
        f.block((exit) => {
          f.loop((top) => {
            f.get(p).i32c(ROW_PANELS).op("i32.add").get(full).op("i32.gt_s").brIf(exit);
            oneRow(ROW_PANELS);
            bump(f, p, ROW_PANELS);
            f.br(top);
          });
        });
        f.block((exit) => {
          f.loop((top) => {
            f.get(p).get(p1).op("i32.ge_s").brIf(exit);
            f.get(n).get(p).i32c(8).op("i32.mul").op("i32.sub").set(w);
            clampTo(f, w, 8);
            oneRow(1);
            bump(f, p, 1);
            f.br(top);
          });
        });
      });
      f.get(k0).i32c(KC).op("i32.add").tee(k0).get(k).op("i32.lt_s").brIf(kBlocks);
    });
    void t;
  });
}
