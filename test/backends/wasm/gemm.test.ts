import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GEMM_KERNELS as K } from "../../../src/backends/wasm/kernels.js";
import { harness, values } from "./harness.js";

/** C (+)= op(A)·op(B) in float64 on strided views; op(A) [m×k], op(B) [k×n]. */
function reference(m: number, n: number, k: number, a: (i: number, q: number) => number, b: (q: number, j: number) => number, c0: (i: number, j: number) => number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = c0(i, j);
    for (let q = 0; q < k; q++) s += a(i, q) * b(q, j);
    C[i * n + j] = s;
  }
  return C;
}

/** The same sum in float32, rounded after every product and every add, k ascending. */
function sequential32(m: number, n: number, k: number, a: (i: number, q: number) => number, b: (q: number, j: number) => number, c0: (i: number, j: number) => number): Float64Array {
  const C = new Float64Array(m * n);
  const r = Math.fround;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = r(c0(i, j));
    for (let q = 0; q < k; q++) s = r(s + r(a(i, q) * b(q, j)));
    C[i * n + j] = s;
  }
  return C;
}

interface Case { m: number; n: number; k: number; transA: boolean; transB: boolean; accumulate: boolean; pad: number; seed: number }

const h = harness();

/** Runs one product through the wasm kernels, panels split at `splits`; returns C's valid part. */
function run(cs: Case, splits: number[] = [], float32Sequential = false): { got: Float32Array; want: Float64Array; k: number } {
  const { m, n, k, transA, transB, accumulate, pad, seed } = cs;
  h.reset();
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  const A = values((transA ? k : m) * lda + 1, seed), B = values((transB ? n : k) * ldb + 1, seed + 1);
  const C = values(m * ldc + 1, seed + 2);
  const a = h.put(A, pad & 1), b = h.put(B, pad >> 1), c = h.put(C, pad & 1);
  const panels = (n + 7) >> 3;
  const bp = h.alloc(panels * k * 8 + 8);
  h.exports[transB ? K.packT : K.packN]!(4 * b, ldb, k, n, 4 * bp);
  const cuts = [0, ...splits.filter((s) => s < panels), panels];
  for (let t = 0; t + 1 < cuts.length; t++) {
    h.exports[transA ? K.gemmTN : K.gemmNT]!(m, k, 4 * a, lda, 4 * bp, n, 4 * c, ldc, accumulate ? 1 : 0, cuts[t]!, cuts[t + 1]!);
  }
  const want = (float32Sequential ? sequential32 : reference)(m, n, k,
    (i, q) => A[transA ? q * lda + i : i * lda + q]!,
    (q, j) => B[transB ? j * ldb + q : q * ldb + j]!,
    (i, j) => (accumulate ? C[i * ldc + j]! : 0));
  const f = h.f32();
  const got = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) got[i * n + j] = f[c + i * ldc + j]!;
  // C's padding columns must be untouched
  for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(f[c + i * ldc + j]).toBe(C[i * ldc + j]);
  return { got, want, k };
}

