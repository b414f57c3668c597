import { clipGradNorm, clipGradValue, type ParamOptimizer } from "../runtime/optim.js";
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
}

/** A cell instance of a generated module (`CharLSTM({ V, H }, { dtype })`), as training uses it. */
export interface TrainableCell<Run extends CellRun = CellRun> {
  readonly paramShapes: Readonly<Record<string, readonly number[]>>;
  init(seed: number): Record<string, FloatArray>;
  forward(params: NamedArrays, x: FloatArray | Int32Array, options: ForwardOptions): Run;
  backward(run: Run, seeds: { readonly outputs?: NamedArrays; readonly final?: NamedArrays }): { readonly params: Record<string, FloatArray> };
  saveParams(params: NamedArrays): Uint8Array;
  loadParams(bytes: Uint8Array): Record<string, FloatArray>;
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
  /** The cell's per-step loss output (default `loss`): [T, B] scalars. */
  readonly lossOutput?: string;
}

/** What one optimizer step saw. */
export interface StepResult {
  /** The objective: Σ weight · loss over the chunk (the mean loss, by default). */
  readonly loss: number;
  /** The global L2 norm of the gradients before norm clipping (after value clipping, when both are on). */
  readonly gradNorm: number;
}

/**
 * Truncated backpropagation through time. Each `step(chunk)` runs the cell forward over the chunk
 * from the state the previous chunk ended in (zeros when `chunk.resetState`), differentiates the
 * weighted loss, clips, and takes one optimizer step. The carried state is a value only: no
 * gradient flows into the previous chunk, so backpropagation is cut every T steps (and the tape
 * of a chunk is dropped when the next one starts). Deterministic: the same cell, params and
 * chunks give the same params after every step.
 */
export class TbpttTrainer<Run extends CellRun = CellRun> {
  private carried: NamedArrays | undefined;
  private readonly lossOutput: string;
  private weightCache: { key: string; weights: FloatArray } | undefined;
  private iteration = 0;

  constructor(
    private readonly cell: TrainableCell<Run>,
    readonly params: Record<string, FloatArray>,
    private readonly options: TrainerOptions,
  ) {
    this.lossOutput = options.lossOutput ?? "nll";
  }

  /** One forward, backward and optimizer step over `chunk`. */
  step(chunk: Chunk): StepResult {
    if (chunk.targets !== undefined) return this.modelStep(chunk);
    const run = this.forward(chunk);
    const losses = run.outputs[this.lossOutput]!;
    const weights = this.weightsFor(chunk, losses);
    let loss = 0;
    for (let i = 0; i < weights.length; i++) loss += weights[i]! * losses[i]!;
    this.iteration++;
    if (!Number.isFinite(loss)) throw diverged(`the loss is ${loss}`, this.iteration);
    const grads = this.cell.backward(run, { outputs: { [this.lossOutput]: weights } }).params;
    return this.update(grads, loss);
  }

  /** A model's step: its loss (from its targets), the gradient of that loss, clipping, one update. */
  private modelStep(chunk: Chunk): StepResult {
    const run = this.forward(chunk);
    const loss = run.loss;
    if (loss === undefined) throw new TrainInputError("the model has no `loss`; training minimises a model's `loss cross_entropy(…)` or `loss mse(…)`");
    this.iteration++;
    if (!Number.isFinite(loss)) throw diverged(`the loss is ${loss}`, this.iteration);
    const grads = this.cell.backward(run, {}).params;
    return this.update(grads, loss);
  }

  private update(grads: Record<string, FloatArray>, loss: number): StepResult {
    if (this.options.clipValue !== undefined) clipGradValue(grads, this.options.clipValue);
    const gradNorm = this.options.clipNorm !== undefined ? clipGradNormOrDiverge(grads, this.options.clipNorm, this.iteration) : globalNorm(grads);
    if (!Number.isFinite(gradNorm)) throw diverged(`the gradient norm is ${gradNorm}`, this.iteration);
    this.options.optimizer.step(this.params, grads);
    return { loss, gradNorm };
  }

  /** The weighted loss of `chunk` with the current params, carrying the state as `step` does, without learning. */
  evaluate(chunk: Chunk): number {
    const run = this.forward(chunk);
    if (chunk.targets !== undefined) return run.loss ?? NaN;
    const losses = run.outputs[this.lossOutput]!;
    const weights = this.weightsFor(chunk, losses);
    let loss = 0;
    for (let i = 0; i < weights.length; i++) loss += weights[i]! * losses[i]!;
    return loss;
  }

  /** Forgets the carried state (the next chunk starts from zeros). */
  resetState(): void {
    this.carried = undefined;
  }

  private forward(chunk: Chunk): Run {
    const initial = chunk.resetState ? undefined : this.carried;
    const run = this.cell.forward(this.params, chunk.x, {
      batch: chunk.batch,
      steps: chunk.steps,
      ...(initial !== undefined ? { initial } : {}),
      ...(chunk.lengths !== undefined ? { lengths: chunk.lengths } : {}),
      ...(chunk.targets !== undefined ? { targets: chunk.targets } : {}),
    });
    if (chunk.targets !== undefined) {
      this.carried = run.final;
      return run;
    }
    const losses = run.outputs[this.lossOutput];
    if (losses === undefined) throw new TrainInputError(`the cell has no output \`${this.lossOutput}\` (its outputs are ${Object.keys(run.outputs).join(", ") || "none"}); training needs a per-step scalar loss`);
    if (losses.length !== chunk.steps * chunk.batch) {
      throw new TrainInputError(`output \`${this.lossOutput}\` must be one scalar per step and example (${chunk.steps * chunk.batch} numbers), found ${losses.length}`);
    }
    // `final` arrays are fresh copies, not views into the tape: carrying them keeps no tape alive.
    this.carried = run.final;
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

function clipGradNormOrDiverge(grads: NamedArrays, maxNorm: number, iteration: number): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) throw diverged(`the gradient norm is ${norm}`, iteration);
  return clipGradNorm(grads, maxNorm);
}

function diverged(what: string, iteration: number): TrainInputError {
  return new TrainInputError(`training diverged at iteration ${iteration}: ${what}; try a smaller --lr or --clip-norm 1`);
}
