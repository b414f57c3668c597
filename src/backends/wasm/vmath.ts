/**
 * Vectorised float32 exp, expm1, log, log1p, tanh and sigmoid as SIMD128 emitters: each call
 * writes inline code computing four lanes from v128 local `x` into v128 local `out` (which may
 * be `x`). Deterministic: only strict SIMD128 ops, no fused multiply-add.
 *
 * Methods (measured max error in test/backends/wasm/vmath.test.ts, over a dense sweep of every
 * binade of the float32 range, against float64 Math):
 * - exp: Cody–Waite reduction x = n·ln2 + r (|r| ≤ ln2/2, ln2 split in a 9-bit head and a tail),
 *   eʳ = 1 + (r + r²·P(r)) with P the Taylor tail 1/2! … r⁵/7! (Estrin's scheme), 2ⁿ applied as two
 *   exact power-of-two factors so results down to the subnormals round once. Clamped to [−104, 89]: overflow gives +Inf, underflow 0, NaN stays NaN.
 * - expm1: the same reduction; expm1(r) as r + r²·P(r), then 2ⁿ·expm1(r) + (2ⁿ − 1) (no cancellation at 0);
 *   −1 below −25, exp(x) above 20 (where the −1 is below a hundredth of an ulp).
 * - tanh(x) = sign(x)·e/(e + 2) with e = expm1(2|x|), |x| clamped to 10 (tanh = 1 in float32 there).
 * - sigmoid(x) = 1/(1 + z) for x ≥ 0, z/(1 + z) for x < 0, z = exp(−|x|): never overflows, and
 *   underflows gradually (sigmoid(−100) ≈ 3.7e−44, a subnormal; sigmoid(−inf) = 0).
 * - log: x = 2ᵉ·m with m ∈ [√½, √2) (subnormals scaled by 2²³ first), log m = f − (f²/2 − s(f²/2 + R(s²)))
 *   with s = f/(2 + f) and a degree-4 polynomial R in s² (the classic fdlibm/musl scheme and its published
 *   coefficients); log(0) = −Inf, log(x < 0) = NaN, log(+Inf) = +Inf.
 * - log1p(x) = log(u) − ((u − 1) − x)/u with u = 1 + x (the rounding of u corrected to first order).
 */
import { type FunctionBuilder, ValType } from "./encoder.js";

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375; // 9 significant bits: n·LN2_HI is exact for |n| < 2¹⁵
const LN2_LO = -2.1219444005469057e-4;
/** 1.5·2²³: adding it rounds a float below 2²² to an integer, which then sits in the low mantissa bits. */
const ROUNDER = 12582912;
const ROUNDER_BITS = 0x4b400000;
/** 1/k! for k = 2 … 7 (the Taylor tail of eʳ). */
const INV_FACT = [1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040];
/** fdlibm/musl logf's minimax coefficients (log(1+f) = 2s + 2s³/3 + …, fit on s² ∈ [0, 0.0295]). */
const LG = [0.66666662693, 0.40000972152, 0.28498786688, 0.24279078841];
const LOG_LN2_HI = 6.9313812256e-1;
const LOG_LN2_LO = 9.0580006145e-6;

/** Emits vector math into one function; owns its temporaries (one set per routine). */
export class VecMath {
  private readonly temps = new Map<string, number>();

  constructor(private readonly f: FunctionBuilder) {}

  private t(name: string): number {
    let l = this.temps.get(name);
    if (l === undefined) {
      l = this.f.local(ValType.v128);
      this.temps.set(name, l);
    }
    return l;
  }

  /**
   * `out = c0 + c1·r + … + cₙ·rⁿ` on the v128 in local r, by Estrin's scheme: pairs `c₂ₖ + c₂ₖ₊₁·r`,
   * then pairs of pairs with r², r⁴ … A loop of gates is bound by its chain of dependent operations
   * (a sigmoid feeds the tanh that feeds the state); Horner's rule is a chain of 2n of them, this
   * one of 2·⌈log₂(n + 1)⌉, for two more multiplications. Returns the local holding r² (made for
   * three coefficients or more), which callers reuse.
   */
  private polynomial(r: number, coeffs: readonly number[], out: number): number | undefined {
    const f = this.f;
    let terms: (number | { c: number })[] = [];
    for (let i = 0; i < coeffs.length; i += 2) {
      if (i + 1 === coeffs.length) {
        terms.push({ c: coeffs[i]! });
        continue;
      }
      const q = this.t(`poly.q${i >> 1}`);
      f.get(r).f32x4c(coeffs[i + 1]!).simd("f32x4.mul").f32x4c(coeffs[i]!).simd("f32x4.add").set(q);
      terms.push(q);
    }
    let power = r;
    let square: number | undefined;
    for (let level = 1; terms.length > 1; level++) {
      const next = this.t(`poly.r${level}`);
      f.get(power).get(power).simd("f32x4.mul").set(next);
      power = next;
      square ??= next;
      const merged: (number | { c: number })[] = [];
      for (let k = 0; k < terms.length; k += 2) {
        const [a, b] = [terms[k]!, terms[k + 1]];
        if (b === undefined) {
          merged.push(a);
          continue;
        }
        const s = this.t(`poly.s${level}.${k >> 1}`);
        if (typeof b === "number") f.get(b);
        else f.f32x4c(b.c);
        f.get(power).simd("f32x4.mul");
        if (typeof a === "number") f.get(a);
        else f.f32x4c(a.c);
        f.simd("f32x4.add").set(s);
        merged.push(s);
      }
      terms = merged;
    }
    const last = terms[0]!;
    if (typeof last === "number") f.get(last);
    else f.f32x4c(last.c);
    f.set(out);
    return square;
  }

