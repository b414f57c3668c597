/**
 * Variable-length batches. At step t an example b is "running" iff t < sequence_lens[b];
 * past its length its state is carried unchanged and its outputs are zero.
 *
 * We select with `Where(running, new, old)` rather than the arithmetic blend
 * `m·new + (1−m)·old`: both are exact for finite values, but past its end an example's step
 * may compute Inf or NaN (log of padding, a division by zero), and 0·NaN = NaN would leak into
 * the carried state; Where never reads the unselected side. It is also fewer nodes.
 */
import { attr, ElemType } from "./proto.js";
import type { Region, Val } from "./region.js";

export class StepMask {
  private readonly byRank = new Map<number, string>();

  /**
   * `running` is a bool [B] tensor for this step — or, with `leading` = 2, a [T, B] tensor for
   * every step at once (a stateless cell's form, a model's reversal).
   */
  constructor(
    private readonly region: Region,
    private readonly running: string,
    private readonly leading = 1,
  ) {}

  /** `running` as [B, 1, …, 1] (or [T, B, 1, …]), to select values of per-example rank `rank`. */
  forRank(rank: number): string {
    const known = this.byRank.get(rank);
    if (known) return known;
    const name = rank === 0
      ? this.running
      : this.region.unsqueeze(this.running, Array.from({ length: rank }, (_, i) => i + this.leading), `mask_rank${rank}`);
    this.byRank.set(rank, name);
    return name;
  }

  /** The state leaving the step: the new value where running, else the old one. */
  keep(name: string, next: Val, old: Val, doc: string): string {
    return this.region.emitNamed("Where", [this.forRank(old.shape.length), next.name, old.name], name, doc);
  }

  /** An output at this step: its value where running, else zero. */
  zeroPast(name: string, value: Val, doc: string): string {
    return this.region.emitNamed("Where", [this.forRank(value.shape.length), value.name, this.region.model.floatScalar(0)], name, doc);
  }
}

/**
 * running[t, b] = t < sequence_lens[b] for every step at once, a bool [T, B]; `inputShape` is
 * the shape [T, B, …] of the input (as int64), `lengths` the lengths as [B] int32. Nodes are
 * named `<prefix>steps`, `<prefix>times`, … in `region`.
 */
export function runningAllSteps(region: Region, inputShape: string, lengths: string, prefix: string): string {
  const model = region.model;
  const steps = region.emitNamed("Gather", [inputShape, model.int64([0], true)], `${prefix}steps`, "the number of steps T", { axis: attr.int(0) });
  const times = region.emitNamed("Range", [model.int64([0], true), steps, model.int64([1], true)], `${prefix}times`, "0, 1, …, T−1");
  const lengths64 = region.emitNamed("Cast", [lengths], `${prefix}lengths`, "sequence_lens as int64", { to: attr.int(ElemType.INT64) });
  const column = region.emitNamed("Unsqueeze", region.opset >= 13 ? [times, model.int64([1])] : [times], `${prefix}times_column`, "[T, 1]", region.opset >= 13 ? {} : { axes: attr.ints([1]) });
  return region.emitNamed("Less", [column, lengths64], `${prefix}running`, "running[t, b] = t < sequence_lens[b], [T, B]");
}
