// Optimizers and gradient clipping over named float arrays: what a training loop needs between
// `backward` and the next `forward`. No imports: embedded in every generated module (private to it,
// like the rest of the runtime) and imported by rnnc's own trainer (src/train), so both use one
// implementation. The update rules are PyTorch's, written out from its documentation:
//   SGD:   https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
//   Adam:  https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
//   clip:  https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html and
//          https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_value_.html
// Every wrong argument throws an Error naming it, what was expected and what was received.

/** Params or gradients by name; a gradient has the same name and length as its param. */
export type NamedArrays = Readonly<Record<string, Float32Array | Float64Array>>;

/** `sgd(options)`: PyTorch's SGD with optional momentum (no dampening, no Nesterov) and L2 weight decay. */
export interface SgdConfig {
  /** The learning rate γ ≥ 0. */
  readonly lr: number;
  /** The momentum μ ≥ 0 (default 0: plain SGD). */
  readonly momentum?: number;
  /** The L2 penalty λ ≥ 0 added to the gradient as λ·θ (default 0). */
  readonly weightDecay?: number;
}

/** `adam(options)`: PyTorch's Adam (not AMSGrad) with bias correction and optional L2 weight decay. */
export interface AdamConfig {
  /** The learning rate γ ≥ 0. */
  readonly lr: number;
  /** β₁ in [0, 1): decay of the first moment (default 0.9). */
  readonly beta1?: number;
  /** β₂ in [0, 1): decay of the second moment (default 0.999). */
  readonly beta2?: number;
  /** ε ≥ 0 added to √v̂ (default 1e-8). */
  readonly eps?: number;
  /** The L2 penalty λ ≥ 0 added to the gradient as λ·θ (default 0; PyTorch's Adam, not AdamW). */
  readonly weightDecay?: number;
}

/** An optimizer: its state (momentum, moments) is allocated at the first step, per param, and reused. */
export interface ParamOptimizer {
  readonly kind: "sgd" | "adam";
  /** Steps taken so far (Adam's bias correction uses it). */
  readonly steps: number;
  /**
   * Per param, the optimizer's buffers: `momentum` for SGD with momentum, `m` and `v` for Adam; the
   * same arrays from the first step on (empty before it).
   */
  readonly state: Readonly<Record<string, Readonly<Record<string, Float32Array | Float64Array>>>>;
  /** Updates every param in place from its gradient. */
  step(params: NamedArrays, grads: NamedArrays): void;
}

/** What an optimizer needs to go on where another left off: its step count and its buffers per param. */
export interface OptimizerSnapshot {
  readonly steps: number;
  readonly state: Readonly<Record<string, Readonly<Record<string, Float32Array | Float64Array>>>>;
}

/** An optimizer whose state can be saved (`steps`, `state`) and restored, so training resumes exactly. */
export interface ResumableOptimizer extends ParamOptimizer {
  /**
   * Takes over a saved state before the first step: the buffers are copied for the params of
   * `params` (the same names and lengths the next steps will use). Refuses a state with missing,
   * extra or wrongly sized buffers.
   */
  restore(snapshot: OptimizerSnapshot, params: NamedArrays): void;
}

function optDescribe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return `a ${typeof value}`;
}

/** A finite number in [min, max) (or [min, ∞)); `undefined` gives the default. */
function optNumber(where: string, name: string, value: unknown, fallback: number, min: number, maxExclusive?: number): number {
  if (value === undefined) return fallback;
  const range = maxExclusive === undefined ? `a finite number ≥ ${min}` : `a number in [${min}, ${maxExclusive})`;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || (maxExclusive !== undefined && value >= maxExclusive)) {
    throw new Error(`${where}: ${name} must be ${range}, received ${optDescribe(value)}`);
  }
  return value;
}