  /** Pushes r² from the local a polynomial in r left (see polynomial), or computes it. */
  private squareOf(r: number, square: number | undefined): void {
    if (square !== undefined) this.f.get(square);
    else this.f.get(r).get(r).simd("f32x4.mul");
  }

  /**
   * n = nearest(y·log2e) as a float and as an integer (`ni`), and the reduced r = y − n·ln2 (two
   * steps), for exp and expm1 (callers clamp |y| ≤ 104). Rounding by adding and subtracting
   * 1.5·2²³ is round-to-nearest-even like `f32x4.nearest` for |y·log2e| < 2²², and leaves n
   * in the low bits of the sum: one integer subtraction instead of `i32x4.trunc_sat_f32x4_s`,
   * which x64 engines expand to half a dozen instructions.
   */
  private reduce(y: number, n: number, r: number, ni: number): void {
    const f = this.f;
    f.get(y).f32x4c(LOG2E).simd("f32x4.mul").f32x4c(ROUNDER).simd("f32x4.add").set(n);
    f.get(n).i32x4c(ROUNDER_BITS).simd("i32x4.sub").set(ni);
    f.get(n).f32x4c(ROUNDER).simd("f32x4.sub").set(n);
    f.get(y).get(n).f32x4c(LN2_HI).simd("f32x4.mul").simd("f32x4.sub");
    f.get(n).f32x4c(LN2_LO).simd("f32x4.mul").simd("f32x4.sub").set(r);
  }

  /** Pushes 2^(integer lanes of v128 local ni) as floats: ((ni + 127) << 23). */
  private pow2(ni: number): void {
    this.f.get(ni).i32x4c(127).simd("i32x4.add").i32c(23).simd("i32x4.shl");
  }

  /**
   * `x` clamped to [lo, hi] with the pseudo-min/max (`b < a ? b : a`): one instruction each on
   * x64, where `f32x4.min`/`max` take about eight for their NaN and signed-zero rules. NaN
   * stays NaN (a comparison with NaN is false) and −0 stays −0, as with min/max.
   */
  private clamp(x: number, lo: number, hi: number): void {
    this.f.get(x).f32x4c(hi).simd("f32x4.pmin").f32x4c(lo).simd("f32x4.pmax");
  }

  exp(x: number, out: number): void {
    const f = this.f;
    const [y, n, r, p, ni, n1] = ["exp.y", "exp.n", "exp.r", "exp.p", "exp.ni", "exp.n1"].map((s) => this.t(s)) as [number, number, number, number, number, number];
    this.clamp(x, -104, 89);
    f.set(y);
    this.reduce(y, n, r, ni);
    // eʳ = 1 + (r + r²·P(r)): the tail first, so the sum with 1 rounds once.
    this.squareOf(r, this.polynomial(r, INV_FACT, p));
    f.get(p).simd("f32x4.mul").get(r).simd("f32x4.add").f32x4c(1).simd("f32x4.add").set(p);
    f.get(ni).i32c(1).simd("i32x4.shr_s").set(n1);
    f.get(ni).get(n1).simd("i32x4.sub").set(ni);
    f.get(p);
    this.pow2(n1);
    f.simd("f32x4.mul");
    this.pow2(ni);
    f.simd("f32x4.mul").set(out);
  }

  /** eˣ − 1 over the whole range: the reduced form below 20 (clamped at −25, where it is −1), exp above. */
  expm1(x: number, out: number): void {
    const f = this.f;
    const [y, big] = [this.t("em1.y"), this.t("em1.big")];
    f.get(x).f32x4c(20).simd("f32x4.gt").set(big);
    this.exp(x, y);
    f.get(y).set(this.t("em1.e"));
    this.clamp(x, -25, 20);
    f.set(y);
    this.expm1Small(y, y);
    f.get(this.t("em1.e")).get(y).get(big).simd("v128.bitselect").set(out);
  }

  /** eˣ − 1 for x ∈ [−25, 20] (callers clamp). */
  private expm1Small(x: number, out: number): void {
    const f = this.f;
    const [n, r, q, s] = ["em.n", "em.r", "em.q", "em.s"].map((k) => this.t(k)) as [number, number, number, number];
    this.reduce(x, n, r, s);
    this.squareOf(r, this.polynomial(r, INV_FACT, q));
    f.get(q).simd("f32x4.mul").get(r).simd("f32x4.add").set(q); // expm1(r)
    this.pow2(s);
    f.set(s); // 2ⁿ
    f.get(s).get(q).simd("f32x4.mul").get(s).f32x4c(1).simd("f32x4.sub").simd("f32x4.add").set(out);
  }

