// Matrix products for the generated kernels. Embedded in every generated module by the bundling
// step (scripts/bundle-runtime.ts); the compiler imports it directly for its own tests.
//
// Every product is C[m×n] (+)= op(A)·B with B first *packed*: cut into panels of 8 columns,
// each panel stored k×8 contiguously in a Float64Array (zero-padded past n). The kernel then
// holds a 4×8 tile of C in 32 locals (registers, mostly) and streams one panel and four rows
// (or, transposed, four columns) of A through it, k innermost: 12 loads per 32 multiply-adds.
// Weights are packed once per forward or backward call and reused at every step; the
// per-row operands of a weight gradient are packed once per product.
// Matrices are row-major views into flat arrays: (array, offset, leading dimension).

export type FloatArray = Float32Array | Float64Array;

/** A packed B operand: ⌈n/8⌉ panels of k×8 values. */
export interface PackedB {
  readonly k: number;
  readonly n: number;
  readonly data: Float64Array;
}

/**
 * Packs op(B) [k×n] — B itself ([k×n], `trans` false) or the transpose of B ([n×k], `trans`
 * true) — into panels. `into` is reused when it is large enough (no allocation in loops).
 */
export function packB(B: FloatArray, bOff: number, ldb: number, trans: boolean, k: number, n: number, into?: PackedB): PackedB {
  const panels = (n + 7) >> 3;
  const size = panels * k * 8;
  const data = into !== undefined && into.data.length >= size ? into.data : new Float64Array(size);
  for (let p = 0; p < panels; p++) {
    const j0 = p * 8;
    const width = Math.min(8, n - j0);
    let o = p * k * 8;
    if (!trans) {
      for (let q = 0; q < k; q++, o += 8) {
        const b = bOff + q * ldb + j0;
        for (let j = 0; j < width; j++) data[o + j] = B[b + j]!;
        for (let j = width; j < 8; j++) data[o + j] = 0;
      }
    } else {
      for (let q = 0; q < k; q++, o += 8) {
        const b = bOff + j0 * ldb + q;
        for (let j = 0; j < width; j++) data[o + j] = B[b + j * ldb]!;
        for (let j = width; j < 8; j++) data[o + j] = 0;
      }
    }
  }
  return { k, n, data };
}

/** Rows of k processed per block, and rows of A per packed block: sized to stay in L1/L2. */
const KC = 256;
const MC = 64;

/** C[m×n] (+)= A[m×k] · B, B packed. */
export function gemm(m: number, A: FloatArray, aOff: number, lda: number, Bp: PackedB, C: FloatArray, cOff: number, ldc: number, accumulate: boolean): void {
  blocked(m, A, aOff, lda, 1, Bp, C, cOff, ldc, accumulate);
}

/** C[m×n] (+)= A[k×m]ᵀ · B, B packed: a sum over the k rows of outer products (a weight's gradient). */
export function gemmTransA(m: number, A: FloatArray, aOff: number, lda: number, Bp: PackedB, C: FloatArray, cOff: number, ldc: number, accumulate: boolean): void {
  blocked(m, A, aOff, 1, lda, Bp, C, cOff, ldc, accumulate);
}

let packedA = new Float64Array(MC * KC);
/** Where an edge tile's accumulators go before the valid part is written (no allocation per call). */
const edgeTile = new Float64Array(32);

/**
 * The blocked product (after Goto and van de Geijn): for each block of k, and each block of
 * MC rows of A, pack that block of A into 4-row micro-panels (contiguous, so A's layout —
 * plain or transposed — no longer matters), then run the 4×8 tile over every B panel. A's
 * element (i, q) is A[aOff + i·rowStep + q·kStep].
 */