/** The options object, refusing keys the optimizer does not know (a misspelt `learningRate` must not pass silently). */
function optOptions(where: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new Error(`${where}: options must be an object with at least lr, received ${optDescribe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw new Error(`${where}: unknown option ${JSON.stringify(key)} (the options are ${known.join(", ")})`);
  }
  if (record["lr"] === undefined) throw new Error(`${where}: options.lr (the learning rate) is required`);
  return record;
}

function optIsFloatArray(value: unknown): value is Float32Array | Float64Array {
  return value instanceof Float32Array || value instanceof Float64Array;
}

function optHas(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/**
 * Checks one step's params and grads: both objects of float arrays, the same names, equal lengths,
 * finite gradients; from the second step on, the same names and lengths as the first (the state
 * belongs to them). Returns the names in the params' order.
 */
function optCheckStep(where: string, params: unknown, grads: unknown, layout: OptLayout | undefined): string[] {
  if (typeof params !== "object" || params === null) throw new Error(`${where}: params must be an object of Float32Array/Float64Array, received ${optDescribe(params)}`);
  if (typeof grads !== "object" || grads === null) throw new Error(`${where}: grads must be an object of Float32Array/Float64Array, received ${optDescribe(grads)}`);
  const p = params as Record<string, unknown>;
  const g = grads as Record<string, unknown>;
  const names = Object.keys(p);
  for (const name of names) {
    const value = p[name];
    if (!optIsFloatArray(value)) throw new Error(`${where}: params.${name} must be a Float32Array or Float64Array, received ${optDescribe(value)}`);
    if (!optHas(g, name) || g[name] === undefined) throw new Error(`${where}: grads.${name} is missing (every param needs a gradient)`);
    const grad = g[name];
    if (!optIsFloatArray(grad)) throw new Error(`${where}: grads.${name} must be a Float32Array or Float64Array, received ${optDescribe(grad)}`);
    if (grad.length !== value.length) throw new Error(`${where}: grads.${name} must have the length of params.${name} (${value.length}), received length ${grad.length}`);
    for (let i = 0; i < grad.length; i++) {
      if (!Number.isFinite(grad[i]!)) throw new Error(`${where}: grads.${name}[${i}] is ${grad[i]} (gradients must be finite; the loss has diverged or the input holds NaN)`);
    }
  }
  for (const name of Object.keys(g)) {
    if (!optHas(p, name)) throw new Error(`${where}: grads.${name} has no param of that name (the params are ${names.join(", ") || "none"})`);
  }
  if (layout !== undefined) {
    const made = layout.names.join(", ");
    for (const name of layout.names) {
      if (!optHas(p, name)) throw new Error(`${where}: params.${name} is missing; this optimizer's state was made for ${made}`);
      const length = layout.lengths[name]!;
      if ((p[name] as ArrayLike<number>).length !== length) {
        throw new Error(`${where}: params.${name} must keep its length ${length} from the first step, received length ${(p[name] as ArrayLike<number>).length}`);
      }
    }
    for (const name of names) {
      if (!optHas(layout.lengths, name)) throw new Error(`${where}: params.${name} was not there at the first step; this optimizer's state was made for ${made}`);
    }
  }
  return names;
}

/** The params an optimizer's state was made for, at its first step. */
interface OptLayout {
  readonly names: readonly string[];
  readonly lengths: Readonly<Record<string, number>>;
}

function optLayout(names: readonly string[], params: NamedArrays): OptLayout {
  const lengths: Record<string, number> = {};
  for (const n of names) lengths[n] = params[n]!.length;
  return { names: names.slice(), lengths };
}

/**
 * Copies a saved state into `state` for the params of `params`, after checking that every param has
 * exactly the buffers `buffers` names with its length. Returns the layout the next steps must keep.
 */
