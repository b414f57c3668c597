import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { writeWeightsFile } from "../weights/index.js";
import { compileCell, resolveDims, type Dtype } from "./cell.js";
import { charModelMetadata, checkCharModel, type CharModelInfo } from "./char-model.js";
import { CharStreams } from "./char-streams.js";
import { TrainInputError } from "./errors.js";
import { makeOptimizer, type OptimizerChoice } from "./optimizer-choice.js";
import { TbpttTrainer, type FloatArray, type TrainableCell } from "./trainer.js";
import { buildVocabulary, encodeText } from "./vocabulary.js";

/** Sizes used when --dims does not give them. */
export const DEFAULT_DIMS: Readonly<Record<string, number>> = { H: 128 };

export interface TrainCharOptions {
  /** The .rnn file (for messages) and its text. */
  readonly file: string;
  readonly source: string;
  readonly cell?: string;
  /** The training text. */
  readonly data: string;
  /** Sizes of the cell's dimensions other than V (which is the vocabulary's size). */
  readonly dims?: Readonly<Record<string, number>>;
  /** K: steps per chunk (backpropagation is cut every K steps). */
  readonly steps: number;
  /** B: parallel streams. */
  readonly batch: number;
  /** Optimizer steps (default: one epoch, every chunk of the text once). */
  readonly iterations?: number;
  readonly optimizer: OptimizerChoice;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  /** Seeds the params (`cell.init(seed)`); the data order is fixed. */
  readonly seed: number;
  readonly dtype?: Dtype;
  /** Called once training is set up, before the first step. */
  readonly onStart?: (setup: TrainSetup) => void;
  /** Called after every optimizer step. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Asked before every step; true stops training early (Ctrl-C) with the params of the steps taken. */
  readonly shouldStop?: () => boolean;
}

/** What a training run is about to do. */
export interface TrainSetup {
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly characters: number;
  readonly vocabSize: number;
  readonly chunksPerEpoch: number;
  readonly iterations: number;
}

export interface TrainProgress {
  /** Steps taken, 1-based. */
  readonly iteration: number;
  readonly iterations: number;
  /** This step's mean loss over K steps × B streams, in nats per character. */
  readonly loss: number;
  readonly gradNorm: number;
}

export interface TrainedCharModel {
  readonly cell: TrainableCell;
  readonly params: Record<string, FloatArray>;
  readonly info: CharModelInfo;
  /** Each step's loss, in order. */
  readonly losses: readonly number[];
  /** True when `shouldStop` ended training before `iterations`. */
  readonly stopped: boolean;
  /** The iterations asked for (`losses.length` were taken). */
  readonly iterations: number;
  readonly chunksPerEpoch: number;
}

/**
 * Trains a character-level language model (see `checkCharModel`) on a text by truncated
 * backpropagation through time: builds the vocabulary, compiles the cell with V = its size, draws
 * the params from the cell's initializers with `seed`, and takes `iterations` optimizer steps over
 * the text's chunks in order. Yields to the event loop between steps so a SIGINT handler can ask
 * it to stop. Errors in the program come back as diagnostics; a bad setup throws TrainInputError.
 */
export async function trainCharModel(options: TrainCharOptions): Promise<{ model?: TrainedCharModel; diagnostics: Diagnostic[] }> {
  const { cell: compiled, diagnostics } = await compileCell(options.file, options.source, options.cell);
  if (!compiled) return { diagnostics };
  const vocab = buildVocabulary(options.data);
  if (vocab.chars.length < 2) throw new TrainInputError(`the data has ${vocab.chars.length} distinct character${vocab.chars.length === 1 ? "" : "s"}; a language model needs at least 2`);
  const graph = compiled.graph;
  const defaults = Object.fromEntries(Object.entries(DEFAULT_DIMS).filter(([d]) => graph.dims.includes(d)));
  const fixed: Record<string, number> = graph.dims.includes("V") ? { V: vocab.chars.length } : {};
  const dims = resolveDims(graph, options.dims ?? {}, fixed, defaults);
  checkCharModel(graph, dims, vocab.chars.length, false);
  const dtype = options.dtype ?? "float32";
  const streams = new CharStreams(encodeText(options.data, vocab, "data"), vocab.chars.length, options.batch, options.steps, dtype);
  const iterations = options.iterations ?? streams.chunksPerEpoch;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new TrainInputError(`--iterations must be a positive integer, found ${iterations}`);
  const optimizer = makeOptimizer(options.optimizer);
  const cell = compiled.instantiate(dims, dtype);
  const params = cell.init(options.seed);
  const trainer = new TbpttTrainer(cell, params, {
    optimizer,
    ...(options.clipNorm !== undefined ? { clipNorm: positive("--clip-norm", options.clipNorm) } : {}),
    ...(options.clipValue !== undefined ? { clipValue: positive("--clip-value", options.clipValue) } : {}),
  });
  options.onStart?.({ cell: graph.cell, dims, characters: Array.from(options.data).length, vocabSize: vocab.chars.length, chunksPerEpoch: streams.chunksPerEpoch, iterations });
  const losses: number[] = [];
  let stopped = false;
  for (let n = 0; n < iterations; n++) {
    if (options.shouldStop?.() === true) {
      stopped = true;
      break;
    }
    const { loss, gradNorm } = trainer.step(streams.chunk(n));
    losses.push(loss);
    options.onProgress?.({ iteration: n + 1, iterations, loss, gradNorm });
    // Let signal handlers (Ctrl-C) and output run between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const info: CharModelInfo = { cell: graph.cell, dims, vocab, iterations: losses.length };
  return { model: { cell, params, info, losses, stopped, iterations, chunksPerEpoch: streams.chunksPerEpoch }, diagnostics };
}

/** Writes the params with the model's description (cell, dims, vocabulary) in the safetensors `__metadata__`. */
export function saveCharModel(path: string, model: TrainedCharModel): void {
  try {
    writeWeightsFile(path, model.params, model.cell.paramShapes, charModelMetadata(model.info));
  } catch (e) {
    throw new TrainInputError(e instanceof Error ? e.message : String(e));
  }
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TrainInputError(`${option} must be a number > 0, found ${value}`);
  return value;
}
