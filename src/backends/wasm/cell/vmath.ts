import type { FunctionBody, Local } from "./asm.js";

/**
 * Vectorised transcendental functions on f32x4, written inline into a kernel: each takes
 * its argument from the stack and leaves its result there. Cephes' single-precision
 * polynomials (expf, logf) with a range reduction by powers of two; sigmoid and tanh are
 * built on exp, with tanh's small arguments on its Taylor polynomial (no cancellation).
 */
export interface VMath {
  exp(f: FunctionBody): void;
  log(f: FunctionBody): void;
  sigmoid(f: FunctionBody): void;
  tanh(f: FunctionBody): void;
}

/** Horner's rule: with `x` in a local and the stack empty, pushes c0·xⁿ + c1·xⁿ⁻¹ + … + cn. */
function horner(f: FunctionBody, x: Local, coeffs: readonly number[]): void {
  f.f32x4(coeffs[0]!);
  for (const c of coeffs.slice(1)) f.get(x).simd("f32x4_mul").f32x4(c).simd("f32x4_add");
}

function exp(f: FunctionBody): void {
  const x = f.local("v128");
  const n = f.local("v128");
  const r = f.local("v128");
  // Clamped so that 2ⁿ stays a normal float (exp(88.37) ≈ 2.4e38; below −87.3 the result is ≈ 0).
  f.f32x4(88.3762626647949).simd("f32x4_min").f32x4(-87.3365447505531).simd("f32x4_max").tee(x);
  f.f32x4(1.44269504088896341).simd("f32x4_mul").simd("f32x4_nearest").set(n);
  // r = x − n·ln2, ln2 split in two so n·C1 is exact.
  f.get(x).get(n).f32x4(0.693359375).simd("f32x4_mul").simd("f32x4_sub");
  f.get(n).f32x4(-2.12194440e-4).simd("f32x4_mul").simd("f32x4_sub").set(r);
  horner(f, r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  f.get(r).simd("f32x4_mul").get(r).simd("f32x4_mul").get(r).simd("f32x4_add").f32x4(1).simd("f32x4_add");
  // × 2ⁿ, built in the exponent bits.
  f.get(n).simd("i32x4_trunc_sat_f32x4_s").i32x4(127).simd("i32x4_add").i32(23).simd("i32x4_shl");
  f.simd("f32x4_mul");
}

function log(f: FunctionBody): void {
  const x = f.local("v128");
  const m = f.local("v128");
  const e = f.local("v128");
  const mask = f.local("v128");
  const z = f.local("v128");
  const fe = f.local("v128");
  f.set(x);
  // x = m·2ᵉ with m in [0.5, 1).
  f.get(x).i32(23).simd("i32x4_shr_u");
  f.i32x4(126).simd("i32x4_sub").set(e);
  f.get(x).i32x4(0x007fffff).simd("and").i32x4(0x3f000000).simd("or").set(m);
  f.get(m).f32x4(0.707106781186547524).simd("f32x4_lt").set(mask);
  f.get(e).get(mask).simd("i32x4_add").set(e);
  // m < √½: m ← 2m − 1 (and e − 1), else m ← m − 1.
  f.get(m).f32x4(1).simd("f32x4_sub").get(m).get(mask).simd("and").simd("f32x4_add").set(m);
  f.get(m).get(m).simd("f32x4_mul").set(z);
  f.get(e).simd("f32x4_convert_i32x4_s").set(fe);
  horner(f, m, [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]);
  f.get(m).simd("f32x4_mul").get(z).simd("f32x4_mul");
  f.get(fe).f32x4(-2.12194440e-4).simd("f32x4_mul").simd("f32x4_add");
  f.get(z).f32x4(-0.5).simd("f32x4_mul").simd("f32x4_add");
  f.get(m).simd("f32x4_add");
  f.get(fe).f32x4(0.693359375).simd("f32x4_mul").simd("f32x4_add");
  // log 0 = −∞, log of a negative number is NaN, log ∞ = ∞.
  // (bitselect keeps the first operand where the mask is set.)
  f.f32x4(-Infinity).get(x).f32x4(0).simd("f32x4_ne").simd("bitselect");
  f.f32x4(NaN).get(x).f32x4(0).simd("f32x4_ge").simd("bitselect");
  f.f32x4(Infinity).get(x).f32x4(Infinity).simd("f32x4_ne").simd("bitselect");
}

function sigmoid(f: FunctionBody): void {
  const x = f.local("v128");
  f.set(x);
  f.f32x4(1);
  f.get(x).simd("f32x4_neg");
  exp(f);
  f.f32x4(1).simd("f32x4_add").simd("f32x4_div");
}

function tanh(f: FunctionBody): void {
  const x = f.local("v128");
  const x2 = f.local("v128");
  const big = f.local("v128");
  f.set(x);
  // |x| ≥ 0.3: sign(x)·(1 − 2 / (e^{2|x|} + 1)).
  f.f32x4(1).f32x4(2);
  f.get(x).simd("f32x4_abs").f32x4(2).simd("f32x4_mul");
  exp(f);
  f.f32x4(1).simd("f32x4_add").simd("f32x4_div").simd("f32x4_sub");
  f.get(x).i32x4(-0x80000000).simd("and").simd("or").set(big);
  // |x| < 0.3: x·(1 + x²·(−1/3 + x²·(2/15 + x²·(−17/315 + x²·62/2835)))).
  f.get(x).get(x).simd("f32x4_mul").set(x2);
  horner(f, x2, [62 / 2835, -17 / 315, 2 / 15, -1 / 3, 1]);
  f.get(x).simd("f32x4_mul");
  f.get(big);
  f.get(x).simd("f32x4_abs").f32x4(0.3).simd("f32x4_lt");
  f.simd("bitselect");
}

export const VMATH: VMath = { exp, log, sigmoid, tanh };
