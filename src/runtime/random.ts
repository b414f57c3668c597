/**
 * Deterministic parameter initialization, shared by the compiler and by every generated module.
 *
 * This file is a *runtime* file: the TypeScript emitter embeds its text into generated modules, so
 * it imports nothing and uses only what every JavaScript engine has.
 *
 * Generator: **xoshiro128\*\* 1.1** (David Blackman and Sebastiano Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; reference C code at
 * https://prng.di.unimi.it/xoshiro128starstar.c). Its 128-bit state is filled from two outputs of
 * **splitmix64** (https://prng.di.unimi.it/splitmix64.c), which is how the authors recommend
 * seeding xoshiro: output 1 gives s[0] (low 32 bits) and s[1] (high 32 bits), output 2 gives
 * s[2] and s[3]. The state update uses only 32-bit integer operations (`Math.imul`, shifts, xor)
 * and the seeding uses BigInt, so the integer stream is bit-identical in every engine.
 *
 * Uniform doubles take 53 bits from two outputs (27 high bits of the first, 26 of the second, as
 * in MT19937's `genrand_res53`) and are multiples of 2^-53 in [0, 1).
 *
 * Normal draws use Box–Muller. ECMAScript lets `Math.log`, `Math.sin` and `Math.cos` differ
 * between engines in the last bits, so this file computes them itself from + − × ÷ only (which
 * IEEE 754 makes correctly rounded everywhere). `Math.sqrt` is the one library call left: the
 * ECMAScript text allows it to be approximate, but IEEE 754 requires a correctly rounded square
 * root and the engines we know (V8, SpiderMonkey, JavaScriptCore) use the hardware instruction.
 */

/** The xoshiro128** state plus the second Box–Muller value waiting to be used. */
export interface Rng {
  s0: number;
  s1: number;
  s2: number;
  s3: number;
  /** Box–Muller makes normals in pairs; the second one of a pair is kept here. */
  spareNormal: number | undefined;
}

/** A constant expression over dimension names (an initializer's argument), as data. */
export type InitConstExpr =
  | { readonly kind: "num"; readonly value: number }
  | { readonly kind: "dim"; readonly name: string }
  | {
      readonly kind: "bin";
      readonly op: "+" | "-" | "*" | "/";
      readonly left: InitConstExpr;
      readonly right: InitConstExpr;
    }
  | { readonly kind: "neg"; readonly operand: InitConstExpr }
  | { readonly kind: "sqrt"; readonly operand: InitConstExpr };

/** A param initializer, as data: the checker produces it, the IR carries it, this runtime evaluates it. */
export type InitSpecData =
  | { readonly kind: "uniform"; readonly low: InitConstExpr; readonly high: InitConstExpr }
  | { readonly kind: "normal"; readonly mean: InitConstExpr; readonly std: InitConstExpr }
  | { readonly kind: "glorot" }
  | { readonly kind: "const"; readonly value: InitConstExpr };

/** One param to initialize: its name, its evaluated shape and its initializer. */
export interface InitParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: InitSpecData;
}

const RNG_MASK64 = (BigInt("1") << BigInt("64")) - BigInt("1");

/** splitmix64 step: returns the new counter and the output (both unsigned 64-bit). */
function rngSplitmix64(counter: bigint): [bigint, bigint] {
  const next = (counter + BigInt("0x9e3779b97f4a7c15")) & RNG_MASK64;
  let z = next;
  z = ((z ^ (z >> BigInt("30"))) * BigInt("0xbf58476d1ce4e5b9")) & RNG_MASK64;
  z = ((z ^ (z >> BigInt("27"))) * BigInt("0x94d049bb133111eb")) & RNG_MASK64;
  return [next, z ^ (z >> BigInt("31"))];
}

/**
 * A generator seeded with `seed`, which must be a safe integer (negative seeds are taken modulo
 * 2^64, as C's `(uint64_t)seed` would).
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`seed must be an integer between -(2^53 - 1) and 2^53 - 1, found ${String(seed)}`);
  }
  const [counter, a] = rngSplitmix64(BigInt.asUintN(64, BigInt(seed)));
  const [, b] = rngSplitmix64(counter);
  return {
    s0: Number(a & BigInt("0xffffffff")),
    s1: Number(a >> BigInt("32")),
    s2: Number(b & BigInt("0xffffffff")),
    s3: Number(b >> BigInt("32")),
    spareNormal: undefined,
  };
}

function rngRotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * The seed of layer `k`'s own stream in a model: the model's seed and the layer's index mixed (a
 * layer's values do not depend on which layers come before it, beyond their count).
 */
export function layerSeed(seed: number, k: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) + k * 0x85ebca6b) >>> 0;
}

