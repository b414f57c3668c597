// Matrix products for the generated kernels. No imports: the emitter embeds this file's text
// in every generated module, and the compiler imports it directly for its own tests.
//
// All matrices are row-major views into flat arrays: (array, offset, leading dimension).
// The three forms are the three products backprop through time needs:
//   gemmNT  C[m×n] (+)= A[m×k] · B[n×k]ᵀ   forward  x·Wᵀ (a batch of rows times a weight matrix)
//   gemmNN  C[m×n] (+)= A[m×k] · B[k×n]    backward dY·W (the adjoint of the input rows)
//   gemmTN  C[m×n] (+)= A[k×m]ᵀ · B[k×n]   backward dYᵀ·X (a weight's gradient, summed over rows)
// Each is register-tiled (4 rows of C at a time, with 4 or 8 accumulators in registers) and
// blocked over k so the panels being reused stay in cache.

export type FloatArray = Float32Array | Float64Array;

const KC = 256;

/** C[m×n] (+)= A[m×k] · B[n×k]ᵀ: every C entry is a dot product of two contiguous rows. */
export function gemmNT(
  m: number, n: number, k: number,
  A: FloatArray, aOff: number, lda: number,
  B: FloatArray, bOff: number, ldb: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    const acc = accumulate || k0 > 0;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      let j = 0;
      for (; j + 2 <= n; j += 2) {
        const b0 = bOff + j * ldb, b1 = b0 + ldb;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
        for (let p = k0; p < k1; p++) {
          const x0 = B[b0 + p]!, x1 = B[b1 + p]!;
          const y0 = A[a0 + p]!, y1 = A[a1 + p]!, y2 = A[a2 + p]!, y3 = A[a3 + p]!;
          s00 += y0 * x0; s01 += y0 * x1;
          s10 += y1 * x0; s11 += y1 * x1;
          s20 += y2 * x0; s21 += y2 * x1;
          s30 += y3 * x0; s31 += y3 * x1;
        }
        const c0 = cOff + i * ldc + j;
        if (acc) {
          C[c0] = C[c0]! + s00; C[c0 + 1] = C[c0 + 1]! + s01;
          C[c0 + ldc] = C[c0 + ldc]! + s10; C[c0 + ldc + 1] = C[c0 + ldc + 1]! + s11;
          C[c0 + 2 * ldc] = C[c0 + 2 * ldc]! + s20; C[c0 + 2 * ldc + 1] = C[c0 + 2 * ldc + 1]! + s21;
          C[c0 + 3 * ldc] = C[c0 + 3 * ldc]! + s30; C[c0 + 3 * ldc + 1] = C[c0 + 3 * ldc + 1]! + s31;
        } else {
          C[c0] = s00; C[c0 + 1] = s01;
          C[c0 + ldc] = s10; C[c0 + ldc + 1] = s11;
          C[c0 + 2 * ldc] = s20; C[c0 + 2 * ldc + 1] = s21;
          C[c0 + 3 * ldc] = s30; C[c0 + 3 * ldc + 1] = s31;
        }
      }
      for (; j < n; j++) {
        const b0 = bOff + j * ldb;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = k0; p < k1; p++) {
          const x = B[b0 + p]!;
          s0 += A[a0 + p]! * x; s1 += A[a1 + p]! * x; s2 += A[a2 + p]! * x; s3 += A[a3 + p]! * x;
        }
        const c0 = cOff + i * ldc + j;
        if (acc) { C[c0] = C[c0]! + s0; C[c0 + ldc] = C[c0 + ldc]! + s1; C[c0 + 2 * ldc] = C[c0 + 2 * ldc]! + s2; C[c0 + 3 * ldc] = C[c0 + 3 * ldc]! + s3; }
        else { C[c0] = s0; C[c0 + ldc] = s1; C[c0 + 2 * ldc] = s2; C[c0 + 3 * ldc] = s3; }
      }
    }
    for (; i < m; i++) {
      const a0 = aOff + i * lda;
      for (let j = 0; j < n; j++) {
        const b0 = bOff + j * ldb;
        let s = 0;
        for (let p = k0; p < k1; p++) s += A[a0 + p]! * B[b0 + p]!;
        const c0 = cOff + i * ldc + j;
        if (acc) C[c0] = C[c0]! + s;
        else C[c0] = s;
      }
    }
  }
  if (k === 0 && !accumulate) zero(m, n, C, cOff, ldc);
}

/** C[m×n] (+)= A[m×k] · B[k×n]: rows of C are combinations of rows of B (axpy form). */
export function gemmNN(
  m: number, n: number, k: number,
  A: FloatArray, aOff: number, lda: number,
  B: FloatArray, bOff: number, ldb: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (!accumulate) zero(m, n, C, cOff, ldc);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      for (let p = k0; p < k1; p++) {
        const y0 = A[a0 + p]!, y1 = A[a1 + p]!, y2 = A[a2 + p]!, y3 = A[a3 + p]!;
        const b = bOff + p * ldb;
        for (let j = 0; j < n; j++) {
          const x = B[b + j]!;
          C[c0 + j] = C[c0 + j]! + y0 * x;
          C[c1 + j] = C[c1 + j]! + y1 * x;
          C[c2 + j] = C[c2 + j]! + y2 * x;
          C[c3 + j] = C[c3 + j]! + y3 * x;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = cOff + i * ldc;
      const a0 = aOff + i * lda;
      for (let p = k0; p < k1; p++) {
        const y = A[a0 + p]!;
        const b = bOff + p * ldb;
        for (let j = 0; j < n; j++) C[c0 + j] = C[c0 + j]! + y * B[b + j]!;
      }
    }
  }
}

/** C[m×n] (+)= A[k×m]ᵀ · B[k×n]: a sum of outer products of matching rows of A and B. */
export function gemmTN(
  m: number, n: number, k: number,
  A: FloatArray, aOff: number, lda: number,
  B: FloatArray, bOff: number, ldb: number,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (!accumulate) zero(m, n, C, cOff, ldc);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
      for (let p = k0; p < k1; p++) {
        const a = aOff + p * lda + i;
        const y0 = A[a]!, y1 = A[a + 1]!, y2 = A[a + 2]!, y3 = A[a + 3]!;
        const b = bOff + p * ldb;
        for (let j = 0; j < n; j++) {
          const x = B[b + j]!;
          C[c0 + j] = C[c0 + j]! + y0 * x;
          C[c1 + j] = C[c1 + j]! + y1 * x;
          C[c2 + j] = C[c2 + j]! + y2 * x;
          C[c3 + j] = C[c3 + j]! + y3 * x;
        }
      }
    }
    for (; i < m; i++) {
      const c0 = cOff + i * ldc;
      for (let p = k0; p < k1; p++) {
        const y = A[aOff + p * lda + i]!;
        const b = bOff + p * ldb;
        for (let j = 0; j < n; j++) C[c0 + j] = C[c0 + j]! + y * B[b + j]!;
      }
    }
  }
}

function zero(m: number, n: number, C: FloatArray, cOff: number, ldc: number): void {
  for (let i = 0; i < m; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + n);
}
