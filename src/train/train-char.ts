import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { writeWeightsFile } from "../weights/index.js";
import { compileCell, resolveDims, type Dtype } from "./cell.js";
import { charModelMetadata, checkCharModel, readCharModelInfo, type CharModelInfo } from "./char-model.js";
import { CharStreams } from "./char-streams.js";
import { TrainInputError } from "./errors.js";
import { makeOptimizer, type OptimizerChoice } from "./optimizer-choice.js";
import { TbpttTrainer, type Chunk, type FloatArray, type NamedArrays, type TrainableCell } from "./trainer.js";
import { compileUnit } from "../compiler.js";
import { charModelSpec, compileModelUnit } from "./model-unit.js";
import { buildVocabulary, encodeText, type Vocabulary } from "./vocabulary.js";

/** Sizes used when --dims does not give them (H the hidden size, E an embedding's size). */
export const DEFAULT_DIMS: Readonly<Record<string, number>> = { H: 128, E: 32 };

/**
 * What training needs of the file's unit, a cell (examples/char_lstm.rnn: x holds the current and
 * the next character one-hot, the loss is its output `nll`) or a model (examples/char_model.rnn:
 * ids in, a per-step cross-entropy against the next character's id).
 */
export interface CharUnit {
  readonly graph: { readonly cell: string; readonly dims: readonly string[]; readonly kind: "cell" | "model" };
  /** The dimension values the vocabulary fixes. */
  readonly fixed: Readonly<Record<string, number>>;
  /** Throws TrainInputError when the unit is not a character model at these sizes. */
  check(dims: Readonly<Record<string, number>>): void;
  instantiate(dims: Readonly<Record<string, number>>, dtype: Dtype): TrainableCell;
  chunk(streams: CharStreams, n: number): Chunk;
  /** The logits after reading `ids` from `state` (batch 1), and the state after them. */
  read(cell: TrainableCell, params: NamedArrays, ids: Int32Array, state: NamedArrays | undefined): { logits: FloatArray; state: NamedArrays };
}

