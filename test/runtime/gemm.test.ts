import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemm, gemmTransA, packB } from "../../src/runtime/gemm.js";

/** The textbook triple loop in float64, on the same strided views. */
function naive(m: number, n: number, k: number, a: (i: number, q: number) => number, b: (q: number, j: number) => number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) C[i * n + j]! += a(i, q) * b(q, j);
  return C;
}

function values(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

describe("GEMM kernels against the triple loop", () => {
  // Shapes around every edge: m mod 4, n mod 8, k across the 256-row block, m across the 64-row block.
  const shape = fc.record({
    m: fc.integer({ min: 1, max: 70 }),
    n: fc.integer({ min: 1, max: 20 }),
    k: fc.integer({ min: 0, max: 300 }),
    transB: fc.boolean(),
    transA: fc.boolean(),
    accumulate: fc.boolean(),
    pad: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  });

  it("C (+)= op(A)·op(B) for strided, offset views", () => {
    fc.assert(
      fc.property(shape, ({ m, n, k, transA, transB, accumulate, pad, seed }) => {
        // A is [m×k] (or [k×m] when transposed), B is [k×n] (or [n×k]); rows padded by `pad`, offset by 3.
        const lda = (transA ? m : k) + pad;
        const ldb = (transB ? k : n) + pad;
        const ldc = n + pad;
        const A = values(3 + (transA ? k : m) * lda, seed);
        const B = values(3 + (transB ? n : k) * ldb, seed + 1);
        const C = values(3 + m * ldc, seed + 2);
        const before = C.slice();
        const a = (i: number, q: number) => (transA ? A[3 + q * lda + i]! : A[3 + i * lda + q]!);
        const b = (q: number, j: number) => (transB ? B[3 + j * ldb + q]! : B[3 + q * ldb + j]!);
        const expected = naive(m, n, k, a, b);
        const packed = packB(B, 3, ldb, transB, k, n);
        if (transA) gemmTransA(m, A, 3, lda, packed, C, 3, ldc, accumulate);
        else gemm(m, A, 3, lda, packed, C, 3, ldc, accumulate);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < ldc; j++) {
            const at = 3 + i * ldc + j;
            const want = j < n ? expected[i * n + j]! + (accumulate ? before[at]! : 0) : before[at]!; // padding untouched
            if (Math.abs(C[at]! - want) > 1e-12 * Math.max(1, k)) return false;
          }
        }
        return C[0] === before[0] && C[1] === before[1] && C[2] === before[2];
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it("reuses a packing buffer that is large enough", () => {
    const B = values(64, 1);
    const first = packB(B, 0, 8, false, 8, 8);
    const second = packB(B, 0, 4, false, 4, 4, first);
    expect(second.data).toBe(first.data);
  });
});