function optRestore(
  where: string,
  snapshot: OptimizerSnapshot,
  params: NamedArrays,
  buffers: readonly string[],
  state: Record<string, Record<string, Float32Array | Float64Array>>,
  stepsTaken: number,
): OptLayout {
  if (stepsTaken !== 0) throw new Error(`${where}: restore must come before the first step (${stepsTaken} taken)`);
  const steps = snapshot.steps;
  if (!Number.isSafeInteger(steps) || steps < 0) throw new Error(`${where}: snapshot.steps must be an integer ≥ 0, received ${optDescribe(steps)}`);
  const names = Object.keys(params);
  for (const name of Object.keys(snapshot.state)) {
    if (!optHas(params, name)) throw new Error(`${where}: the snapshot has a state for ${name}, which is not a param (the params are ${names.join(", ") || "none"})`);
  }
  for (const name of names) {
    // A plain SGD keeps no buffers: its saved state may leave the params out.
    const saved = snapshot.state[name] ?? (buffers.length === 0 ? {} : undefined);
    if (saved === undefined) throw new Error(`${where}: the snapshot has no state for params.${name}`);
    const fresh: Record<string, Float32Array | Float64Array> = {};
    for (const key of Object.keys(saved)) {
      if (!buffers.includes(key)) throw new Error(`${where}: the snapshot's state for ${name} has a buffer ${JSON.stringify(key)} this optimizer does not keep (it keeps ${buffers.join(", ") || "none"})`);
    }
    for (const key of buffers) {
      const b = saved[key];
      const p = params[name]!;
      if (b === undefined || b.length !== p.length) throw new Error(`${where}: the snapshot's ${key} for ${name} must have ${p.length} numbers, received ${optDescribe(b)}`);
      const copy = optZerosLike(p);
      copy.set(b);
      fresh[key] = copy;
    }
    state[name] = fresh;
  }
  return optLayout(names, params);
}

function optZerosLike(a: Float32Array | Float64Array): Float32Array | Float64Array {
  return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
}

/**
 * Stochastic gradient descent, as torch.optim.SGD (dampening 0, nesterov false, maximize false):
 *   g ← ∇θ + λθ                       (when λ ≠ 0)
 *   b ← g at the first step, μb + g after it   (when μ ≠ 0), and g ← b
 *   θ ← θ − γg
 */
export function sgd(options: SgdConfig): ResumableOptimizer {
  const where = "sgd";
  const o = optOptions(where, options, ["lr", "momentum", "weightDecay"]);
  const lr = optNumber(where, "lr", o["lr"], 0, 0);
  const momentum = optNumber(where, "momentum", o["momentum"], 0, 0);
  const weightDecay = optNumber(where, "weightDecay", o["weightDecay"], 0, 0);
  const state: Record<string, Record<string, Float32Array | Float64Array>> = {};
  let layout: OptLayout | undefined;
  let steps = 0;
  return {
    kind: "sgd",
    get steps() {
      return steps;
    },
    state,
    restore(snapshot: OptimizerSnapshot, params: NamedArrays): void {
      layout = optRestore(`${where}.restore`, snapshot, params, momentum !== 0 ? ["momentum"] : [], state, steps);
      steps = snapshot.steps;
    },
    step(params: NamedArrays, grads: NamedArrays): void {
      const names = optCheckStep(`${where}.step`, params, grads, layout);
      const first = layout === undefined;
      if (first) {
        layout = optLayout(names, params);
        for (const n of names) state[n] = momentum !== 0 ? { momentum: optZerosLike(params[n]!) } : {};
      }
      for (const name of names) {
        const p = params[name]!;
        const g = grads[name]!;
        const buf = state[name]!["momentum"];
        for (let i = 0; i < p.length; i++) {
          let d = g[i]!;
          if (weightDecay !== 0) d += weightDecay * p[i]!;
          if (buf !== undefined) {
            buf[i] = first ? d : momentum * buf[i]! + d;
            d = buf[i]!;
          }
          p[i] = p[i]! - lr * d;
        }
      }
      steps++;
    },
  };
}

/**
 * Adam, as torch.optim.Adam (amsgrad false, maximize false), at step t = 1, 2, …:
 *   g ← ∇θ + λθ                       (when λ ≠ 0)
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²       (m, v start at 0)
 *   m̂ ← m / (1 − β₁ᵗ),    v̂ ← v / (1 − β₂ᵗ)
 *   θ ← θ − γ m̂ / (√v̂ + ε)
 */
