import { clipGradNorm, clipGradValue, type ParamOptimizer } from "../runtime/optim.js";
import { layerSeed } from "../runtime/random.js";
import { TrainInputError } from "./errors.js";

export type FloatArray = Float32Array | Float64Array;
export type NamedArrays = Readonly<Record<string, FloatArray>>;

/** What a generated module's `forward` returns, as far as training needs it. */
export interface CellRun {
  readonly outputs: Readonly<Record<string, FloatArray>>;
  readonly final: Readonly<Record<string, FloatArray>>;
  /** A model's loss, when its targets were given. */
  readonly loss?: number;
}

/** Options of one forward run (the generated module's contract; see README "Using a generated module"). */
export interface ForwardOptions {
  readonly batch: number;
  readonly steps: number;
  readonly initial?: NamedArrays;
  readonly lengths?: readonly number[];
  /** A model's targets: with them its run has `loss`, and backward differentiates it. */
  readonly targets?: Readonly<Record<string, ArrayLike<number>>>;
  /** A unit with dropout: apply it, with masks drawn from `seed`. */
  readonly training?: boolean;
  readonly seed?: number;
}

/** What one training step returns: the generated `trainStep`'s result. */
export interface TrainStepResult {
  readonly loss: number;
  readonly gradNorm: number;
  readonly final: Readonly<Record<string, FloatArray>>;
}

/** The generated `trainStep` (a model with a loss): forward with the targets, backward, clipping, one optimizer step. */
export type TrainStepFn = (
  params: Record<string, FloatArray>,
  optimizer: ParamOptimizer,
  x: FloatArray | Int32Array,
  options: ForwardOptions & { readonly targets: Readonly<Record<string, ArrayLike<number>>> },
  clip: { clipNorm?: number; clipValue?: number },
) => TrainStepResult;

/** A cell or model instance of a generated module (`CharLSTM({ V, H }, { dtype })`), as training uses it. */
export interface TrainableCell<Run extends CellRun = CellRun> {
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
  init(seed: number): Record<string, FloatArray>;
  forward(params: NamedArrays, x: FloatArray | Int32Array, options: ForwardOptions): Run;
  backward(run: Run, seeds: { readonly outputs?: NamedArrays; readonly final?: NamedArrays }): { readonly params: Record<string, FloatArray> };
  /** A model with a loss has its own one-step trainer; the driver calls it and nothing else. */
  readonly trainStep?: TrainStepFn;
  saveParams(params: NamedArrays): Uint8Array;
  loadParams(bytes: Uint8Array): Record<string, FloatArray>;
  /** Resolves once the wasm kernels' worker threads run (the generated modules have it). */
  readonly ready?: Promise<void>;
  /** Releases the instance's wasm memory and stops its threads. */
  dispose?(): void;
}

/** One chunk of training data: x is [T, B, …input], time-major (integer ids for a model reading ids). */
export interface Chunk {
  readonly x: FloatArray | Int32Array;
  /**
   * For a model: its targets by name. The objective is then the model's own loss (its `loss` lines),
   * and `lossWeights` does not apply.
   */
  readonly targets?: Readonly<Record<string, ArrayLike<number>>>;
  readonly steps: number;
  readonly batch: number;
  /** Start every state from zero instead of the previous chunk's final state (a new epoch, or independent examples). */
  readonly resetState: boolean;
  readonly lengths?: readonly number[];
  /**
   * The weight of each step's loss in the objective, [T, B]; the default is 1/(T·B) everywhere: the
   * mean over steps and examples. A sequence classifier puts 1/B at each example's last step only.
   */
  readonly lossWeights?: Float64Array;
}

export interface TrainerOptions {
  readonly optimizer: ParamOptimizer;
  /** Clip the global gradient norm to this (torch.nn.utils.clip_grad_norm_), after any value clipping. */
  readonly clipNorm?: number;
  /** Clamp every gradient value into [−v, v] (torch.nn.utils.clip_grad_value_), before norm clipping. */
  readonly clipValue?: number;
  /** The cell's per-step loss output (default `nll`): [T, B] scalars. */
  readonly lossOutput?: string;
  /** The number of steps already taken (a resumed run): step numbers in messages go on from it. */
  readonly firstStep?: number;
  /**
   * Set for a unit with dropout: every training step applies it, step n (1-based, counting on
   * across a resume) with the masks of seed `layerSeed(dropoutSeed, n)`, so a resumed run draws
   * the masks the uninterrupted run would have. Evaluation runs without dropout.
   */
  readonly dropoutSeed?: number;
}