  tanh(x: number, out: number): void {
    const f = this.f;
    const [ax, e] = [this.t("tanh.ax"), this.t("tanh.e")];
    f.get(x).set(ax); // keep x's sign bit in ax's copy until the end
    f.get(ax).simd("f32x4.abs").f32x4c(10).simd("f32x4.pmin").set(e);
    f.get(e).get(e).simd("f32x4.add").set(e); // 2·min(|x|, 10), exact
    this.expm1Small(e, e);
    f.get(e).get(e).f32x4c(2).simd("f32x4.add").simd("f32x4.div").set(e);
    // sign bit from x, the rest from |tanh|
    f.get(ax).get(e).i32x4c(-0x80000000).simd("v128.bitselect").set(out);
  }

  sigmoid(x: number, out: number): void {
    const f = this.f;
    const [z, pos] = [this.t("sig.z"), this.t("sig.pos")];
    f.get(x).f32x4c(0).simd("f32x4.ge").set(pos);
    f.get(x).simd("f32x4.abs").simd("f32x4.neg").set(z);
    this.exp(z, z);
    f.f32x4c(1).get(z).get(pos).simd("v128.bitselect"); // numerator: 1 where x ≥ 0, else z
    f.get(z).f32x4c(1).simd("f32x4.add").simd("f32x4.div").set(out);
  }

  log(x: number, out: number): void {
    const f = this.f;
    const [v, e, m, s, z, hf, R] = ["log.v", "log.e", "log.m", "log.s", "log.z", "log.hf", "log.R"].map((k) => this.t(k)) as [number, number, number, number, number, number, number];
    // Subnormals: scale by 2²³ and remember −23 in the exponent.
    f.get(x).f32x4c(1.1754943508222875e-38).simd("f32x4.lt").set(s);
    f.get(x).f32x4c(8388608).simd("f32x4.mul").get(x).get(s).simd("v128.bitselect").set(v);
    f.i32x4c(-23).i32x4c(0).get(s).simd("v128.bitselect").set(e);
    // ix = bits + (1.0 − √½ bits): the exponent of ix is e + (m ≥ √2)
    f.get(v).i32x4c(0x3f800000 - 0x3f3504f3).simd("i32x4.add").set(m);
    f.get(m).i32c(23).simd("i32x4.shr_s").i32x4c(127).simd("i32x4.sub").get(e).simd("i32x4.add").simd("f32x4.convert_i32x4_s").set(e);
    f.get(m).i32x4c(0x007fffff).simd("v128.and").i32x4c(0x3f3504f3).simd("i32x4.add").f32x4c(1).simd("f32x4.sub").set(m); // f = m − 1
    f.get(m).get(m).f32x4c(2).simd("f32x4.add").simd("f32x4.div").set(s);
    f.get(s).get(s).simd("f32x4.mul").set(z);
    f.get(z).set(R);
    this.polynomial(z, LG, R);
    f.get(R).get(z).simd("f32x4.mul").set(R);
    f.f32x4c(0.5).get(m).simd("f32x4.mul").get(m).simd("f32x4.mul").set(hf);
    // e·ln2_hi − ((hf − (s·(hf + R) + e·ln2_lo)) − f)
    f.get(e).f32x4c(LOG_LN2_HI).simd("f32x4.mul");
    f.get(hf);
    f.get(s).get(hf).get(R).simd("f32x4.add").simd("f32x4.mul").get(e).f32x4c(LOG_LN2_LO).simd("f32x4.mul").simd("f32x4.add");
    f.simd("f32x4.sub").get(m).simd("f32x4.sub").simd("f32x4.sub").set(R);
    // Special values: 0 → −Inf, negative → NaN, +Inf and NaN → themselves.
    f.f32x4c(-Infinity).get(R).get(x).f32x4c(0).simd("f32x4.eq").simd("v128.bitselect").set(R);
    f.f32x4c(NaN).get(R).get(x).f32x4c(0).simd("f32x4.lt").simd("v128.bitselect").set(R);
    f.get(x).get(R).get(x).f32x4c(Infinity).simd("f32x4.eq").get(x).get(x).simd("f32x4.ne").simd("v128.or").simd("v128.bitselect").set(out);
  }

  log1p(x: number, out: number): void {
    const f = this.f;
    const [u, l, c] = [this.t("l1p.u"), this.t("l1p.l"), this.t("l1p.c")];
    f.get(x).f32x4c(1).simd("f32x4.add").set(u);
    this.log(u, l);
    // c = ((u − 1) − x)/u, the first-order effect of rounding u (where u = 1, c = −x: log1p(x) = x).
    f.get(u).f32x4c(1).simd("f32x4.sub").get(x).simd("f32x4.sub").get(u).simd("f32x4.div").set(c);
    // Where c is not finite (u = 0 or ±Inf, NaN), log's special value stands.
    f.get(l).get(c).simd("f32x4.sub").get(l).get(c).simd("f32x4.abs").f32x4c(Infinity).simd("f32x4.lt").simd("v128.bitselect").set(out);
  }
}