/**
 * The seed of stream `k` of `seed` (k = 0, 1, …): the k-th 53-bit draw of the generator seeded
 * with `seed`, so every bit of the seed counts and stream k does not depend on how many streams
 * follow it. A model in training gives stream k to its layer k's dropout and the streams after
 * its layers to its own `dropout(…)` nodes.
 */
export function streamSeed(seed: number, k: number): number {
  const rng = createRng(seed);
  for (let i = 0; i < k; i++) {
    nextUint32(rng);
    nextUint32(rng);
  }
  // 32 high bits, then 21: a safe integer in [0, 2^53).
  return nextUint32(rng) * 2097152 + (nextUint32(rng) >>> 11);
}

/** The next 32-bit output of xoshiro128**, as an unsigned integer in [0, 2^32). */
export function nextUint32(rng: Rng): number {
  const result = Math.imul(rngRotl(Math.imul(rng.s1, 5), 7), 9) >>> 0;
  const t = rng.s1 << 9;
  rng.s2 ^= rng.s0;
  rng.s3 ^= rng.s1;
  rng.s1 ^= rng.s2;
  rng.s0 ^= rng.s3;
  rng.s2 ^= t;
  rng.s3 = rngRotl(rng.s3, 11);
  // Keep the state as unsigned numbers so it prints and compares the same as the C reference.
  rng.s0 >>>= 0;
  rng.s1 >>>= 0;
  rng.s2 >>>= 0;
  rng.s3 >>>= 0;
  return result;
}

/** A uniform double in [0, 1) with 53 random bits (a multiple of 2^-53); uses two outputs. */
export function nextFloat64(rng: Rng): number {
  const a = nextUint32(rng) >>> 5; // 27 bits
  const b = nextUint32(rng) >>> 6; // 26 bits
  return (a * 67108864 + b) / 9007199254740992;
}

const RNG_LN2_HI = 6.93147180369123816490e-1; // ln 2 rounded to 32 significant bits: k·LN2_HI is exact
const RNG_LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const RNG_SCRATCH = new DataView(new ArrayBuffer(8));

/**
 * Natural logarithm of a positive finite number from + − × ÷ only (agrees with `Math.log` to
 * 1e-15 relative in the tests): x = m·2^e with m in [√½, √2), then ln m = 2·atanh(s),
 * s = (m−1)/(m+1), |s| < 0.172.
 */
export function deterministicLog(x: number): number {
  if (!(x > 0) || x === Infinity) throw new Error(`deterministicLog needs a positive finite number, found ${x}`);
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54 lifts subnormals into the normal range (exact)
    e = -54;
  }
  RNG_SCRATCH.setFloat64(0, x, true);
  const high = RNG_SCRATCH.getUint32(4, true);
  e += ((high >>> 20) & 0x7ff) - 1023;
  RNG_SCRATCH.setUint32(4, (high & 0x000fffff) | 0x3ff00000, true); // exponent 0: m in [1, 2)
  let m = RNG_SCRATCH.getFloat64(0, true);
  if (m > Math.SQRT2) {
    m /= 2;
    e += 1;
  }
  const f = m - 1; // exact (Sterbenz)
  const s = f / (2 + f);
  const s2 = s * s;
  // 2·atanh(s) = 2s·Σ s^(2k)/(2k+1); with s² < 0.0295 the terms below 2^-53 start after k = 11.
  let sum = 1 / 25;
  for (let k = 11; k >= 1; k--) sum = 1 / (2 * k + 1) + s2 * sum;
  const lnM = 2 * s + 2 * s * s2 * sum;
  return e * RNG_LN2_HI + (lnM + e * RNG_LN2_LO);
}

/** sin and cos of a in [0, π/4] by nested Taylor series (terms past a^18/18! are below 2^-55). */
function rngSinCosSmall(a: number): [number, number] {
  const a2 = a * a;
  let sin = 1;
  for (let k = 16; k >= 2; k -= 2) sin = 1 - (a2 / (k * (k + 1))) * sin;
  let cos = 1;
  for (let k = 18; k >= 2; k -= 2) cos = 1 - (a2 / (k * (k - 1))) * cos;
  return [a * sin, cos];
}

/**
 * [sin(2πu), cos(2πu)] for u in [0, 1), from + − × ÷ only, within a few ulp. The quadrant comes
 * from u exactly (4u and its fractional part are exact), so no argument reduction error builds up.
 */