function blocked(m: number, A: FloatArray, aOff: number, rowStep: number, kStep: number, Bp: PackedB, C: FloatArray, cOff: number, ldc: number, accumulate: boolean): void {
  const { k, n, data } = Bp;
  const panels = (n + 7) >> 3;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  const m4 = m - (m % 4);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    const acc = accumulate || k0 > 0;
    for (let i0 = 0; i0 < m4; i0 += MC) {
      const mc = Math.min(MC, m4 - i0);
      const tiles = mc >> 2;
      const Ap = packA(A, aOff + i0 * rowStep + k0 * kStep, rowStep, kStep, mc, kc);
      for (let p = 0; p < panels; p++) {
        const width = Math.min(8, n - p * 8);
        const b = (p * k + k0) * 8;
        for (let t = 0; t < tiles; t++) tile4x8(kc, Ap, t * kc * 4, data, b, C, cOff + (i0 + t * 4) * ldc + p * 8, ldc, width, 4, acc);
      }
    }
  }
  // The last m mod 4 rows (all of them for a batch of 1): one row at a time, A read in place.
  for (let i = m4; i < m; i++) {
    for (let p = 0; p < panels; p++) tile1x8(k, A, aOff + i * rowStep, kStep, data, p * k * 8, C, cOff + i * ldc + p * 8, Math.min(8, n - p * 8), accumulate);
  }
}

/** One row of C against one packed panel, over all of k. */
function tile1x8(k: number, A: FloatArray, a: number, kStep: number, P: Float64Array, b: number, C: FloatArray, c: number, width: number, accumulate: boolean): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  for (let q = 0; q < k; q++, b += 8, a += kStep) {
    const x = A[a]!;
    c0 += x * P[b]!; c1 += x * P[b + 1]!; c2 += x * P[b + 2]!; c3 += x * P[b + 3]!;
    c4 += x * P[b + 4]!; c5 += x * P[b + 5]!; c6 += x * P[b + 6]!; c7 += x * P[b + 7]!;
  }
  if (width === 8) {
    if (accumulate) {
      C[c] = C[c]! + c0; C[c + 1] = C[c + 1]! + c1; C[c + 2] = C[c + 2]! + c2; C[c + 3] = C[c + 3]! + c3;
      C[c + 4] = C[c + 4]! + c4; C[c + 5] = C[c + 5]! + c5; C[c + 6] = C[c + 6]! + c6; C[c + 7] = C[c + 7]! + c7;
    } else {
      C[c] = c0; C[c + 1] = c1; C[c + 2] = c2; C[c + 3] = c3; C[c + 4] = c4; C[c + 5] = c5; C[c + 6] = c6; C[c + 7] = c7;
    }
    return;
  }
  const t = edgeTile;
  t[0] = c0; t[1] = c1; t[2] = c2; t[3] = c3; t[4] = c4; t[5] = c5; t[6] = c6; t[7] = c7;
  for (let j = 0; j < width; j++) C[c + j] = (accumulate ? C[c + j]! : 0) + t[j]!;
}

/** Packs an mc×kc block of A into ⌈mc/4⌉ micro-panels of kc×4 values (zero-padded rows). */
function packA(A: FloatArray, a: number, rowStep: number, kStep: number, mc: number, kc: number): Float64Array {
  const tiles = (mc + 3) >> 2;
  if (packedA.length < tiles * kc * 4) packedA = new Float64Array(tiles * kc * 4);
  const out = packedA;
  for (let t = 0; t < tiles; t++) {
    const base = t * kc * 4;
    for (let r = 0; r < 4; r++) {
      const i = t * 4 + r;
      if (i >= mc) {
        for (let q = 0; q < kc; q++) out[base + q * 4 + r] = 0;
        continue;
      }
      let src = a + i * rowStep;
      for (let q = 0; q < kc; q++, src += kStep) out[base + q * 4 + r] = A[src]!;
    }
  }
  return out;
}

/**
 * One 4×8 tile of C from a packed A micro-panel (kc×4) and a packed B panel (kc×8): 32
 * accumulators in locals, 12 loads per 32 multiply-adds. Writes `rows` × `width` of it.
 */
