import { createRng, nextUint32, type Rng } from "../weights/index.js";
import type { Chunk, FloatArray, NamedArrays, TrainableCell } from "./trainer.js";

/**
 * Data for a sequence classifier: random bit sequences labelled with their parity (is the number
 * of 1s odd?), as `examples/parity.rnn` reads them — per step, two one-hot vectors: the bit and the
 * sequence's label — with the loss counted at each sequence's last step only.
 */
export interface ParityBatch {
  readonly chunk: Chunk;
  /** Per example: 1 when its number of 1s is odd. */
  readonly labels: Int32Array;
  /** Per example, its bits (to tell held-out sequences from training ones). */
  readonly sequences: readonly (readonly number[])[];
}

/** A seeded source of parity batches: the same seed gives the same batches, in the same order. */
export class ParityData {
  private readonly rng: Rng;

  /** Sequence lengths are drawn uniformly from [minLength, maxLength]. */
  constructor(
    seed: number,
    readonly batch: number,
    readonly minLength: number,
    readonly maxLength: number,
    private readonly dtype: "float32" | "float64" = "float32",
  ) {
    if (!(Number.isSafeInteger(minLength) && minLength >= 1 && maxLength >= minLength)) throw new Error(`parity lengths must satisfy 1 ≤ minLength ≤ maxLength, found ${minLength}, ${maxLength}`);
    this.rng = createRng(seed);
  }

  next(): ParityBatch {
    const { batch: B, maxLength: T } = this;
    const lengths: number[] = [];
    const labels = new Int32Array(B);
    const bits: number[][] = [];
    for (let b = 0; b < B; b++) {
      const length = this.minLength + (nextUint32(this.rng) % (T - this.minLength + 1));
      const seq = Array.from({ length }, () => nextUint32(this.rng) >>> 31);
      lengths.push(length);
      bits.push(seq);
      labels[b] = seq.reduce((a, v) => a ^ v, 0);
    }
    const x: FloatArray = this.dtype === "float64" ? new Float64Array(T * B * 4) : new Float32Array(T * B * 4);
    // Each example's loss counts once, at its last step: the objective is the mean over examples.
    const lossWeights = new Float64Array(T * B);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < lengths[b]!; t++) {
        const row = (t * B + b) * 4;
        x[row + bits[b]![t]!] = 1;
        x[row + 2 + labels[b]!] = 1;
      }
      lossWeights[(lengths[b]! - 1) * B + b] = 1 / B;
    }
    return { chunk: { x, steps: T, batch: B, lengths, lossWeights, resetState: true }, labels, sequences: bits };
  }
}

/**
 * The same kind of batch for a model that reads the bits as ids (`input bits: index(2)`, as
 * `examples/classifier.rnn`): x is the bits [T, B] (0 past each length), the target `label` one
 * class id per sequence, and the loss is the model's own (cross-entropy at the last step).
 */
export function asModelBatch(batch: ParityBatch, target = "label"): ParityBatch {
  const { chunk, labels, sequences } = batch;
  const x = new Int32Array(chunk.steps * chunk.batch);
  sequences.forEach((bits, b) => bits.forEach((bit, t) => (x[t * chunk.batch + b] = bit)));
  return { chunk: { x, steps: chunk.steps, batch: chunk.batch, lengths: chunk.lengths!, targets: { [target]: labels }, resetState: true }, labels, sequences };
}

/** The fraction of a batch's examples whose per-sequence logits [B, 2] (a model's `output logits`) pick their label. */
export function modelParityAccuracy(model: TrainableCell, params: NamedArrays, batch: ParityBatch): number {
  const { chunk, labels } = batch;
  const logits = model.forward(params, chunk.x, { batch: chunk.batch, steps: chunk.steps, lengths: chunk.lengths! }).outputs["logits"]!;
  let correct = 0;
  for (let b = 0; b < chunk.batch; b++) if ((logits[b * 2 + 1]! > logits[b * 2]! ? 1 : 0) === labels[b]) correct++;
  return correct / chunk.batch;
}

/** The fraction of a batch's examples whose logits at their last step pick their label. */
export function parityAccuracy(cell: TrainableCell, params: NamedArrays, batch: ParityBatch): number {
  const { chunk, labels } = batch;
  const run = cell.forward(params, chunk.x, { batch: chunk.batch, steps: chunk.steps, ...(chunk.lengths ? { lengths: chunk.lengths } : {}) });
  const logits = run.outputs["logits"]!;
  let correct = 0;
  for (let b = 0; b < chunk.batch; b++) {
    const row = ((chunk.lengths![b]! - 1) * chunk.batch + b) * 2;
    const predicted = logits[row + 1]! > logits[row]! ? 1 : 0;
    if (predicted === labels[b]) correct++;
  }
  return correct / chunk.batch;
}
