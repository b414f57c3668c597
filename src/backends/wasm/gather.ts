/**
 * Embedding kernels: a matrix product whose right operand is one-hot is a gather forward and
 * a scatter-add backward, O(E) per token instead of O(V·E). Ids are i32 at byte address `ids`;
 * an id outside [0, v) (the caller validates ids; −1 marks a masked token) selects no row: the
 * gather yields 0 and the scatter adds nothing. Every kernel takes an output column range
 * [lo, hi) last, so threads split columns; the scatter's sum over tokens stays in token order.
 *
 * - `f32_gather_rows(n, ids, v, t, ldt, out, ldo, accumulate, lo, hi)`: out[r, j] (+)= T[id_r, j], T [v×E].
 * - `f32_gather_cols(…same…)`: out[r, j] (+)= T[j, id_r], T [E×v] (the `E @ onehot(x)` form).
 * - `f32_scatter_add_rows(n, ids, v, g, ldg, t, ldt, lo, hi)`: T[id_r, j] += g[r, j], r ascending.
 * - `f32_scatter_add_cols(…same…)`: T[j, id_r] += g[r, j].
 * Pointers are byte addresses; leading dimensions and ranges count floats.
 */
import { type FunctionBuilder, type ModuleBuilder, ValType } from "./encoder.js";
import { forRange } from "./gemm.js";

const { i32, v128, f32 } = ValType;

export const GATHER_KERNELS = {
  gatherRows: "f32_gather_rows",
  gatherCols: "f32_gather_cols",
  scatterAddRows: "f32_scatter_add_rows",
  scatterAddCols: "f32_scatter_add_cols",
} as const;

export function addGatherKernels(mb: ModuleBuilder): typeof GATHER_KERNELS {
  mb.export(GATHER_KERNELS.gatherRows, addGather(mb, GATHER_KERNELS.gatherRows, "rows"));
  mb.export(GATHER_KERNELS.gatherCols, addGather(mb, GATHER_KERNELS.gatherCols, "cols"));
  mb.export(GATHER_KERNELS.scatterAddRows, addScatter(mb, GATHER_KERNELS.scatterAddRows, "rows"));
  mb.export(GATHER_KERNELS.scatterAddCols, addScatter(mb, GATHER_KERNELS.scatterAddCols, "cols"));
  return GATHER_KERNELS;
}

/** id = ids[r]; `valid` = 0 ≤ id < v (unsigned compare). */
function loadId(f: FunctionBuilder, ids: number, r: number, v: number, id: number, valid: number): void {
  f.get(ids).get(r).i32c(4).op("i32.mul").op("i32.add").mem("i32.load").set(id);
  f.get(id).get(v).op("i32.lt_u").set(valid);
}

/**
 * Walks columns j ∈ [lo, hi): four at a time with `vec(dstAddr, srcAddr)` where both
 * operands are contiguous, else one at a time with `one(dstAddr, srcAddr)`.
 */
function columns(f: FunctionBuilder, j: number, lo: number, hi: number, contiguous: boolean, vec: () => void, one: () => void): void {
  f.get(lo).set(j);
  if (contiguous) {
    f.block((exit) => {
      f.loop((top) => {
        f.get(j).i32c(4).op("i32.add").get(hi).op("i32.gt_s").brIf(exit);
        vec();
        f.get(j).i32c(4).op("i32.add").set(j);
        f.br(top);
      });
    });
  }
  forRange(f, j, () => f.get(j), hi, 1, one);
}

/** Pushes the byte address base + 4·(j·stride) (stride a local) or base + 4·j (stride null). */
function addr(f: FunctionBuilder, base: number, j: number, stride: number | null): void {
  f.get(base).get(j);
  if (stride !== null) f.get(stride).op("i32.mul");
  f.i32c(4).op("i32.mul").op("i32.add");
}

function addGather(mb: ModuleBuilder, name: string, layout: "rows" | "cols"): number {
  return mb.func(name, [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [n, ids, v, t, ldt, out, ldo, accumulate, lo, hi] = f.params as number[] as [number, number, number, number, number, number, number, number, number, number];
    const [r, id, valid, j, src, dst] = f.locals(i32, 6);
    const x = f.local(v128);
    const s = f.local(f32);
    const tStride = layout === "rows" ? null : ldt;
    forRange(f, r, () => f.i32c(0), n, 1, () => {
      loadId(f, ids, r, v, id, valid);
      f.get(out).get(r).get(ldo).op("i32.mul").i32c(4).op("i32.mul").op("i32.add").set(dst);
      // T's start for this id: its row (rows layout) or the top of its column (cols)
      if (layout === "rows") f.get(t).get(id).get(ldt).op("i32.mul").i32c(4).op("i32.mul").op("i32.add").set(src);
      else f.get(t).get(id).i32c(4).op("i32.mul").op("i32.add").set(src);
      columns(f, j, lo, hi, layout === "rows",
        () => {
          f.get(valid).if(() => void (addr(f, src, j, null), f.simdMem("v128.load", 0, 2)), () => void f.f32x4c(0), v128).set(x);
          f.get(accumulate).if(() => void (f.get(x), addr(f, dst, j, null), f.simdMem("v128.load", 0, 2).simd("f32x4.add").set(x)));
          addr(f, dst, j, null);
          f.get(x).simdMem("v128.store", 0, 2);
        },
        () => {
          f.get(valid).if(() => void (addr(f, src, j, tStride), f.mem("f32.load")), () => void f.f32c(0), f32).set(s);
          f.get(accumulate).if(() => void (f.get(s), addr(f, dst, j, null), f.mem("f32.load").op("f32.add").set(s)));
          addr(f, dst, j, null);
          f.get(s).mem("f32.store");
        });
    });
  });
}

function addScatter(mb: ModuleBuilder, name: string, layout: "rows" | "cols"): number {
  return mb.func(name, [i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [n, ids, v, g, ldg, t, ldt, lo, hi] = f.params as number[] as [number, number, number, number, number, number, number, number, number];
    const [r, id, valid, j, src, dst] = f.locals(i32, 6);
    const tStride = layout === "rows" ? null : ldt;
    forRange(f, r, () => f.i32c(0), n, 1, () => {
      loadId(f, ids, r, v, id, valid);
      f.get(valid).if(() => {
        f.get(g).get(r).get(ldg).op("i32.mul").i32c(4).op("i32.mul").op("i32.add").set(src);
        if (layout === "rows") f.get(t).get(id).get(ldt).op("i32.mul").i32c(4).op("i32.mul").op("i32.add").set(dst);
        else f.get(t).get(id).i32c(4).op("i32.mul").op("i32.add").set(dst);
        columns(f, j, lo, hi, layout === "rows",
          () => {
            addr(f, dst, j, null);
            addr(f, dst, j, null);
            f.simdMem("v128.load", 0, 2);
            addr(f, src, j, null);
            f.simdMem("v128.load", 0, 2).simd("f32x4.add").simdMem("v128.store", 0, 2);
          },
          () => {
            addr(f, dst, j, tStride);
            addr(f, dst, j, tStride);
            f.mem("f32.load");
            addr(f, src, j, null);
            f.mem("f32.load").op("f32.add").mem("f32.store");
          });
      });
    });
  });
}