export function deterministicSinCos2Pi(u: number): [number, number] {
  if (!(u >= 0 && u < 1)) throw new Error(`deterministicSinCos2Pi needs u in [0, 1), found ${u}`);
  const v = 4 * u;
  const quadrant = Math.floor(v);
  const r = v - quadrant; // fraction of a quarter turn, exact
  const halfPi = Math.PI / 2;
  let s: number;
  let c: number;
  if (r <= 0.5) [s, c] = rngSinCosSmall(r * halfPi);
  else [c, s] = rngSinCosSmall((1 - r) * halfPi); // sin θ = cos(π/2 − θ); 1 − r is exact
  switch (quadrant) {
    case 0:
      return [s, c];
    case 1:
      return [c, -s];
    case 2:
      return [-s, -c];
    default:
      return [-c, s];
  }
}

/**
 * A standard normal draw by Box–Muller: u1 = 1 − nextFloat64 (in (0, 1], so the log is finite),
 * u2 = nextFloat64, z0 = √(−2 ln u1)·cos 2πu2 is returned now and z1 = √(−2 ln u1)·sin 2πu2 on
 * the next call. Draws are consumed strictly in that order, so the stream is reproducible; the
 * waiting value is part of the generator, so it carries over to the next param of `initParams`.
 */
export function nextNormal(rng: Rng): number {
  if (rng.spareNormal !== undefined) {
    const z = rng.spareNormal;
    rng.spareNormal = undefined;
    return z;
  }
  const u1 = 1 - nextFloat64(rng);
  const u2 = nextFloat64(rng);
  const radius = Math.sqrt(-2 * deterministicLog(u1));
  const [sin, cos] = deterministicSinCos2Pi(u2);
  rng.spareNormal = radius * sin;
  return radius * cos;
}

/** Readable text of a constant expression, e.g. `-1 / sqrt(H)`, for error messages. */
export function constExprToString(expr: InitConstExpr): string {
  const precedence = (e: InitConstExpr): number =>
    e.kind === "bin" ? (e.op === "+" || e.op === "-" ? 1 : 2) : e.kind === "neg" ? 3 : 4;
  const wrap = (e: InitConstExpr, min: number): string => {
    const text = constExprToString(e);
    return precedence(e) < min ? `(${text})` : text;
  };
  switch (expr.kind) {
    case "num":
      return String(expr.value);
    case "dim":
      return expr.name;
    case "neg":
      return `-${wrap(expr.operand, 3)}`;
    case "sqrt":
      return `sqrt(${constExprToString(expr.operand)})`;
    case "bin": {
      const p = precedence(expr);
      // `a - (b - c)` and `a / (b * c)` need the parentheses on the right.
      return `${wrap(expr.left, p)} ${expr.op} ${wrap(expr.right, p + 1)}`;
    }
  }
}

/** Evaluates a constant expression with the given dimension values (IEEE double arithmetic). */
export function evaluateConstExpr(expr: InitConstExpr, dims: Readonly<Record<string, number>>): number {
  switch (expr.kind) {
    case "num":
      return expr.value;
    case "dim": {
      const value = Object.prototype.hasOwnProperty.call(dims, expr.name) ? dims[expr.name] : undefined;
      if (typeof value !== "number") {
        const known = Object.keys(dims).sort().join(", ");
        throw new Error(`dimension ${expr.name} has no value (known dimensions: ${known === "" ? "none" : known})`);
      }
      return value;
    }
    case "neg":
      return -evaluateConstExpr(expr.operand, dims);
    case "sqrt":
      return Math.sqrt(evaluateConstExpr(expr.operand, dims));
    case "bin": {
      const l = evaluateConstExpr(expr.left, dims);
      const r = evaluateConstExpr(expr.right, dims);
      switch (expr.op) {
        case "+":
          return l + r;
        case "-":
          return l - r;
        case "*":
          return l * r;
        case "/":
          return l / r;
      }
    }
  }
}

/** Names of the dimensions an expression uses, sorted, each once. */
function rngDimsOf(expr: InitConstExpr, out: Set<string> = new Set()): Set<string> {
  if (expr.kind === "dim") out.add(expr.name);
  else if (expr.kind === "bin") {
    rngDimsOf(expr.left, out);
    rngDimsOf(expr.right, out);
  } else if (expr.kind === "neg" || expr.kind === "sqrt") rngDimsOf(expr.operand, out);
  return out;
}

/** Evaluates `expr` and insists on a finite result, naming the argument and the dimension values. */
function rngFiniteArg(
  what: string,
  expr: InitConstExpr,
  dims: Readonly<Record<string, number>>,
): number {
  const value = evaluateConstExpr(expr, dims);
  if (!Number.isFinite(value)) {
    const used = Array.from(rngDimsOf(expr)).sort().map((n) => `${n} = ${String(dims[n])}`);
    const where = used.length === 0 ? "" : ` with ${used.join(", ")}`;
    throw new Error(`${what} = ${constExprToString(expr)} evaluates to ${value}${where}; it must be a finite number`);
  }
  return value;
}

