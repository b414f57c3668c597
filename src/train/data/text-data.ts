import { createHash } from "node:crypto";
import { charModelMetadataFor } from "../char-model.js";
import { CharStreams } from "../char-streams.js";
import type { CharUnit } from "../char-unit.js";
import { TrainInputError } from "../errors.js";
import type { NamedArrays, TrainableCell } from "../trainer.js";
import type { Dtype } from "../unit.js";
import type { Vocabulary } from "../vocabulary.js";
import { runChunk, type TrainingData } from "./dataset.js";

export interface TextDataOptions {
  readonly batch: number;
  readonly steps: number;
  /** The fraction of the text, at its end, held out for validation. */
  readonly val: number;
  readonly dtype: Dtype;
}

/**
 * A text as a character language model's data: truncated-BPTT chunks of B parallel streams
 * (CharStreams), the state carried from chunk to chunk and reset at each epoch's first. With a
 * validation fraction, the text's last characters are held out and read as one stream per epoch.
 */
export function textData(unit: CharUnit, ids: Int32Array, vocab: Vocabulary, options: TextDataOptions): TrainingData & { readonly streams: CharStreams; readonly held: number } {
  const held = options.val === 0 ? 0 : Math.max(options.steps + 1, Math.round(options.val * ids.length));
  if (!(options.val >= 0 && options.val < 1)) throw new TrainInputError(`--val must be a fraction in [0, 1), found ${options.val}`);
  const streams = new CharStreams(ids.subarray(0, ids.length - held), vocab.chars.length, options.batch, options.steps, options.dtype);
  const valStreams = held > 0 ? new CharStreams(ids.subarray(ids.length - held), vocab.chars.length, 1, options.steps, options.dtype) : undefined;
  const fingerprint = createHash("sha256")
    .update(ids.buffer instanceof ArrayBuffer ? new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength) : Buffer.from(ids.buffer))
    .update(JSON.stringify({ vocab: vocab.chars, batch: options.batch, steps: options.steps, val: options.val }))
    .digest("hex");
  return {
    streams,
    held,
    batchesPerEpoch: streams.chunksPerEpoch,
    batch: (epoch, n) => unit.chunk(streams, epoch * streams.chunksPerEpoch + n),
    ...(valStreams !== undefined
      ? {
          validate: (cell: TrainableCell, params: NamedArrays) => {
            let state: NamedArrays | undefined;
            let sum = 0;
            for (let n = 0; n < valStreams.chunksPerEpoch; n++) {
              const run = runChunk(cell, params, unit.chunk(valStreams, n), state);
              sum += run.loss;
              state = run.final;
            }
            return { loss: sum / valStreams.chunksPerEpoch };
          },
        }
      : {}),
    metadata: charModelMetadataFor(vocab),
    fingerprint,
  };
}
