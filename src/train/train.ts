import { appendFileSync, readFileSync, rmSync } from "node:fs";
import { Dim } from "../core/dims.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { paramsToSafetensors } from "../weights/index.js";
import { digest, writeCheckpoint, type RunPosition } from "./checkpoint.js";
import { writeFileAtomic } from "../core/files.js";
import { compileCharUnit } from "./char-unit.js";
import type { TrainingData } from "./data/dataset.js";
import { looksLikeJsonLines, readJsonLines } from "./data/jsonl.js";
import { sequenceData } from "./data/sequence-data.js";
import { readSequences, type DimConstraint } from "./data/sequences.js";
import { textData } from "./data/text-data.js";
import type { Tokenize } from "./data/tokens.js";
import { resolveDims } from "./dims.js";
import { TrainInputError } from "./errors.js";
import { runLoop, type EpochReport, type LoopResult } from "./loop.js";
import { runMetadata } from "./model-info.js";
import { makeOptimizer, type OptimizerChoice } from "./optimizer-choice.js";
import { loadResume } from "./resume.js";
import { TbpttTrainer, type FloatArray, type TrainableCell } from "./trainer.js";
import { compileTrainUnit, type Dtype, type InstanceOptions, type UnitSignature } from "./unit.js";
import { buildVocabulary, encodeText, vocabularyOf } from "./vocabulary.js";

/** Sizes used when --dims does not give them (H the hidden size, E an embedding's size). */
export const DEFAULT_DIMS: Readonly<Record<string, number>> = { H: 128, E: 32 };
/** Epochs over JSON Lines data when neither --epochs nor --iterations is given. */
export const DEFAULT_EPOCHS = 10;

export interface TrainOptions {
  /** The .rnn file (for messages) and its text. */
  readonly file: string;
  readonly source: string;
  readonly cell?: string;
  /** The data file's name and bytes: a text (a character model) or JSON Lines (sequences). */
  readonly dataFile: string;
  readonly data: Uint8Array;
  readonly dims?: Readonly<Record<string, number>>;
  /** K: steps per chunk of a text (backpropagation is cut every K steps). */
  readonly steps: number;
  readonly batch: number;
  /** Train until this many epochs are complete in all (counting a resumed run's). */
  readonly epochs?: number;
  /** Take at most this many steps in this run. */
  readonly iterations?: number;
  /** The fraction held out for validation (default: 0 for a text, 0.1 for JSON Lines). */
  readonly val?: number;
  readonly tokenize?: Tokenize;
  readonly optimizer: OptimizerChoice;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  /** Seeds the params (`init(seed)`), the validation split and the order of the batches. */
  readonly seed: number;
  readonly dtype?: Dtype;
  /** Where the kernels run (default: wasm for float32, js for float64). */
  readonly backend?: "wasm" | "js";
  /** Worker threads of the wasm kernels (default 1): the weights come out the same for any number. */
  readonly threads?: number;
  /** Where the weights go (with `.state.safetensors` beside them), and the log (default: beside them). */
  readonly output: string;
  readonly log?: string;
  /** Go on from this checkpoint (a weights file `rnnc train` wrote, with its state beside it). */
  readonly resume?: { readonly file: string; readonly bytes: Uint8Array };
  readonly saveEvery?: number;
  readonly onStart?: (setup: TrainSetup) => void;
  readonly onProgress?: (progress: { readonly iteration: number; readonly iterations: number; readonly loss: number; readonly gradNorm: number }) => void;
  readonly onEpoch?: (report: EpochReport & { readonly epochs?: number }) => void;
  readonly shouldStop?: () => boolean;
}

/** What a run is about to do, for its header line. */
export interface TrainSetup {
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  /** Steps this run will take. */
  readonly iterations: number;
  readonly epochs?: number;
  readonly batchesPerEpoch: number;
  /** Steps the resumed checkpoint had taken (0 for a fresh start). */
  readonly resumedAt: number;
  readonly text?: { readonly characters: number; readonly vocabSize: number; readonly val: number };
  readonly sequences?: { readonly train: number; readonly val: number; readonly unknownInVal: number; readonly vocabSize?: number };
}

