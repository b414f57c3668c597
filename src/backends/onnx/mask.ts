/**
 * Variable-length batches. At step t an example b is "running" iff t < sequence_lens[b];
 * past its length its state is carried unchanged and its outputs are zero.
 *
 * We select with `Where(running, new, old)` rather than the arithmetic blend
 * `m·new + (1−m)·old`: both are exact for finite values, but past its end an example's step
 * may compute Inf or NaN (log of padding, a division by zero), and 0·NaN = NaN would leak into
 * the carried state; Where never reads the unselected side. It is also fewer nodes.
 */
import type { Region, Val } from "./region.js";

export class StepMask {
  private readonly byRank = new Map<number, string>();

  /** `running` is a bool [B] tensor for this step. */
  constructor(
    private readonly region: Region,
    private readonly running: string,
  ) {}

  /** `running` as [B, 1, …, 1], to select values of per-example rank `rank`. */
  forRank(rank: number): string {
    const known = this.byRank.get(rank);
    if (known) return known;
    const name = rank === 0
      ? this.running
      : this.region.unsqueeze(this.running, Array.from({ length: rank }, (_, i) => i + 1), `mask_rank${rank}`);
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
