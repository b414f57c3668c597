import { createHash } from "node:crypto";
import type { NamedArrays, TrainableCell } from "../trainer.js";
import type { Dtype, UnitSignature } from "../unit.js";
import { assemble, epochBatches, inOrder } from "./batches.js";
import { runChunk, type Evaluation, type TrainingData } from "./dataset.js";
import type { SequenceSet } from "./sequences.js";

/** Labelled sequences (JSON Lines) as training data: bucketed batches of the training split, the validation split evaluated. */
export function sequenceData(sig: UnitSignature, set: SequenceSet, options: { batch: number; seed: number; dtype: Dtype; bytes: Uint8Array; val: number }): TrainingData {
  const lengthOf = (i: number) => set.examples[i]!.length;
  const perEpoch = Math.ceil(set.train.length / options.batch);
  let cached: { epoch: number; batches: number[][] } | undefined;
  const batchesOf = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, batches: epochBatches(set.train, lengthOf, options.batch, options.seed, epoch) };
    return cached.batches;
  };
  const metadata: Record<string, string> = { "rnnc.kind": "sequences" };
  if (set.vocab !== undefined) {
    metadata["rnnc.tokens"] = JSON.stringify(set.vocab);
    metadata["rnnc.tokenize"] = set.tokenize!;
  }
  if (Object.keys(set.labels).length > 0) metadata["rnnc.labels"] = JSON.stringify(set.labels);
  const fingerprint = createHash("sha256")
    .update(options.bytes)
    .update(JSON.stringify({ val: options.val, tokenize: set.tokenize ?? null, batch: options.batch }))
    .digest("hex");
  return {
    batchesPerEpoch: perEpoch,
    batch: (epoch, n) => assemble(sig, set.examples, batchesOf(epoch)[n]!, options.dtype),
    ...(set.val.length > 0 ? { validate: (unit: TrainableCell, params: NamedArrays) => evaluateSplit(sig, set, unit, params, options) } : {}),
    metadata,
    fingerprint,
  };
}

/**
 * The model's loss over the validation split (batches in file order; each batch's mean weighted by
 * its number of loss terms: examples for a per-sequence target, valid steps for a per-step one),
 * and the accuracy of its first cross-entropy loss whose scores are an output.
 */
export function evaluateSplit(sig: UnitSignature, set: SequenceSet, unit: TrainableCell, params: NamedArrays, options: { batch: number; dtype: Dtype }): Evaluation {
  const first = sig.targets.find((t) => t.name === sig.losses[0]!.target)!;
  const scored = sig.losses.find((l) => l.kind === "cross_entropy" && l.pred !== undefined);
  let lossSum = 0;
  let weight = 0;
  let correct = 0;
  let total = 0;
  for (const indices of inOrder(set.val, options.batch)) {
    const chunk = assemble(sig, set.examples, indices, options.dtype);
    const run = runChunk(unit, params, chunk);
    const w = first.timing === "once" ? chunk.batch : chunk.lengths!.reduce((a, b) => a + b, 0);
    lossSum += run.loss * w;
    weight += w;
    if (scored !== undefined) {
      const target = sig.targets.find((t) => t.name === scored.target)!;
      const ids = chunk.targets![scored.target]!;
      const scores = run.outputs[scored.pred!]!;
      const rows = target.timing === "once" ? chunk.batch : chunk.steps * chunk.batch;
      const W = scores.length / rows;
      for (let r = 0; r < rows; r++) {
        if (target.timing === "step" && Math.floor(r / chunk.batch) >= chunk.lengths![r % chunk.batch]!) continue;
        let best = 0;
        for (let j = 1; j < W; j++) if (scores[r * W + j]! > scores[r * W + best]!) best = j;
        if (best === ids[r]) correct++;
        total++;
      }
    }
  }
  return { loss: lossSum / weight, ...(scored !== undefined ? { accuracy: correct / total } : {}) };
}