export type TrainResult = LoopResult & { readonly iterations: number; readonly log: string };

/** `W.safetensors` → `W.log.jsonl`. */
export function logFileOf(weights: string): string {
  return `${weights.replace(/\.safetensors$/, "")}.log.jsonl`;
}

interface Prepared {
  readonly sig: UnitSignature;
  readonly instance: TrainableCell;
  readonly dims: Record<string, number>;
  readonly data: TrainingData;
  readonly kind: "char-lm" | "sequences";
  readonly checkMetadata?: (m: Readonly<Record<string, string>>) => void;
  readonly setup: Pick<TrainSetup, "text" | "sequences">;
}

/**
 * Trains the file's unit on the data: a text trains a character language model (truncated BPTT
 * over parallel streams), JSON Lines a sequence model (classifier, tagger or regressor) on bucketed
 * batches with a validation split. A thin driver over the unit's own training step: compile, read
 * and check the data against the unit, resolve the dims, then the loop (src/train/loop.ts) with a
 * checkpoint at every epoch's end, a line in the log per epoch, and --resume going on exactly where
 * a checkpoint stopped. Errors in the program come back as diagnostics; a bad setup throws
 * TrainInputError.
 */
export async function train(options: TrainOptions): Promise<{ result?: TrainResult; diagnostics: Diagnostic[] }> {
  // Where the kernels run, checked before anything is compiled or read.
  const kernels = instanceOptions(options, options.dtype ?? "float32");
  const text = decode(options.data, options.dataFile);
  const jsonl = looksLikeJsonLines(options.dataFile, text);
  const prepared = jsonl ? await prepareSequences(options, text, kernels) : await prepareText(options, text, kernels);
  if (!prepared.ok) return { diagnostics: prepared.diagnostics };
  const { instance } = prepared.value;
  try {
    // With threads, the workers run from the first step (the results are the same either way).
    await instance.ready;
    return { result: await trainPrepared(options, prepared.value), diagnostics: prepared.value.diagnostics };
  } finally {
    // The instance's wasm memory and worker threads: a library caller may train again and again.
    instance.dispose?.();
  }
}

