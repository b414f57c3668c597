/**
 * The run-time contract every back end honours, as data types: how a cell is run over a
 * batch and a sequence, what a run returns, and what a backward pass takes and gives.
 *
 *   x is [T, B, ...input shape], time-major. Each state starts from `initial[state]`
 *   [B, ...] (zeros when absent). At step t, example b computes the step iff t < lengths[b]
 *   (every step when `lengths` is absent); past its length an example's state is carried
 *   unchanged and its outputs at that step are zero. Outputs are [T, B, ...], final states
 *   [B, ...]. All arrays are row-major.
 */

/** Options of a forward run. */
export interface RunOptions {
  readonly batch: number;
  readonly steps: number;
  /** Initial value of each state, [B, ...state shape]; zeros for a state not given. */
  readonly initial?: Readonly<Record<string, Float64Array>>;
  /** Per-example sequence lengths, each in [0, steps]. */
  readonly lengths?: readonly number[];
  /** Training: dropout masks drawn from `seed` (runtime's fillDropoutMasks); else dropout is the identity. */
  readonly training?: boolean;
  readonly seed?: number;
}

/** What a forward run returns. */
export interface RunResult {
  /** Per output name, [T, B, ...output shape]. */
  readonly outputs: Readonly<Record<string, Float64Array>>;
  /** Per state name, its value after the last step, [B, ...state shape]. */
  readonly final: Readonly<Record<string, Float64Array>>;
}

/**
 * The weights of the scalar loss a backward pass differentiates:
 * loss = Σ_outputs Σ outputs[o] ⊙ seeds.outputs[o] + Σ_states Σ final[s] ⊙ seeds.final[s].
 * Equivalently: the incoming gradients dY (per output) and dState_T (per state).
 */
export interface GradientSeeds {
  readonly outputs: Readonly<Record<string, Float64Array>>;
  readonly final: Readonly<Record<string, Float64Array>>;
}

/** d loss / d everything the caller supplied. */
export interface Gradients {
  readonly params: Readonly<Record<string, Float64Array>>;
  /** [T, B, ...input shape] */
  readonly x: Float64Array;
  /** Per state, [B, ...state shape] (present even when the initial state was zeros). */
  readonly initial: Readonly<Record<string, Float64Array>>;
}

/**
 * The generated module's cell object, as `rnnc gradcheck` uses it:
 * ```ts
 * const cell = LSTM({ I: 3, H: 4 }, { dtype: "float64" });
 * const params = cell.init(seed);
 * const run = cell.forward(params, x, { batch, steps, initial, lengths });
 * const g = cell.backward(run, { outputs: { h: dY }, final: { h: dH, c: dC } });
 * ```
 * `Run` is whatever `forward` returns (it may carry saved activations for `backward`).
 */
export interface CellKernel<Run extends RunResult = RunResult> {
  /** Concrete shape of every param, when the module exposes it (checked against the IR). */
  readonly paramShapes?: Readonly<Record<string, readonly number[]>>;
  init(seed: number): Readonly<Record<string, Float64Array>>;
  forward(params: Readonly<Record<string, Float64Array>>, x: Float64Array, options: RunOptions): Run;
  backward(run: Run, seeds: GradientSeeds): Gradients;
}

/**
 * Options of a model's forward run: a cell's, plus the targets of its losses (class ids or
 * vectors; [T, B, …] per step, [B, …] per sequence). Initial states are named `layer.state`.
 */
export interface ModelRunOptions extends RunOptions {
  readonly targets?: Readonly<Record<string, ArrayLike<number>>>;
}

/** What a model's forward run returns: outputs by name, finals by `layer.state`, and the loss. */
export interface ModelRunResult extends RunResult {
  /** The sum of the model's loss terms, present when the model has losses and targets were given. */
  readonly loss?: number;
}

/**
 * The weights of a model's objective: Σ outputs ⊙ seeds.outputs + Σ final ⊙ seeds.final
 * + seeds.loss · loss (the loss weight defaults to 1 when the run has a loss).
 */
export interface ModelSeeds extends GradientSeeds {
  readonly loss?: number;
}

/** d objective / d everything a model's caller supplied. */
export interface ModelGradients {
  /** By `layer.param`. */
  readonly params: Readonly<Record<string, Float64Array>>;
  /** A model with one input: [T, B, width] for a vector input; absent for an input of ids. */
  readonly x?: Float64Array;
  /** A model with several inputs: each vector input's gradient by name, shaped as the input. */
  readonly inputs?: Readonly<Record<string, Float64Array>>;
  /** By `layer.state`, [B, ...state shape]. */
  readonly initial: Readonly<Record<string, Float64Array>>;
}

/**
 * The generated module's model object, as `rnnc gradcheck` uses it (the driver in
 * src/runtime/model.ts):
 * ```ts
 * const m = Parity({ H: 4 }, { dtype: "float64" });
 * const params = m.init(seed);                                        // "rnn.W_ih", "head.b", …
 * const run = m.forward(params, x, { batch, steps, initial, lengths, targets: { label } });
 * const g = m.backward(run, { outputs: { logits: R }, final: { "rnn.h": S } });   // loss weight 1
 * ```
 * The input is [T, B, width] numbers, or [T, B] integer ids for an `index(V)` input; a model with
 * several inputs takes an object keyed by their names (a per-sequence one [B, …]) and gives
 * their gradients under `inputs`.
 */
export interface ModelKernel<Run extends ModelRunResult = ModelRunResult> {
  readonly paramShapes?: Readonly<Record<string, readonly number[]>>;
  init(seed: number): Readonly<Record<string, Float64Array>>;
  forward(params: Readonly<Record<string, Float64Array>>, input: ArrayLike<number> | Readonly<Record<string, ArrayLike<number>>>, options: ModelRunOptions): Run;
  backward(run: Run, seeds: ModelSeeds): ModelGradients;
}
