/**
 * Central finite differences in float64, the reference that needs nothing but the forward
 * pass: d loss / dθ_i ≈ (L(θ + h e_i) − L(θ − h e_i)) / (2h).
 *
 * ERROR MODEL. With h = ε·max(1, |θ_i|):
 *   - truncation: the central quotient is f' + h²/6·f''' + O(h⁴); with ε = 1e-5 that is
 *     ≈ 1.7e-11·|f'''| for O(1) parameters — negligible for smooth cells;
 *   - rounding: each loss evaluation carries an absolute error of about u·C, where
 *     u = 1.1e-16 and C is the sum of the magnitudes of the terms the loss adds up (≈ T·B·H
 *     for our loss of seeded outputs); the quotient amplifies it to ≈ u·C/h ≈ 1.1e-11·C.
 *   Balancing the two, ε ≈ (3u·C/|f'''|)^(1/3) ≈ 1e-5 for C between 1 and 1000, which is
 *   why ε = 1e-5 (1e-6 would give rounding ten times larger and buy nothing). The
 *   expected error is then well below 1e-8 absolute for C ≤ 1000, so `FD_TOLERANCE`
 *   (rel ≤ 1e-5 above a floor of 1e-2, i.e. ≤ 1e-7 absolute for small gradients) leaves a
 *   wide margin against noise while any real mistake in a gradient (typically wrong by
 *   10% or more) fails by orders of magnitude. A kink (relu, abs, max) within h of θ_i
 *   breaks the model; with random data in [-1, 1] it has probability ~1e-5 per kink.
 *
 * Small tensors are checked element by element; a tensor with more than `fullCheckLimit`
 * elements is checked on a seeded random sample of `samples` elements plus `projections`
 * directional derivatives along random ±1 directions v: (L(θ + h v) − L(θ − h v)) / 2h
 * against ⟨∇L, v⟩, which tests every element of the gradient at once (in aggregate).
 */
import { compareArrays, type Comparison, type Tolerance } from "./compare.js";
import { SeededRandom } from "../core/random.js";
import { named, tensorId, type TensorId } from "./tensor-id.js";

/** Finite-difference step relative to max(1, |θ|); see the error model above. */
export const FD_EPSILON = 1e-5;

/** Pass criterion for analytic-vs-finite-difference gradients in float64; see above. */
export const FD_TOLERANCE: Tolerance = { rel: 1e-5, floor: 1e-2 };

/** One tensor to check: its current values (perturbed in place, then restored exactly). */
export interface FdTensor {
  readonly name: string;
  /** What the tensor is, when a gradcheck asks (the report reads the role, not the name). */
  readonly id?: TensorId;
  readonly shape: readonly number[];
  readonly value: Float64Array;
  /** The gradient under test. */
  readonly analytic: ArrayLike<number>;
}

export interface FdOptions {
  /** Relative step; default `FD_EPSILON`. */
  readonly epsilon?: number;
  /** Tensors up to this many elements are checked in full; default 256. */
  readonly fullCheckLimit?: number;
  /** Elements sampled from a larger tensor; default 32. */
  readonly samples?: number;
  /** Random directional checks of a larger tensor; default 2. */
  readonly projections?: number;
  /** Seed of the sample and the directions; default 0. */
  readonly seed?: number;
  readonly tolerance?: Tolerance;
}

/** The outcome for one tensor. */
export interface FdResult {
  readonly name: string;
  readonly id?: TensorId;
  readonly shape: readonly number[];
  /** "full": every element; "sampled": `elements` of them plus the projections. */
  readonly mode: "full" | "sampled";
  /** Element-wise comparison (analytic = actual, finite difference = expected). */
  readonly elements: Comparison;
  /** The directional checks, as a comparison of ⟨∇L, v⟩ with the quotient (sampled mode). */
  readonly projection?: Comparison;
  /** The finite-difference estimate at every checked element (NaN elsewhere). */
  readonly numeric: Float64Array;
  readonly pass: boolean;
}

/**
 * Checks each tensor's `analytic` gradient against central differences of `loss`, which
 * must read the tensors' `value` arrays (they are perturbed in place and restored).
 */