export async function compileCharUnit(file: string, source: string, name: string | undefined, vocabSize: number, needLogits: boolean): Promise<{ unit?: CharUnit; diagnostics: Diagnostic[] }> {
  if (compileUnit(file, source, name).unit?.kind === "model") {
    const { model: compiled, diagnostics } = await compileModelUnit(file, source, name);
    if (!compiled) return { diagnostics };
    const spec = charModelSpec(compiled.model, needLogits);
    const unit: CharUnit = {
      graph: { cell: compiled.model.name, dims: compiled.model.dims, kind: "model" },
      fixed: { [spec.vocabDim]: vocabSize },
      check: () => {},
      instantiate: compiled.instantiate,
      chunk: (streams, n) => streams.idChunk(n, spec.target),
      read: (cell, params, ids, state) => {
        const run = cell.forward(params, ids, { batch: 1, steps: ids.length, ...(state ? { initial: state } : {}) });
        return { logits: run.outputs["logits"]!.subarray((ids.length - 1) * vocabSize, ids.length * vocabSize), state: run.final };
      },
    };
    return { unit, diagnostics };
  }
  const { cell: compiled, diagnostics } = await compileCell(file, source, name);
  if (!compiled) return { diagnostics };
  const graph = compiled.graph;
  const unit: CharUnit = {
    graph: { cell: graph.cell, dims: graph.dims, kind: "cell" },
    fixed: graph.dims.includes("V") ? { V: vocabSize } : {},
    check: (dims) => checkCharModel(graph, dims, vocabSize, needLogits),
    instantiate: compiled.instantiate,
    chunk: (streams, n) => streams.chunk(n),
    read: (cell, params, ids, state) => {
      const T = ids.length;
      const x = new Float32Array(T * 2 * vocabSize);
      ids.forEach((id, t) => (x[t * 2 * vocabSize + id] = 1));
      const run = cell.forward(params, x, { batch: 1, steps: T, ...(state ? { initial: state } : {}) });
      return { logits: run.outputs["logits"]!.subarray((T - 1) * vocabSize, T * vocabSize), state: run.final };
    },
  };
  return { unit, diagnostics };
}

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
  /**
   * Continue from weights `rnnc train` wrote (same cell, dims and vocabulary) instead of `seed`'s:
   * training resumes at the chunk after the last one they were trained on. The optimizer's state
   * (momentum, Adam's moments) and the carried state are not saved, so both start from zero.
   */
  readonly resume?: { readonly file: string; readonly bytes: Uint8Array };
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
  /** Iterations the resumed weights had already been trained for (0 for a fresh start). */
  readonly resumedAt: number;
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
  const vocab = buildVocabulary(options.data);
  const unit = await compileCharUnit(options.file, options.source, options.cell, vocab.chars.length, false);
  if (!unit.unit) return { diagnostics: unit.diagnostics };
  const { diagnostics } = unit;
  const compiled = unit.unit;
  if (vocab.chars.length < 2) throw new TrainInputError(`the data has ${vocab.chars.length} distinct character${vocab.chars.length === 1 ? "" : "s"}; a language model needs at least 2`);
  const graph = compiled.graph;
  const defaults = Object.fromEntries(Object.entries(DEFAULT_DIMS).filter(([d]) => graph.dims.includes(d)));
  const dims = resolveDims(graph, options.dims ?? {}, compiled.fixed, defaults);
  compiled.check(dims);
  const dtype = options.dtype ?? "float32";
  const streams = new CharStreams(encodeText(options.data, vocab, "data"), vocab.chars.length, options.batch, options.steps, dtype);
  const iterations = options.iterations ?? streams.chunksPerEpoch;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new TrainInputError(`--iterations must be a positive integer, found ${iterations}`);
  const optimizer = makeOptimizer(options.optimizer);
  const cell = compiled.instantiate(dims, dtype);
  const start = options.resume === undefined ? 0 : resumedIterations(options.resume, graph.cell, dims, vocab);
  const params = options.resume === undefined ? cell.init(options.seed) : loadResumed(cell, options.resume);
  const trainer = new TbpttTrainer(cell, params, {
    optimizer,
    ...(options.clipNorm !== undefined ? { clipNorm: positive("--clip-norm", options.clipNorm) } : {}),
    ...(options.clipValue !== undefined ? { clipValue: positive("--clip-value", options.clipValue) } : {}),
  });
  options.onStart?.({ cell: graph.cell, dims, characters: Array.from(options.data).length, vocabSize: vocab.chars.length, chunksPerEpoch: streams.chunksPerEpoch, iterations, resumedAt: start });
  const losses: number[] = [];
  let stopped = false;
  for (let n = 0; n < iterations; n++) {
    if (options.shouldStop?.() === true) {
      stopped = true;
      break;
    }
    const { loss, gradNorm } = trainer.step(compiled.chunk(streams, start + n));
    losses.push(loss);
    options.onProgress?.({ iteration: n + 1, iterations, loss, gradNorm });
    // Let signal handlers (Ctrl-C) and output run between steps.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const info: CharModelInfo = { cell: graph.cell, dims, vocab, iterations: start + losses.length };
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

/** Checks that resumed weights belong to this setup; returns the iterations they were trained for. */
function resumedIterations(resume: { file: string; bytes: Uint8Array }, cell: string, dims: Readonly<Record<string, number>>, vocab: Vocabulary): number {
  const info = readCharModelInfo(resume.bytes, resume.file);
  if (info.cell !== cell) throw new TrainInputError(`--resume ${resume.file}: the weights are for cell ${info.cell}, not ${cell}`);
  const ours = JSON.stringify(sortedDims(dims));
  const theirs = JSON.stringify(sortedDims(info.dims));
  if (ours !== theirs) throw new TrainInputError(`--resume ${resume.file}: the weights have dims ${theirs}, this run ${ours}`);
  const a = info.vocab.chars;
  const b = vocab.chars;
  if (a.length !== b.length || a.some((ch, i) => ch !== b[i])) {
    const i = a.findIndex((ch, k) => ch !== b[k]);
    throw new TrainInputError(
      `--resume ${resume.file}: the weights were trained on another vocabulary (${a.length} characters; this data has ${b.length}` +
        `${i >= 0 && i < b.length ? `, and entry ${i} is ${JSON.stringify(a[i])} there but ${JSON.stringify(b[i])} here` : ""}); resume on the same text`,
    );
  }
  return info.iterations;
}

function loadResumed(cell: TrainableCell, resume: { file: string; bytes: Uint8Array }): Record<string, FloatArray> {
  try {
    return cell.loadParams(resume.bytes);
  } catch (e) {
    throw new TrainInputError(`--resume ${resume.file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function sortedDims(dims: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.keys(dims).sort().map((k) => [k, dims[k]!]));
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TrainInputError(`${option} must be a number > 0, found ${value}`);
  return value;
}