/**
 * Fan-in and fan-out for Glorot: a matrix [rows, cols] has fan_out = rows, fan_in = cols (the
 * `W @ x` convention, as PyTorch's weight [out, in]); a vector [n] uses fan_in = fan_out = n; a
 * scalar uses 1 and 1; rank ≥ 3 multiplies both by the product of the trailing dimensions (PyTorch's
 * receptive-field rule).
 */
export function glorotFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** Glorot/Xavier uniform limit √(6 / (fan_in + fan_out)); values are drawn from uniform(−limit, limit). */
export function glorotLimit(shape: readonly number[]): number {
  const { fanIn, fanOut } = glorotFans(shape);
  return Math.sqrt(6 / (fanIn + fanOut));
}

function rngCheckShape(shape: readonly number[]): number {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new Error(`shape [${shape.join(", ")}] must hold non-negative integers, found ${String(d)}`);
    }
    count *= d;
  }
  if (!Number.isSafeInteger(count)) throw new Error(`shape [${shape.join(", ")}] has too many elements`);
  return count;
}

/**
 * Draws one param's values (row-major, as float64) from `rng`. Uniform and Glorot use
 * low + (high − low)·u per element, so values lie in [low, high]; normal uses mean + std·z.
 * Throws an Error for a non-finite argument, `low > high` or a negative standard deviation.
 */
export function initParam(
  spec: InitSpecData,
  shape: readonly number[],
  dims: Readonly<Record<string, number>>,
  rng: Rng,
): Float64Array {
  const out = new Float64Array(rngCheckShape(shape));
  switch (spec.kind) {
    case "const": {
      out.fill(rngFiniteArg("const value", spec.value, dims));
      return out;
    }
    case "normal": {
      const mean = rngFiniteArg("normal(mean, std): mean", spec.mean, dims);
      const std = rngFiniteArg("normal(mean, std): std", spec.std, dims);
      if (std < 0) {
        throw new Error(`normal(mean, std): std = ${constExprToString(spec.std)} evaluates to ${std}; it must be ≥ 0`);
      }
      for (let i = 0; i < out.length; i++) out[i] = mean + std * nextNormal(rng);
      return out;
    }
    case "uniform":
    case "glorot": {
      let low: number;
      let high: number;
      if (spec.kind === "uniform") {
        low = rngFiniteArg("uniform(low, high): low", spec.low, dims);
        high = rngFiniteArg("uniform(low, high): high", spec.high, dims);
        if (low > high) {
          throw new Error(
            `uniform(low, high) needs low ≤ high, found low = ${constExprToString(spec.low)} = ${low} and high = ${constExprToString(spec.high)} = ${high}`,
          );
        }
      } else {
        if (out.length === 0) return out; // nothing to draw, and the fans may be 0
        high = glorotLimit(shape);
        low = -high;
      }
      const width = high - low;
      for (let i = 0; i < out.length; i++) out[i] = low + width * nextFloat64(rng);
      return out;
    }
  }
}

/**
 * Initializes every param, in the order given, from one generator seeded with `seed`: the result
 * is a pure function of (params, dims, seed, dtype). Float32 values are the float64 draws rounded
 * to nearest. Errors name the param, e.g. `param "W": normal(mean, std): std = …`.
 */
export function initParams(
  params: ReadonlyArray<InitParamSpec>,
  dims: Readonly<Record<string, number>>,
  seed: number,
  dtype: "float32" | "float64",
): Record<string, Float32Array | Float64Array> {
  const rng = createRng(seed);
  const out: Record<string, Float32Array | Float64Array> = {};
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.name)) throw new Error(`param "${p.name}" is listed twice`);
    seen.add(p.name);
    let values: Float64Array;
    try {
      values = initParam(p.init, p.shape, dims, rng);
    } catch (e) {
      throw new Error(`param "${p.name}": ${e instanceof Error ? e.message : String(e)}`);
    }
    // defineProperty, so that a param called `__proto__` is an ordinary key.
    Object.defineProperty(out, p.name, {
      value: dtype === "float32" ? Float32Array.from(values) : values,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Fills variational-dropout masks: `masks[k]` is site k's [B, size] mask and `ps[k]` its drop
 * probability. The draws come from one generator seeded with `seed`, site by site, then row by
 * row, element by element: an element whose uniform draw is below p is dropped (0), any other is
 * kept and scaled by 1 / (1 − p) (inverted dropout), so a mask's expected value is 1.
 */
export function fillDropoutMasks(seed: number, masks: readonly (Float32Array | Float64Array)[], ps: readonly number[]): void {
  const rng = createRng(seed);
  masks.forEach((mask, k) => {
    const p = ps[k]!;
    const keep = 1 / (1 - p);
    for (let i = 0; i < mask.length; i++) mask[i] = nextFloat64(rng) < p ? 0 : keep;
  });
}