export function finiteDifferenceCheck(tensors: readonly FdTensor[], loss: () => number, options: FdOptions = {}): FdResult[] {
  const epsilon = options.epsilon ?? FD_EPSILON;
  const limit = options.fullCheckLimit ?? 256;
  const tolerance = options.tolerance ?? FD_TOLERANCE;
  const rng = new SeededRandom(options.seed ?? 0);
  return tensors.map((t) => {
    const n = t.value.length;
    const full = n <= limit;
    const indices = full ? Array.from({ length: n }, (_, i) => i) : rng.sample(n, options.samples ?? 32);
    const numeric = new Float64Array(n).fill(NaN);
    for (const i of indices) numeric[i] = partial(t.value, i, epsilon, loss);
    const elements = compareArrays(t.analytic, numeric, tolerance, indices);
    let projection: Comparison | undefined;
    if (!full) {
      const k = options.projections ?? 2;
      const predicted = new Float64Array(k);
      const measured = new Float64Array(k);
      for (let p = 0; p < k; p++) {
        const v = Float64Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1));
        predicted[p] = dot(t.analytic, v);
        measured[p] = directional(t.value, v, epsilon, loss);
      }
      projection = compareArrays(predicted, measured, tolerance);
    }
    const pass = elements.pass && (projection?.pass ?? true);
    return { name: t.name, ...(t.id ? { id: t.id } : {}), shape: t.shape, mode: full ? "full" : "sampled", elements, projection, numeric, pass };
  });
}

/** ∂L/∂θ_i by a central difference; θ is restored bit for bit afterwards. */
function partial(theta: Float64Array, i: number, epsilon: number, loss: () => number): number {
  const original = theta[i]!;
  const h = epsilon * Math.max(1, Math.abs(original));
  const up = original + h;
  const down = original - h;
  theta[i] = up;
  const lossUp = loss();
  theta[i] = down;
  const lossDown = loss();
  theta[i] = original;
  // Divide by the step actually taken (up − down is exact in float64), not by 2h.
  return (lossUp - lossDown) / (up - down);
}

/** d/ds L(θ + s v) at s = 0 by a central difference; θ is restored afterwards. */
function directional(theta: Float64Array, v: Float64Array, epsilon: number, loss: () => number): number {
  const original = Float64Array.from(theta);
  const scale = original.reduce((m, x) => Math.max(m, Math.abs(x)), 1);
  const h = epsilon * scale;
  for (let i = 0; i < theta.length; i++) theta[i] = original[i]! + h * v[i]!;
  const lossUp = loss();
  for (let i = 0; i < theta.length; i++) theta[i] = original[i]! - h * v[i]!;
  const lossDown = loss();
  theta.set(original);
  return (lossUp - lossDown) / (2 * h);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Params, input and initial states: everything a recurrent loss depends on. */
export interface LossInputs {
  readonly params: Readonly<Record<string, Float64Array>>;
  readonly x: Float64Array;
  readonly initial: Readonly<Record<string, Float64Array>>;
}

/** Shapes of the same, for naming and reporting. */
export interface LossShapes {
  readonly params: Readonly<Record<string, readonly number[]>>;
  readonly x: readonly number[];
  readonly initial: Readonly<Record<string, readonly number[]>>;
}

/**
 * The tensor names the verifier reports: "param W_hh", "x", "initial h". `only` restricts
 * the check to those names (the first-failing-step search re-checks just the failures).
 */
export function checkLossGradients(
  loss: (inputs: LossInputs) => number,
  inputs: LossInputs,
  shapes: LossShapes,
  analytic: LossInputs,
  options: FdOptions = {},
  only?: ReadonlySet<string>,
): FdResult[] {
  // Work on copies so the caller's arrays are never perturbed.
  const work: LossInputs = {
    params: Object.fromEntries(Object.entries(inputs.params).map(([k, v]) => [k, Float64Array.from(v)])),
    x: Float64Array.from(inputs.x),
    initial: Object.fromEntries(Object.entries(inputs.initial).map(([k, v]) => [k, Float64Array.from(v)])),
  };
  const tensors: FdTensor[] = [
    ...Object.keys(work.params).map((k) => ({
      ...named(tensorId("param", k)), shape: shapes.params[k] ?? [work.params[k]!.length], value: work.params[k]!, analytic: analytic.params[k]!,
    })),
    { ...named(tensorId("input", "x")), shape: shapes.x, value: work.x, analytic: analytic.x },
    ...Object.keys(work.initial).map((k) => ({
      ...named(tensorId("initial", k)), shape: shapes.initial[k] ?? [work.initial[k]!.length], value: work.initial[k]!, analytic: analytic.initial[k]!,
    })),
  ].filter((t) => only === undefined || only.has(t.name));
  return finiteDifferenceCheck(tensors, () => loss(work), options);
}
