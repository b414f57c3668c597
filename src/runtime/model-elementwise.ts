// The elementwise functions and poolings over time of a model's sequences, forward and
// vector–Jacobian product, as plain loops over time-major rows (row t·B + b of a per-step value,
// row b of a per-sequence one). The model driver (model.ts) calls them from its op table. Every
// result is zero on the rows an example does not have (steps past its length; every row of an
// example of length 0), and those rows pass no gradient back: the semantics of docs/language.md.
import { sigmoid, softplus } from "./math.js";

type FloatArr = Float32Array | Float64Array;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** The elementwise functions of two operands: `SeqBinaryFn` of src/core/seq-ops.ts. */
export type BinaryFnData = "add" | "sub" | "mul" | "div" | "maximum" | "minimum";
/** The elementwise functions of one operand: `SeqUnaryFn` of src/core/seq-ops.ts. */
export type UnaryFnData = "neg" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "elu" | "softplus" | "softsign" | "hard_sigmoid" | "exp" | "log" | "sqrt" | "abs" | "clamp" | "pow";
export interface UnaryAttrsData {
  readonly alpha?: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly exponent?: number;
}

/** A value as the kernels see it: its numbers, its width and whether it is one row per example. */
export interface Operand {
  readonly v: ArrayLike<number>;
  readonly w: number;
  readonly once: boolean;
}

/** The shape of a result and the lengths that say which of its rows exist. */
export interface Frame {
  readonly B: number;
  readonly T: number;
  readonly W: number;
  readonly once: boolean;
  readonly len: (b: number) => number;
  readonly F: FloatCtor;
}

/** True for the rows of a value that an example has: a step below its length, or (per sequence) a length above 0. */
function rowExists(fr: Frame, r: number): boolean {
  return fr.once ? fr.len(r) > 0 : Math.floor(r / fr.B) < fr.len(r % fr.B);
}

/** The offset of operand `o`'s element read by row r, feature j of the result (broadcasting per-sequence values and numbers). */
function at(o: Operand, fr: Frame, r: number, j: number): number {
  return (o.once && !fr.once ? r % fr.B : r) * o.w + (o.w === fr.W ? j : 0);
}

/** f and its partial derivatives ∂f/∂x, ∂f/∂y at (x, y), with z = f(x, y). Ties as PyTorch's maximum/minimum: halves. */
const BINARY: { readonly [K in BinaryFnData]: { f(x: number, y: number): number; d(x: number, y: number, z: number): readonly [number, number] } } = {
  add: { f: (x, y) => x + y, d: () => [1, 1] },
  sub: { f: (x, y) => x - y, d: () => [1, -1] },
  mul: { f: (x, y) => x * y, d: (x, y) => [y, x] },
  div: { f: (x, y) => x / y, d: (_x, y, z) => [1 / y, -z / y] },
  maximum: { f: (x, y) => (x >= y ? x : y), d: (x, y) => (x > y ? [1, 0] : x < y ? [0, 1] : [0.5, 0.5]) },
  minimum: { f: (x, y) => (x <= y ? x : y), d: (x, y) => (x < y ? [1, 0] : x > y ? [0, 1] : [0.5, 0.5]) },
};

/** f and f′ at x (y = f(x)), with the cell's conventions (src/autodiff/rules.ts): PyTorch's at kinks and bounds. */
const UNARY: { readonly [K in UnaryFnData]: { f(x: number, a: UnaryAttrsData): number; d(x: number, y: number, a: UnaryAttrsData): number } } = {
  neg: { f: (x) => -x, d: () => -1 },
  sigmoid: { f: (x) => sigmoid(x), d: (_x, y) => y * (1 - y) },
  tanh: { f: (x) => Math.tanh(x), d: (_x, y) => 1 - y * y },
  relu: { f: (x) => (x > 0 ? x : 0), d: (x) => (x > 0 ? 1 : 0) },
  leaky_relu: { f: (x, a) => (x > 0 ? x : (a.alpha ?? 0.01) * x), d: (x, _y, a) => (x > 0 ? 1 : (a.alpha ?? 0.01)) },
  elu: { f: (x, a) => (x > 0 ? x : (a.alpha ?? 1) * (Math.exp(x) - 1)), d: (x, y, a) => (x > 0 ? 1 : y + (a.alpha ?? 1)) },
  softplus: { f: (x) => softplus(x), d: (x) => sigmoid(x) },
  softsign: { f: (x) => x / (1 + Math.abs(x)), d: (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x))) },
  hard_sigmoid: { f: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5), d: (x) => (x > -3 && x < 3 ? 1 / 6 : 0) },
  exp: { f: (x) => Math.exp(x), d: (_x, y) => y },
  log: { f: (x) => Math.log(x), d: (x) => 1 / x },
  sqrt: { f: (x) => Math.sqrt(x), d: (_x, y) => 1 / (2 * y) },
  // abs′ = sign(x): 0 at 0, as PyTorch.
  abs: { f: (x) => Math.abs(x), d: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  // Slope 1 on the closed interval [lo, hi], bounds included (PyTorch's clamp).
  clamp: { f: (x, a) => Math.min(Math.max(x, a.lo!), a.hi!), d: (x, _y, a) => (x >= a.lo! && x <= a.hi! ? 1 : 0) },
  // k·x^(k−1); exactly 0 for k = 0, even at x = 0.
  pow: { f: (x, a) => Math.pow(x, a.exponent!), d: (x, _y, a) => (a.exponent === 0 ? 0 : a.exponent === 1 ? 1 : a.exponent! * Math.pow(x, a.exponent! - 1)) },
};