/** What one optimizer step saw. */
export interface StepResult {
  /** The objective: Σ weight · loss over the chunk (the mean loss, by default). */
  readonly loss: number;
  /** The global L2 norm of the gradients before norm clipping (after value clipping, when both are on). */
  readonly gradNorm: number;
}

/** Training stopped because a loss or gradient is NaN or infinite; the params are those before `step`. */
export class DivergedError extends TrainInputError {
  constructor(
    readonly step: number,
    readonly what: string,
  ) {
    super(`training diverged at iteration ${step}: ${what}; try a smaller --lr or --clip-norm 1`);
  }
}

/**
 * Truncated backpropagation through time, as a thin driver over the unit's own training step. Each
 * `step(chunk)` runs the model's generated `trainStep` over the chunk (forward with the targets,
 * backward of the loss, clipping, one optimizer step) from the state the previous chunk ended in
 * (zeros when `chunk.resetState`). A cell with a per-step loss output (`nll`) has no targets: its
 * step is the same sequence written over its forward and backward, with the loss seeded by
 * `chunk.lossWeights`. The carried state is a value only: no gradient flows into the previous
 * chunk. Deterministic: the same unit, params and chunks give the same params after every step.
 * A NaN or infinite loss or gradient throws DivergedError before the params change.
 */
export class TbpttTrainer<Run extends CellRun = CellRun> {
  /** The state the last chunk ended in (carried into the next one unless it resets). */
  carried: NamedArrays | undefined;
  private readonly lossOutput: string;
  private weightCache: { key: string; weights: FloatArray } | undefined;
  /** Steps taken, counting from `options.firstStep` (a resumed run's step count). */
  iteration: number;

  constructor(
    private readonly cell: TrainableCell<Run>,
    readonly params: Record<string, FloatArray>,
    private readonly options: TrainerOptions,
  ) {
    this.lossOutput = options.lossOutput ?? "nll";
    this.iteration = options.firstStep ?? 0;
  }

  get optimizer(): ParamOptimizer {
    return this.options.optimizer;
  }

  /** One forward, backward and optimizer step over `chunk`. */
  step(chunk: Chunk): StepResult {
    const result = chunk.targets !== undefined ? this.modelStep(chunk, chunk.targets) : this.cellStep(chunk);
    this.carried = result.final;
    return { loss: result.loss, gradNorm: result.gradNorm };
  }

  private clip(): { clipNorm?: number; clipValue?: number } {
    return { ...(this.options.clipNorm !== undefined ? { clipNorm: this.options.clipNorm } : {}), ...(this.options.clipValue !== undefined ? { clipValue: this.options.clipValue } : {}) };
  }

  /** A model's step: its generated trainStep. */
  private modelStep(chunk: Chunk, targets: Readonly<Record<string, ArrayLike<number>>>): TrainStepResult {
    const trainStep = this.cell.trainStep;
    if (trainStep === undefined) throw new TrainInputError("the model has no `loss`; training minimises a model's `loss cross_entropy(…)` or `loss mse(…)`");
    const step = this.iteration + 1;
    const options = { ...this.forwardOptions(chunk, step), targets };
    let result: TrainStepResult;
    try {
      result = trainStep(this.params, this.options.optimizer, chunk.x, options, this.clip());
    } catch (error) {
      throw this.divergence(chunk, options) ?? error;
    }
    this.iteration = step;
    return result;
  }

  /**
   * Why the generated step refused `chunk`, when it is divergence: a NaN or infinite loss, or
   * gradient norm (the step throws before it touches the params). Undefined for any other error.
   */
  private divergence(chunk: Chunk, options: ForwardOptions): DivergedError | undefined {
    const run = this.cell.forward(this.params, chunk.x, options);
    const step = this.iteration + 1;
    if (run.loss !== undefined && !Number.isFinite(run.loss)) return new DivergedError(step, `the loss is ${run.loss}`);
    const norm = globalNorm(this.cell.backward(run, {}).params);
    return Number.isFinite(norm) ? undefined : new DivergedError(step, `the gradient norm is ${norm}`);
  }

