/**
 * The model-level tensors a model's sequence operations share, made on first use in the main
 * graph under `model/`: the batch size, the lengths expanded to the batch, the running mask
 * [T, B] (t < sequence_lens[b]) and the lengths clamped to [0, T] as int64 (what
 * ReverseSequence needs: the optional default is T or INT32_MAX, and a caller may pass more than
 * T or a negative length, which every other part reads as T or 0).
 */
import type { GraphBuilder } from "./builder.js";
import { runningAllSteps, StepMask } from "./mask.js";
import { attr, ElemType } from "./proto.js";
import { Region } from "./region.js";
import { BATCH, SEQUENCE_LENS } from "./signature.js";

export class ModelFrame {
  readonly region: Region;
  private readonly made = new Map<string, string>();
  private stepMask: StepMask | undefined;

  constructor(
    private readonly main: GraphBuilder,
    /** The model's first per-step input: its shape is [T, B, …]. */
    private readonly input: string,
    doc: string,
  ) {
    this.region = new Region({
      graph: main,
      prefix: "model/",
      known: new Map(),
      batchDim: BATCH,
      doc,
      batchSize: (r) => r.emitNamed("Slice", [this.inputShape, r.model.int64([1]), r.model.int64([2]), r.model.int64([0])], "batch_size", "the batch size B, as [B]"),
    });
  }

  private once(key: string, make: () => string): string {
    let name = this.made.get(key);
    if (name === undefined) {
      name = make();
      this.made.set(key, name);
    }
    return name;
  }

  /** [T, B, …] as int64. */
  get inputShape(): string {
    return this.once("input_shape", () => this.region.emitNamed("Shape", [this.input], "input_shape", `the shape [T, B, …] of ${this.input}`));
  }

  /** `sequence_lens` as [B] int32. */
  get lengths(): string {
    return this.once("lengths", () => this.region.emitNamed("Expand", [SEQUENCE_LENS, this.region.batchSize()], "lengths", "sequence_lens as [B] (the default is one value for all)"));
  }

  /** running[t, b] = t < sequence_lens[b], bool [T, B]. */
  get running(): string {
    return this.once("running", () => runningAllSteps(this.region, this.inputShape, this.lengths, "mask/"));
  }

  /** Selects per-step values [T, B, …] where an example runs, zero elsewhere. */
  get mask(): StepMask {
    this.stepMask ??= new StepMask(this.region, this.running, 2);
    return this.stepMask;
  }

  /** Each example's number of steps, clamped to [0, T], int64 [B]: the steps `running` counts. */
  get clampedLengths(): string {
    return this.once("clamped", () => {
      const r = this.region;
      const counted = r.emitNamed("Cast", [this.running], "mask/running_int", "running as int64, to count the steps", { to: attr.int(ElemType.INT64) });
      return r.axesOp("ReduceSum", counted, [0], { keepdims: attr.int(0) }, "mask/steps_run");
    });
  }

  /** The lengths of a per-sequence layer's one step: 1 where an example has a step at all, else 0, int32 [B]. */
  get oneStepLengths(): string {
    return this.once("one_step", () => this.region.emitNamed("Cast", [this.hasSteps], "mask/one_step_lens", "1 where an example has a step, 0 where its length is 0", { to: attr.int(ElemType.INT32) }));
  }

  /** bool [B]: the example has at least one step (a per-sequence value exists for it). */
  get hasSteps(): string {
    return this.once("has_steps", () => {
      const r = this.region;
      return r.emitNamed("Gather", [this.running, r.model.int64([0], true)], "mask/has_steps", "running at step 0: the example has at least one step", { axis: attr.int(0) });
    });
  }

  /** A per-sequence value [B, W] (floats) or [B] (int64 ids), zero for an example of length 0. */
  zeroWithoutSteps(name: string, value: string, ids: boolean, doc: string): string {
    const r = this.region;
    const cond = ids ? this.hasSteps : this.once("has_steps_rank1", () => r.unsqueeze(this.hasSteps, [1], "mask/has_steps_rank1"));
    return r.emitNamed("Where", [cond, value, ids ? r.model.int64([0], true) : r.model.floatScalar(0)], name, doc);
  }

  /** [T, 1, 1] int64: the number of steps, as the shape that repeats a [1, B, W] value at every step (Expand). */
  get stepsShape(): string {
    return this.once("steps_shape", () => {
      const r = this.region;
      const t = r.emitNamed("Slice", [this.inputShape, r.model.int64([0]), r.model.int64([1]), r.model.int64([0])], "steps", "the number of steps T, as [T]");
      return r.emitNamed("Concat", [t, r.model.int64([1, 1])], "steps_shape", "[T, 1, 1]: repeats a per-sequence value at every step", { axis: attr.int(0) });
    });
  }

  get graph(): GraphBuilder {
    return this.main;
  }
}
