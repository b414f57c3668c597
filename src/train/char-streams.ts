import { TrainInputError } from "./errors.js";
import type { Chunk, FloatArray } from "./trainer.js";

/**
 * A text cut into `batch` parallel streams for truncated backpropagation through time, as in
 * char-rnn and PyTorch's word_language_model `batchify`: stream b is the contiguous run of
 * characters starting at b·L (L = ⌊(N − 1) / batch⌋, so every input has its next character as
 * target), and chunk j is steps j·K … j·K + K − 1 of every stream. Consecutive chunks continue
 * each other, so the trainer carries the state from one into the next; an epoch is the
 * ⌊L / K⌋ whole chunks, and the state starts from zero at each epoch's first chunk.
 *
 * Each step's x is two one-hot vectors of the vocabulary size V — the current character and the
 * next one (the target) — so x is [K, B, 2V], time-major, as `examples/char_lstm.rnn` reads it.
 */
export class CharStreams {
  /** Characters per stream. */
  readonly streamLength: number;
  /** Whole chunks per epoch. */
  readonly chunksPerEpoch: number;

  constructor(
    private readonly ids: Int32Array,
    readonly vocabSize: number,
    readonly batch: number,
    readonly steps: number,
    private readonly dtype: "float32" | "float64" = "float32",
  ) {
    if (!Number.isSafeInteger(batch) || batch < 1) throw new TrainInputError(`the batch size must be a positive integer, found ${batch}`);
    if (!Number.isSafeInteger(steps) || steps < 1) throw new TrainInputError(`the number of steps per chunk must be a positive integer, found ${steps}`);
    this.streamLength = Math.floor((ids.length - 1) / batch);
    this.chunksPerEpoch = Math.floor(this.streamLength / steps);
    if (this.chunksPerEpoch < 1) {
      throw new TrainInputError(
        `the data has ${ids.length} characters: cut into ${batch} streams that is ${Math.max(this.streamLength, 0)} characters per stream, ` +
          `fewer than one chunk of ${steps} steps; use more text, a smaller --batch or fewer --steps (needs at least ${batch * steps + 1} characters)`,
      );
    }
  }

  /** The n-th chunk of training (n = 0, 1, …; it wraps around to the start at each epoch). */
  chunk(n: number): Chunk {
    const j = n % this.chunksPerEpoch;
    const { batch: B, steps: K, vocabSize: V } = this;
    const x: FloatArray = this.dtype === "float64" ? new Float64Array(K * B * 2 * V) : new Float32Array(K * B * 2 * V);
    for (let t = 0; t < K; t++) {
      for (let b = 0; b < B; b++) {
        const at = b * this.streamLength + j * K + t;
        const row = (t * B + b) * 2 * V;
        x[row + this.ids[at]!] = 1;
        x[row + V + this.ids[at + 1]!] = 1;
      }
    }
    return { x, steps: K, batch: B, resetState: j === 0 };
  }

  /**
   * The n-th chunk for a model that reads ids (`input tokens: index(V)`): x holds the current
   * characters' ids [K, B] and target `target` the next characters' ids [K, B].
   */
  idChunk(n: number, target: string): Chunk {
    const j = n % this.chunksPerEpoch;
    const { batch: B, steps: K } = this;
    const x = new Int32Array(K * B);
    const next = new Int32Array(K * B);
    for (let t = 0; t < K; t++) {
      for (let b = 0; b < B; b++) {
        const at = b * this.streamLength + j * K + t;
        x[t * B + b] = this.ids[at]!;
        next[t * B + b] = this.ids[at + 1]!;
      }
    }
    return { x, targets: { [target]: next }, steps: K, batch: B, resetState: j === 0 };
  }
}
