/**
 * The "what JavaScript can do on this machine" ceiling: a plain-JS register-tiled matrix product
 * C[M, N] = A[M, K] · B[K, N] on Float32Array, with B packed into panels of 8 columns (K × 8, contiguous),
 * a 4×8 register tile (32 accumulators held in locals) and the k-loop innermost. It is timed at the shape
 * of one recurrent step, [B, I+H] × [I+H, G·H], and kernels' GFLOP/s are shown as a percentage of it.
 */
import { timeRepeated, type RepPlan } from "../stats.js";
import { seededRandom, uniformArray } from "../workloads.js";

/** Packs B [K, N] into ⌈N/8⌉ panels of [K, 8] (the last panel zero-padded). */
export function packPanels(Bm: Float32Array, K: number, N: number): Float32Array {
  const panels = Math.ceil(N / 8);
  const out = new Float32Array(panels * K * 8);
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < 8 && p * 8 + j < N; j++) out[(p * K + k) * 8 + j] = Bm[k * N + p * 8 + j]!;
    }
  }
  return out;
}

/** 4×8 register tile over rows i..i+3 and packed panel p: 32 accumulators, k innermost. */
function tile4x8(A: Float32Array, Bp: Float32Array, C: Float32Array, K: number, N: number, i: number, p: number): void {
  let c00 = 0; let c01 = 0; let c02 = 0; let c03 = 0; let c04 = 0; let c05 = 0; let c06 = 0; let c07 = 0;
  let c10 = 0; let c11 = 0; let c12 = 0; let c13 = 0; let c14 = 0; let c15 = 0; let c16 = 0; let c17 = 0;
  let c20 = 0; let c21 = 0; let c22 = 0; let c23 = 0; let c24 = 0; let c25 = 0; let c26 = 0; let c27 = 0;
  let c30 = 0; let c31 = 0; let c32 = 0; let c33 = 0; let c34 = 0; let c35 = 0; let c36 = 0; let c37 = 0;
  const a0 = i * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
  let b = p * K * 8;
  for (let k = 0; k < K; k++, b += 8) {
    const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!, x3 = A[a3 + k]!;
    const y0 = Bp[b]!, y1 = Bp[b + 1]!, y2 = Bp[b + 2]!, y3 = Bp[b + 3]!, y4 = Bp[b + 4]!, y5 = Bp[b + 5]!, y6 = Bp[b + 6]!, y7 = Bp[b + 7]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3; c04 += x0 * y4; c05 += x0 * y5; c06 += x0 * y6; c07 += x0 * y7;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3; c14 += x1 * y4; c15 += x1 * y5; c16 += x1 * y6; c17 += x1 * y7;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3; c24 += x2 * y4; c25 += x2 * y5; c26 += x2 * y6; c27 += x2 * y7;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3; c34 += x3 * y4; c35 += x3 * y5; c36 += x3 * y6; c37 += x3 * y7;
  }
  const col = p * 8;
  { const o = (i + 0) * N + col; C[o + 0] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; C[o + 4] = c04; C[o + 5] = c05; C[o + 6] = c06; C[o + 7] = c07; }
  { const o = (i + 1) * N + col; C[o + 0] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; C[o + 4] = c14; C[o + 5] = c15; C[o + 6] = c16; C[o + 7] = c17; }
  { const o = (i + 2) * N + col; C[o + 0] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; C[o + 4] = c24; C[o + 5] = c25; C[o + 6] = c26; C[o + 7] = c27; }
  { const o = (i + 3) * N + col; C[o + 0] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33; C[o + 4] = c34; C[o + 5] = c35; C[o + 6] = c36; C[o + 7] = c37; }
}

/** One row against one packed panel: the edge case when M is not a multiple of 4 (e.g. batch 1). */
function tile1x8(A: Float32Array, Bp: Float32Array, C: Float32Array, K: number, N: number, i: number, p: number, width: number): void {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
  const a = i * K;
  let b = p * K * 8;
  for (let k = 0; k < K; k++, b += 8) {
    const x = A[a + k]!;
    c0 += x * Bp[b]!; c1 += x * Bp[b + 1]!; c2 += x * Bp[b + 2]!; c3 += x * Bp[b + 3]!;
    c4 += x * Bp[b + 4]!; c5 += x * Bp[b + 5]!; c6 += x * Bp[b + 6]!; c7 += x * Bp[b + 7]!;
  }
  const acc = [c0, c1, c2, c3, c4, c5, c6, c7];
  for (let j = 0; j < width; j++) C[i * N + p * 8 + j] = acc[j]!;
}

/** C = A · B with B already packed by `packPanels`. */
export function tiledMatmul(A: Float32Array, Bp: Float32Array, C: Float32Array, M: number, K: number, N: number): void {
  const fullPanels = Math.floor(N / 8);
  const panels = Math.ceil(N / 8);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    for (let p = 0; p < fullPanels; p++) tile4x8(A, Bp, C, K, N, i, p);
    // A ragged last panel goes through the one-row kernel, which writes only the valid columns.
    for (let p = fullPanels; p < panels; p++) for (let r = 0; r < 4; r++) tile1x8(A, Bp, C, K, N, i + r, p, N - p * 8);
  }
  for (; i < M; i++) for (let p = 0; p < panels; p++) tile1x8(A, Bp, C, K, N, i, p, Math.min(8, N - p * 8));
}

/** The textbook triple loop, to check the tiled product before timing it. */
export function naiveMatmul(A: Float32Array, Bm: Float32Array, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) C[i * N + j]! += A[i * K + k]! * Bm[k * N + j]!;
  return C;
}

/** The ceiling measured at one shape. */
export interface CeilingResult {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly samples: number[];
  /** Max |tiled − naive| over C, checked before timing. */
  readonly maxAbsDiff: number;
}

/**
 * Times the tiled product at [M, K] × [K, N]. One timed repetition runs the product `inner` times so that
 * a sample is long enough for the clock (a single B = 1 step takes microseconds).
 */
export async function measureCeiling(M: number, K: number, N: number, plan: RepPlan): Promise<CeilingResult & { inner: number }> {
  const rand = seededRandom(7);
  const A = uniformArray(M * K, 1, rand);
  const Bm = uniformArray(K * N, 1, rand);
  const Bp = packPanels(Bm, K, N);
  const C = new Float32Array(M * N);
  tiledMatmul(A, Bp, C, M, K, N);
  const ref = naiveMatmul(A, Bm, M, K, N);
  let maxAbsDiff = 0;
  for (let i = 0; i < C.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(C[i]! - ref[i]!));
  const inner = Math.max(1, Math.round(2e7 / (2 * M * K * N))); // ≈ 20 MFLOP per sample
  const { wall } = await timeRepeated(() => {
    for (let r = 0; r < inner; r++) tiledMatmul(A, Bp, C, M, K, N);
  }, plan);
  return { M, K, N, samples: wall.map((s) => s / inner), maxAbsDiff, inner };
}