const rowsOf = (fr: Frame) => (fr.once ? fr.B : fr.T * fr.B);

export function binaryForward(fn: BinaryFnData, a: Operand, b: Operand, fr: Frame): FloatArr {
  const { f } = BINARY[fn];
  const out = new fr.F(rowsOf(fr) * fr.W);
  for (let r = 0; r < rowsOf(fr); r++) {
    if (!rowExists(fr, r)) continue;
    for (let j = 0; j < fr.W; j++) out[r * fr.W + j] = f(a.v[at(a, fr, r, j)]!, b.v[at(b, fr, r, j)]!);
  }
  return out;
}

/** Adds g ⊙ ∂f/∂a into ga and g ⊙ ∂f/∂b into gb, summed over what each operand was broadcast to. */
export function binaryBackward(fn: BinaryFnData, a: Operand, b: Operand, z: ArrayLike<number>, g: ArrayLike<number>, ga: FloatArr, gb: FloatArr, fr: Frame): void {
  const { d } = BINARY[fn];
  for (let r = 0; r < rowsOf(fr); r++) {
    if (!rowExists(fr, r)) continue;
    for (let j = 0; j < fr.W; j++) {
      const k = r * fr.W + j;
      if (g[k] === 0) continue;
      const [ia, ib] = [at(a, fr, r, j), at(b, fr, r, j)];
      const [da, db] = d(a.v[ia]!, b.v[ib]!, z[k]!);
      ga[ia]! += g[k]! * da;
      gb[ib]! += g[k]! * db;
    }
  }
}

export function unaryForward(fn: UnaryFnData, attrs: UnaryAttrsData, x: ArrayLike<number>, fr: Frame): FloatArr {
  const { f } = UNARY[fn];
  const out = new fr.F(rowsOf(fr) * fr.W);
  for (let r = 0; r < rowsOf(fr); r++) {
    if (!rowExists(fr, r)) continue;
    for (let k = r * fr.W; k < (r + 1) * fr.W; k++) out[k] = f(x[k]!, attrs);
  }
  return out;
}

export function unaryBackward(fn: UnaryFnData, attrs: UnaryAttrsData, x: ArrayLike<number>, y: ArrayLike<number>, g: ArrayLike<number>, gx: FloatArr, fr: Frame): void {
  const { d } = UNARY[fn];
  for (let r = 0; r < rowsOf(fr); r++) {
    if (!rowExists(fr, r)) continue;
    for (let k = r * fr.W; k < (r + 1) * fr.W; k++) if (g[k] !== 0) gx[k]! += g[k]! * d(x[k]!, y[k]!, attrs);
  }
}

/** Per example: the mean of its valid steps (`mean`) or the featurewise maximum, first index on ties (`max`); 0 at length 0. */
export function poolForward(kind: "mean" | "max", s: ArrayLike<number>, fr: Frame): FloatArr {
  const { B, W, len } = fr;
  const out = new fr.F(B * W);
  for (let b = 0; b < B; b++) {
    const L = len(b);
    if (L === 0) continue;
    for (let j = 0; j < W; j++) {
      let acc = kind === "mean" ? 0 : -Infinity;
      for (let t = 0; t < L; t++) {
        const v = s[(t * B + b) * W + j]!;
        acc = kind === "mean" ? acc + v : v > acc ? v : acc;
      }
      out[b * W + j] = kind === "mean" ? acc / L : acc;
    }
  }
  return out;
}

/** The VJP of a pooling: g/L to every valid step (mean), all of g to the first step holding the maximum (max). */
export function poolBackward(kind: "mean" | "max", s: ArrayLike<number>, g: ArrayLike<number>, gs: FloatArr, fr: Frame): void {
  const { B, W, len } = fr;
  for (let b = 0; b < B; b++) {
    const L = len(b);
    for (let j = 0; j < W && L > 0; j++) {
      const gj = g[b * W + j]!;
      if (kind === "mean") {
        for (let t = 0; t < L; t++) gs[(t * B + b) * W + j]! += gj / L;
        continue;
      }
      let best = 0;
      for (let t = 1; t < L; t++) if (s[(t * B + b) * W + j]! > s[(best * B + b) * W + j]!) best = t;
      gs[(best * B + b) * W + j]! += gj;
    }
  }
}