function expectClose({ got, want, k }: { got: Float32Array; want: Float64Array; k: number }): void {
  // float32 accumulation of k products of values in [-1, 1): error ≲ k·2⁻²⁴·Σ|terms|.
  const tol = 4e-7 * (k + 2) + 1e-6;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) throw new Error(`element ${i}: got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

describe("f32 GEMM kernels (SIMD128) against float64", () => {
  it("the LSTM shapes at batch 1, 7 and 32, every form", () => {
    for (const m of [1, 7, 32]) for (const [k, n] of [[32, 256], [64, 256], [33, 100]] as const)
      for (const transA of [false, true]) for (const transB of [false, true]) for (const accumulate of [false, true])
        expectClose(run({ m, n, k, transA, transB, accumulate, pad: 0, seed: m + k + n }));
  });

  it("any m, n, k: edges of the 4-row tile, the 8-column panel, the k unroll, strides and offsets", () => {
    const shape = fc.record({
      m: fc.integer({ min: 1, max: 13 }), n: fc.integer({ min: 1, max: 41 }), k: fc.integer({ min: 0, max: 19 }),
      transA: fc.boolean(), transB: fc.boolean(), accumulate: fc.boolean(),
      pad: fc.integer({ min: 0, max: 3 }), seed: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(fc.property(shape, (cs) => expectClose(run(cs))), { numRuns: 300 });
  });

  it("across the k block (256) and the row block (64): every element is the sequential float32 sum, bit for bit", () => {
    for (const [m, k, n] of [[70, 300, 20], [133, 520, 9], [5, 257, 33]] as const) {
      for (const transA of [false, true]) for (const accumulate of [false, true]) {
        const cs = { m, n, k, transA, transB: transA, accumulate, pad: 1, seed: m + k };
        const { got, want } = run(cs);
        expectClose({ got, want, k });
        // The order the kernels promise: s = (accumulate ? C : 0), then s += a·b for q ascending, in float32.
        const seq = run(cs, [], true).want;
        expect(got).toEqual(Float32Array.from(seq));
      }
    }
  });

  it("k = 0 writes zeros, or leaves C alone when accumulating", () => {
    const z = run({ m: 5, n: 11, k: 0, transA: false, transB: true, accumulate: false, pad: 1, seed: 3 });
    expect([...z.got].every((x) => x === 0)).toBe(true);
    expectClose(run({ m: 5, n: 11, k: 0, transA: false, transB: true, accumulate: true, pad: 1, seed: 3 }));
  });

  it("is bit-identical whichever way the panels are split (threads), and across batch sizes", () => {
    for (const cs of [
      { m: 7, n: 61, k: 45, transA: false, transB: true, accumulate: true, pad: 2, seed: 9 },
      { m: 9, n: 64, k: 37, transA: true, transB: false, accumulate: false, pad: 0, seed: 4 },
    ]) {
      const whole = run(cs).got;
      expect(run(cs, [1]).got).toEqual(whole);
      expect(run(cs, [3, 4, 6]).got).toEqual(whole);
    }
    // Row 6 of a batch of 7 (one-row path) equals row 2 of a batch of 3 (4-row tile) when the rows match.
    const A = values(3 * 40, 5);
    const bRows = values(40 * 24, 6);
    h.reset();
    const a = h.put([...A, ...A, ...A.subarray(0, 40)]); // 7 rows: rows 0-2, 3-5 repeat, row 6 = row 0
    const b = h.put(bRows);
    const bp = h.alloc(3 * 40 * 8);
    const c = h.alloc(7 * 24);
    h.exports[K.packN]!(4 * b, 24, 40, 24, 4 * bp);
    h.exports[K.gemmNT]!(7, 40, 4 * a, 40, 4 * bp, 24, 4 * c, 24, 0, 0, 3);
    const f = h.f32();
    expect(f.slice(c + 6 * 24, c + 7 * 24)).toEqual(f.slice(c, c + 24));
  });
});

describe("the product over blocks of C's rows (how threads split a product whose A is the larger operand)", () => {
  it("gives the bytes of the whole product whichever blocks are computed separately, the last block short", async () => {
    const { GEMM_ROW_BLOCK } = await import("../../../src/backends/wasm/gemm.js");
    const { GEMM_ROW_BLOCK: runtimeBlock } = await import("../../../src/runtime/wasm-arena.js");
    expect(runtimeBlock).toBe(GEMM_ROW_BLOCK);
    // 3 blocks of 64 rows and a last one of 9 (a lone last row of the tile path included: 201 = 4·50 + 1).
    const [m, k, n, ldc] = [201, 37, 19, 21];
    const A = values(m * k, 11), Bv = values(k * n, 12), C0 = values(m * ldc, 13);
    const product = (cuts: number[]): Float32Array => {
      h.reset();
      const a = h.put(A), b = h.put(Bv), c = h.put(C0);
      const bp = h.alloc(((n + 7) >> 3) * k * 8);
      h.exports[K.packN]!(4 * b, n, k, n, 4 * bp);
      for (let t = 0; t + 1 < cuts.length; t++) h.exports[K.gemmNTRows]!(m, k, 4 * a, k, 4 * bp, n, 4 * c, ldc, 1, cuts[t]!, cuts[t + 1]!);
      return h.f32().slice(c, c + m * ldc);
    };
    const whole = (() => {
      h.reset();
      const a = h.put(A), b = h.put(Bv), c = h.put(C0);
      const bp = h.alloc(((n + 7) >> 3) * k * 8);
      h.exports[K.packN]!(4 * b, n, k, n, 4 * bp);
      h.exports[K.gemmNT]!(m, k, 4 * a, k, 4 * bp, n, 4 * c, ldc, 1, 0, (n + 7) >> 3);
      return h.f32().slice(c, c + m * ldc);
    })();
    const blocks = Math.ceil(m / GEMM_ROW_BLOCK);
    expect(product([0, blocks])).toEqual(whole);
    expect(product([0, 1, 3, blocks])).toEqual(whole);
    expect(product([0, 1, 2, 3, blocks, blocks + 2])).toEqual(whole); // a range past m computes nothing more
    // C's padding columns untouched, and the result is the product (not just self-consistent).
    for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(whole[i * ldc + j]).toBe(C0[i * ldc + j]);
    const want = reference(m, n, k, (i, q) => A[i * k + q]!, (q, j) => Bv[q * n + j]!, (i, j) => C0[i * ldc + j]!);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(Math.abs(whole[i * ldc + j]! - want[i * n + j]!)).toBeLessThan(4e-7 * (k + 2) + 1e-6);
  });
});

describe("the arena's products (what the generated code calls) keep the JS runtime's contract", () => {
  it("packs B (given, or given transposed) and computes what runtime/gemm.ts computes, accumulating when asked", async () => {
    const { WasmArena } = await import("../../../src/runtime/wasm-arena.js");
    const js = await import("../../../src/runtime/gemm.js");
    const { addKernels } = await import("../../../src/backends/wasm/kernels.js");
    const { ModuleBuilder } = await import("../../../src/backends/wasm/encoder.js");
    const mb = new ModuleBuilder({ memory: { min: 1, max: 32768 } });
    addKernels(mb);
    // One thread: the memory import stays unshared, so the shared flag's offset is never read.
    const arena = new WasmArena("test", { base64: Buffer.from(mb.build()).toString("base64"), sharedFlag: -1 }, 1);
    const [m, k, n] = [7, 19, 21];
    const X = values(m * k, 1), W = values(n * k, 2), C0 = values(m * n, 3);
    const [x, w, bp, c] = arena.alloc([m * k, n * k, ((n + 7) >> 3) * 8 * k, m * n]);
    const [vx, vw, , vc] = arena.views([x!, w!, bp!, c!], [m * k, n * k, ((n + 7) >> 3) * 8 * k, m * n]);
    vx!.set(X);
    vw!.set(W);
    for (const [trans, accumulate] of [[true, false], [false, true]] as const) {
      // trans: W is Bᵀ [n×k]; else W's values are read as B [k×n].
      arena.packB(trans, w!, trans ? k : n, k, n, bp!);
      vc!.set(C0);
      arena.gemm(m, k, x!, k, bp!, n, c!, n, accumulate);
      const want = Float32Array.from(C0);
      js.gemm(m, X, 0, k, js.packB(W, 0, trans ? k : n, trans, k, n), want, 0, n, accumulate);
      for (let i = 0; i < m * n; i++) expect(Math.abs(vc![i]! - want[i]!)).toBeLessThan(1e-5);
    }
    arena.dispose();
  });
});