export function adam(options: AdamConfig): ResumableOptimizer {
  const where = "adam";
  const o = optOptions(where, options, ["lr", "beta1", "beta2", "eps", "weightDecay"]);
  const lr = optNumber(where, "lr", o["lr"], 0, 0);
  const beta1 = optNumber(where, "beta1", o["beta1"], 0.9, 0, 1);
  const beta2 = optNumber(where, "beta2", o["beta2"], 0.999, 0, 1);
  const eps = optNumber(where, "eps", o["eps"], 1e-8, 0);
  const weightDecay = optNumber(where, "weightDecay", o["weightDecay"], 0, 0);
  const state: Record<string, Record<string, Float32Array | Float64Array>> = {};
  let layout: OptLayout | undefined;
  let steps = 0;
  return {
    kind: "adam",
    get steps() {
      return steps;
    },
    state,
    restore(snapshot: OptimizerSnapshot, params: NamedArrays): void {
      layout = optRestore(`${where}.restore`, snapshot, params, ["m", "v"], state, steps);
      steps = snapshot.steps;
    },
    step(params: NamedArrays, grads: NamedArrays): void {
      const names = optCheckStep(`${where}.step`, params, grads, layout);
      if (layout === undefined) {
        layout = optLayout(names, params);
        for (const n of names) state[n] = { m: optZerosLike(params[n]!), v: optZerosLike(params[n]!) };
      }
      const t = steps + 1;
      const correction1 = 1 - Math.pow(beta1, t);
      const correction2 = 1 - Math.pow(beta2, t);
      for (const name of names) {
        const p = params[name]!;
        const g = grads[name]!;
        const m = state[name]!["m"]!;
        const v = state[name]!["v"]!;
        for (let i = 0; i < p.length; i++) {
          let d = g[i]!;
          if (weightDecay !== 0) d += weightDecay * p[i]!;
          m[i] = beta1 * m[i]! + (1 - beta1) * d;
          v[i] = beta2 * v[i]! + (1 - beta2) * d * d;
          const mHat = m[i]! / correction1;
          const vHat = v[i]! / correction2;
          p[i] = p[i]! - (lr * mHat) / (Math.sqrt(vHat) + eps);
        }
      }
      steps = t;
    },
  };
}

function optCheckGrads(where: string, grads: unknown): [string, Float32Array | Float64Array][] {
  if (typeof grads !== "object" || grads === null) throw new Error(`${where}: grads must be an object of Float32Array/Float64Array, received ${optDescribe(grads)}`);
  const out: [string, Float32Array | Float64Array][] = [];
  for (const [name, value] of Object.entries(grads as Record<string, unknown>)) {
    if (!optIsFloatArray(value)) throw new Error(`${where}: grads.${name} must be a Float32Array or Float64Array, received ${optDescribe(value)}`);
    out.push([name, value]);
  }
  return out;
}

/**
 * Scales every gradient by maxNorm / (‖g‖ + 1e-6) when the global L2 norm ‖g‖ (over all gradients
 * together, as one vector) exceeds maxNorm, as torch.nn.utils.clip_grad_norm_. Returns ‖g‖ before
 * clipping. A non-finite norm throws (PyTorch's error_if_nonfinite=True): scaling by it would turn
 * every gradient into NaN.
 */
export function clipGradNorm(grads: NamedArrays, maxNorm: number): number {
  const where = "clipGradNorm";
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`${where}: maxNorm must be a finite number > 0, received ${optDescribe(maxNorm)}`);
  }
  const entries = optCheckGrads(where, grads);
  let sum = 0;
  for (const [, g] of entries) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  const total = Math.sqrt(sum);
  if (!Number.isFinite(total)) throw new Error(`${where}: the gradients' global norm is ${total} (a gradient holds NaN or ±Infinity)`);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) for (const [, g] of entries) for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  return total;
}

/** Clamps every gradient value into [−clipValue, clipValue], as torch.nn.utils.clip_grad_value_. */
export function clipGradValue(grads: NamedArrays, clipValue: number): void {
  const where = "clipGradValue";
  if (typeof clipValue !== "number" || !Number.isFinite(clipValue) || clipValue <= 0) {
    throw new Error(`${where}: clipValue must be a finite number > 0, received ${optDescribe(clipValue)}`);
  }
  for (const [name, g] of optCheckGrads(where, grads)) {
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!;
      if (Number.isNaN(x)) throw new Error(`${where}: grads.${name}[${i}] is NaN`);
      if (x > clipValue) g[i] = clipValue;
      else if (x < -clipValue) g[i] = -clipValue;
    }
  }
}
