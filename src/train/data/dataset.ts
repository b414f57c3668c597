import type { Chunk, FloatArray, NamedArrays, TrainableCell } from "../trainer.js";

/** Loss (and, for a classifier, accuracy) of the validation split. */
export interface Evaluation {
  readonly loss: number;
  /** The fraction of class ids the model's scores pick (argmax), for a unit with a cross-entropy loss on an output. */
  readonly accuracy?: number;
}

/**
 * A dataset as the training driver sees it: a fixed number of batches per epoch, each a pure
 * function of (epoch, index) — so a resumed run draws the same batches as an uninterrupted one —
 * and an evaluation of the validation split with the current params.
 */
export interface TrainingData {
  readonly batchesPerEpoch: number;
  /** Batch `n` (0-based) of epoch `epoch` (0-based). */
  batch(epoch: number, n: number): Chunk;
  /** Undefined when nothing is held out. */
  validate?(unit: TrainableCell, params: NamedArrays): Evaluation;
  /** What the weights file records of the data (vocabulary, labels), as safetensors metadata. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Identifies the data and its preparation: a resumed run must read the same. */
  readonly fingerprint: string;
}

/** One forward run over a chunk: the model's loss (from its targets) or a cell's mean per-step `nll`. */
export function runChunk(unit: TrainableCell, params: NamedArrays, chunk: Chunk, initial?: NamedArrays): { loss: number; outputs: Readonly<Record<string, FloatArray>>; final: NamedArrays } {
  const run = unit.forward(params, chunk.x, {
    batch: chunk.batch,
    steps: chunk.steps,
    ...(initial !== undefined ? { initial } : {}),
    ...(chunk.lengths !== undefined ? { lengths: chunk.lengths } : {}),
    ...(chunk.targets !== undefined ? { targets: chunk.targets } : {}),
  });
  if (chunk.targets !== undefined) return { loss: run.loss ?? NaN, outputs: run.outputs, final: run.final };
  const nll = run.outputs["nll"]!;
  let sum = 0;
  for (let i = 0; i < nll.length; i++) sum += nll[i]!;
  return { loss: sum / nll.length, outputs: run.outputs, final: run.final };
}