function tile4x8(
  kc: number, Ap: Float64Array, a: number, P: Float64Array, b: number,
  C: FloatArray, c: number, ldc: number, width: number, rows: number, accumulate: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
  for (let q = 0; q < kc; q++, a += 4, b += 8) {
    const x0 = Ap[a]!, x1 = Ap[a + 1]!, x2 = Ap[a + 2]!, x3 = Ap[a + 3]!;
    const y0 = P[b]!, y1 = P[b + 1]!, y2 = P[b + 2]!, y3 = P[b + 3]!, y4 = P[b + 4]!, y5 = P[b + 5]!, y6 = P[b + 6]!, y7 = P[b + 7]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
  }
  if (width === 8 && rows === 4) {
    if (accumulate) {
      C[c] = C[c]! + c00; C[c + 1] = C[c + 1]! + c01; C[c + 2] = C[c + 2]! + c02; C[c + 3] = C[c + 3]! + c03;
      C[c + 4] = C[c + 4]! + c04; C[c + 5] = C[c + 5]! + c05; C[c + 6] = C[c + 6]! + c06; C[c + 7] = C[c + 7]! + c07;
      c += ldc;
      C[c] = C[c]! + c10; C[c + 1] = C[c + 1]! + c11; C[c + 2] = C[c + 2]! + c12; C[c + 3] = C[c + 3]! + c13;
      C[c + 4] = C[c + 4]! + c14; C[c + 5] = C[c + 5]! + c15; C[c + 6] = C[c + 6]! + c16; C[c + 7] = C[c + 7]! + c17;
      c += ldc;
      C[c] = C[c]! + c20; C[c + 1] = C[c + 1]! + c21; C[c + 2] = C[c + 2]! + c22; C[c + 3] = C[c + 3]! + c23;
      C[c + 4] = C[c + 4]! + c24; C[c + 5] = C[c + 5]! + c25; C[c + 6] = C[c + 6]! + c26; C[c + 7] = C[c + 7]! + c27;
      c += ldc;
      C[c] = C[c]! + c30; C[c + 1] = C[c + 1]! + c31; C[c + 2] = C[c + 2]! + c32; C[c + 3] = C[c + 3]! + c33;
      C[c + 4] = C[c + 4]! + c34; C[c + 5] = C[c + 5]! + c35; C[c + 6] = C[c + 6]! + c36; C[c + 7] = C[c + 7]! + c37;
    } else {
      C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03; C[c + 4] = c04; C[c + 5] = c05; C[c + 6] = c06; C[c + 7] = c07;
      c += ldc;
      C[c] = c10; C[c + 1] = c11; C[c + 2] = c12; C[c + 3] = c13; C[c + 4] = c14; C[c + 5] = c15; C[c + 6] = c16; C[c + 7] = c17;
      c += ldc;
      C[c] = c20; C[c + 1] = c21; C[c + 2] = c22; C[c + 3] = c23; C[c + 4] = c24; C[c + 5] = c25; C[c + 6] = c26; C[c + 7] = c27;
      c += ldc;
      C[c] = c30; C[c + 1] = c31; C[c + 2] = c32; C[c + 3] = c33; C[c + 4] = c34; C[c + 5] = c35; C[c + 6] = c36; C[c + 7] = c37;
    }
    return;
  }
  // An edge tile (last rows or a ragged last panel): write only what is inside C.
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03; t[4] = c04; t[5] = c05; t[6] = c06; t[7] = c07;
  t[8] = c10; t[9] = c11; t[10] = c12; t[11] = c13; t[12] = c14; t[13] = c15; t[14] = c16; t[15] = c17;
  t[16] = c20; t[17] = c21; t[18] = c22; t[19] = c23; t[20] = c24; t[21] = c25; t[22] = c26; t[23] = c27;
  t[24] = c30; t[25] = c31; t[26] = c32; t[27] = c33; t[28] = c34; t[29] = c35; t[30] = c36; t[31] = c37;
  for (let r = 0; r < rows; r++, c += ldc) {
    for (let j = 0; j < width; j++) C[c + j] = (accumulate ? C[c + j]! : 0) + t[r * 8 + j]!;
  }
}