/** The training run proper, on a prepared unit and its data: resume, the loop, the checkpoints and the log. */
async function trainPrepared(options: TrainOptions, prepared: Prepared): Promise<TrainResult> {
  const { sig, instance, dims, data, kind } = prepared;
  const optimizer = makeOptimizer(options.optimizer);
  const clip = {
    ...(options.clipNorm !== undefined ? { clipNorm: positive("--clip-norm", options.clipNorm) } : {}),
    ...(options.clipValue !== undefined ? { clipValue: positive("--clip-value", options.clipValue) } : {}),
  };
  let params: Record<string, FloatArray>;
  let start: RunPosition = { step: 0, epoch: 0, batch: 0, epochLoss: 0 };
  let carried: Readonly<Record<string, FloatArray>> | undefined;
  if (options.resume !== undefined) {
    const resumed = loadResume(instance, {
      ...options.resume,
      cell: sig.name,
      dims,
      kind,
      data: data.fingerprint,
      seed: options.seed,
      optimizer: options.optimizer,
      ...(prepared.checkMetadata !== undefined ? { checkMetadata: prepared.checkMetadata } : {}),
    });
    params = resumed.params;
    start = resumed.state.position;
    carried = resumed.state.carried;
    if (resumed.state.snapshot.steps > 0) {
      try {
        optimizer.restore(resumed.state.snapshot, params);
      } catch (e) {
        throw new TrainInputError(`--resume ${options.resume.file}: ${(e as Error).message}`);
      }
    }
  } else {
    params = instance.init(options.seed);
  }
  // Dropout masks of step n come from layerSeed(--seed, n): a resumed run draws the same ones.
  const trainer = new TbpttTrainer(instance, params, { optimizer, ...clip, firstStep: start.step, ...(sig.dropout ? { dropoutSeed: options.seed } : {}) });
  if (carried !== undefined) trainer.carried = carried;
  const epochs = options.epochs ?? (options.iterations === undefined ? (kind === "sequences" ? DEFAULT_EPOCHS : undefined) : undefined);
  const maxSteps = options.iterations ?? (epochs === undefined ? data.batchesPerEpoch : undefined);
  const remaining = epochs === undefined ? Infinity : Math.max(0, (epochs - start.epoch) * data.batchesPerEpoch - start.batch);
  const iterations = Math.min(remaining, maxSteps ?? Infinity);
  const log = options.log ?? logFileOf(options.output);
  prepareLog(log, start.step, options.resume !== undefined ? (options.log ?? logFileOf(options.resume.file)) : undefined);
  options.onStart?.({ cell: sig.name, dims, iterations, ...(epochs !== undefined ? { epochs } : {}), batchesPerEpoch: data.batchesPerEpoch, resumedAt: start.step, ...prepared.setup });
  const weightsMetadata = (step: number) => ({ ...runMetadata(sig.name, dims, step), ...data.metadata });
  const result = await runLoop({
    trainer,
    unit: instance,
    data,
    start,
    ...(epochs !== undefined ? { epochs } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(options.saveEvery !== undefined ? { saveEvery: options.saveEvery } : {}),
    save: (position) =>
      writeCheckpoint(options.output, paramsToSafetensors(params, instance.paramShapes, weightsMetadata(position.step)), {
        position,
        optimizer: options.optimizer,
        snapshot: { steps: optimizer.steps, state: optimizer.state },
        ...(trainer.carried !== undefined ? { carried: trainer.carried } : {}),
        seed: options.seed,
        data: data.fingerprint,
        params: digest(instance.saveParams(params)),
      }),
    onStep: (s) => options.onProgress?.({ iteration: s.taken, iterations, loss: s.loss, gradNorm: s.gradNorm }),
    onEpoch: (report) => {
      appendFileSync(log, `${JSON.stringify(logEntry(report))}\n`);
      options.onEpoch?.({ ...report, ...(epochs !== undefined ? { epochs } : {}) });
    },
    ...(options.shouldStop !== undefined ? { shouldStop: options.shouldStop } : {}),
  });
  return { ...result, iterations, log };
}

function logEntry(r: EpochReport): Record<string, number> {
  return { epoch: r.epoch, step: r.step, loss: r.loss, ...(r.val !== undefined ? { val_loss: r.val.loss } : {}), ...(r.val?.accuracy !== undefined ? { val_accuracy: r.val.accuracy } : {}) };
}

/**
 * A fresh run starts an empty log; a resumed one starts from the lines of the resumed run's log
 * (`from`) for the epochs its checkpoint had finished, dropping any written after the checkpoint.
 */
function prepareLog(path: string, step: number, from: string | undefined): void {
  let kept = "";
  if (from !== undefined) {
    try {
      kept = readFileSync(from, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "" && (JSON.parse(l) as { step: number }).step <= step)
        .map((l) => `${l}\n`)
        .join("");
    } catch {
      kept = "";
    }
  }
  if (kept === "") rmSync(path, { force: true });
  else writeFileAtomic(path, kept);
}

type Result<T> = { ok: true; value: T & { diagnostics: Diagnostic[] } } | { ok: false; diagnostics: Diagnostic[] };

async function prepareText(options: TrainOptions, text: string, kernels: InstanceOptions): Promise<Result<Prepared>> {
  const { dtype } = kernels;
  const vocab = buildVocabulary(text);
  const compiled = await compileCharUnit(options.file, options.source, options.cell, vocab.chars.length, false);
  if (!compiled.unit) return { ok: false, diagnostics: compiled.diagnostics };
  const char = compiled.unit;
  if (vocab.chars.length < 2) throw new TrainInputError(`the data has ${vocab.chars.length} distinct character${vocab.chars.length === 1 ? "" : "s"}; a language model needs at least 2`);
  const sig = char.unit.signature;
  const constraints: DimConstraint[] = Object.entries(char.fixed).map(([d, value]) => ({ dim: Dim.name(d), value, exact: true, what: "" }));
  const dims = resolveDims(sig, options.dims ?? {}, constraints, defaultsFor(sig));
  char.check(dims);
  const data = textData(char, encodeText(text, vocab, "data"), vocab, { batch: options.batch, steps: options.steps, val: options.val ?? 0, dtype });
  const checkMetadata = (m: Readonly<Record<string, string>>) => {
    const a = vocabularyOf(JSON.parse(m["rnnc.vocab"] ?? "[]") as string[]).chars;
    const b = vocab.chars;
    if (a.length !== b.length || a.some((ch, i) => ch !== b[i])) {
      const i = a.findIndex((ch, k) => ch !== b[k]);
      throw new TrainInputError(
        `--resume ${options.resume!.file}: the weights were trained on another vocabulary (${a.length} characters; this data has ${b.length}` +
          `${i >= 0 && i < b.length ? `, and entry ${i} is ${JSON.stringify(a[i])} there but ${JSON.stringify(b[i])} here` : ""}); resume on the same text`,
      );
    }
  };
  return {
    ok: true,
    value: {
      sig,
      instance: char.unit.instantiate(dims, kernels),
      dims,
      data,
      kind: "char-lm",
      checkMetadata,
      setup: { text: { characters: Array.from(text).length, vocabSize: vocab.chars.length, val: data.held } },
      diagnostics: compiled.diagnostics,
    },
  };
}

async function prepareSequences(options: TrainOptions, text: string, kernels: InstanceOptions): Promise<Result<Prepared>> {
  const { dtype } = kernels;
  const compiled = await compileTrainUnit(options.file, options.source, options.cell);
  if (!compiled.unit) return { ok: false, diagnostics: compiled.diagnostics };
  const sig = compiled.unit.signature;
  const val = options.val ?? 0.1;
  const set = readSequences(sig, readJsonLines(options.dataFile, text), { file: options.dataFile, val, seed: options.seed, tokenize: options.tokenize ?? "words" });
  const dims = resolveDims(sig, options.dims ?? {}, set.constraints, defaultsFor(sig));
  const data = sequenceData(sig, set, { batch: options.batch, seed: options.seed, dtype, bytes: options.data, val });
  return {
    ok: true,
    value: {
      sig,
      instance: compiled.unit.instantiate(dims, kernels),
      dims,
      data,
      kind: "sequences",
      setup: { sequences: { train: set.train.length, val: set.val.length, unknownInVal: set.unknownInVal, ...(set.vocab !== undefined ? { vocabSize: set.vocab.length } : {}) } },
      diagnostics: compiled.diagnostics,
    },
  };
}

/** The unit's factory options, checked here so a mistake is a message (the factory's would name its cell). */
function instanceOptions(options: TrainOptions, dtype: Dtype): InstanceOptions {
  const { backend, threads } = options;
  if (backend !== undefined && backend !== "wasm" && backend !== "js") throw new TrainInputError(`--backend must be wasm or js, received ${String(backend)}`);
  if (backend === "wasm" && dtype !== "float32") throw new TrainInputError(`--backend wasm runs float32 only; use --dtype float32, or --backend js for float64`);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) throw new TrainInputError(`--threads must be an integer from 1 to 64, received ${String(threads)}`);
  if (threads !== undefined && threads > 1 && backend === "js") throw new TrainInputError(`--threads ${threads} splits the wasm kernels' work between threads; --backend js runs on one thread`);
  if (threads !== undefined && threads > 1 && dtype !== "float32") throw new TrainInputError(`--threads ${threads} splits the wasm kernels' work between threads, which run float32 only; --dtype ${dtype} runs on the js backend, on one thread`);
  return { dtype, ...(backend !== undefined ? { backend } : {}), ...(threads !== undefined ? { threads } : {}) };
}

function defaultsFor(sig: UnitSignature): Record<string, number> {
  return Object.fromEntries(Object.entries(DEFAULT_DIMS).filter(([d]) => sig.dims.includes(d)));
}

function decode(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TrainInputError(`${file}: not UTF-8 text`);
  }
}

function positive(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TrainInputError(`${option} must be a number > 0, found ${value}`);
  return value;
}