  /** A cell's step: the weighted sum of its per-step loss output, differentiated, clipped, one update. */
  private cellStep(chunk: Chunk): TrainStepResult {
    const run = this.forward(chunk, this.iteration + 1);
    const losses = run.outputs[this.lossOutput]!;
    const weights = this.weightsFor(chunk, losses);
    let loss = 0;
    for (let i = 0; i < weights.length; i++) loss += weights[i]! * losses[i]!;
    const step = this.iteration + 1;
    if (!Number.isFinite(loss)) throw new DivergedError(step, `the loss is ${loss}`);
    const grads = this.cell.backward(run, { outputs: { [this.lossOutput]: weights } }).params;
    if (this.options.clipValue !== undefined) clipGradValue(grads, this.options.clipValue);
    const gradNorm = globalNorm(grads);
    if (!Number.isFinite(gradNorm)) throw new DivergedError(step, `the gradient norm is ${gradNorm}`);
    if (this.options.clipNorm !== undefined) clipGradNorm(grads, this.options.clipNorm);
    this.options.optimizer.step(this.params, grads);
    this.iteration = step;
    return { loss, gradNorm, final: run.final };
  }

  /** The weighted loss of `chunk` with the current params, carrying the state as `step` does, without learning. */
  evaluate(chunk: Chunk): number {
    if (chunk.targets !== undefined) {
      const run = this.cell.forward(this.params, chunk.x, { ...this.forwardOptions(chunk), targets: chunk.targets });
      this.carried = run.final;
      return run.loss ?? NaN;
    }
    const run = this.forward(chunk);
    const losses = run.outputs[this.lossOutput]!;
    const weights = this.weightsFor(chunk, losses);
    let loss = 0;
    for (let i = 0; i < weights.length; i++) loss += weights[i]! * losses[i]!;
    this.carried = run.final;
    return loss;
  }

  /** Forgets the carried state (the next chunk starts from zeros). */
  resetState(): void {
    this.carried = undefined;
  }

  /** The options of a forward run over `chunk`; in training step `step` (not in evaluation) with its dropout masks. */
  private forwardOptions(chunk: Chunk, step?: number): ForwardOptions {
    const initial = chunk.resetState ? undefined : this.carried;
    const dropoutSeed = this.options.dropoutSeed;
    return {
      batch: chunk.batch,
      steps: chunk.steps,
      ...(initial !== undefined ? { initial } : {}),
      ...(chunk.lengths !== undefined ? { lengths: chunk.lengths } : {}),
      ...(dropoutSeed !== undefined && step !== undefined ? { training: true, seed: layerSeed(dropoutSeed, step) } : {}),
    };
  }

  /** A cell's forward run, checked to have the per-step loss output (a training step's when `step` is given). */
  private forward(chunk: Chunk, step?: number): Run {
    const run = this.cell.forward(this.params, chunk.x, this.forwardOptions(chunk, step));
    const losses = run.outputs[this.lossOutput];
    if (losses === undefined) throw new TrainInputError(`the cell has no output \`${this.lossOutput}\` (its outputs are ${Object.keys(run.outputs).join(", ") || "none"}); training needs a per-step scalar loss`);
    if (losses.length !== chunk.steps * chunk.batch) {
      throw new TrainInputError(`output \`${this.lossOutput}\` must be one scalar per step and example (${chunk.steps * chunk.batch} numbers), found ${losses.length}`);
    }
    return run;
  }

  /** The loss seed in the kernel's own array type (so the kernel need not convert it every step). */
  private weightsFor(chunk: Chunk, losses: FloatArray): FloatArray {
    const n = chunk.steps * chunk.batch;
    const F = losses instanceof Float64Array ? Float64Array : Float32Array;
    if (chunk.lossWeights !== undefined) {
      if (chunk.lossWeights.length !== n) throw new TrainInputError(`chunk.lossWeights must have ${n} numbers (steps ${chunk.steps} × batch ${chunk.batch}), found ${chunk.lossWeights.length}`);
      return F.from(chunk.lossWeights);
    }
    const key = `${F.name}:${n}`;
    if (this.weightCache?.key !== key) this.weightCache = { key, weights: new F(n).fill(1 / n) };
    return this.weightCache.weights;
  }
}

function globalNorm(grads: NamedArrays): number {
  let sum = 0;
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  return Math.sqrt(sum);
}
