/**
 * rnnc's library API: `import { check, compile, exportOnnx, gradcheck, train } from "rnnc"`.
 *
 * Each function takes a .rnn source as text and a way to read the files it imports, and returns
 * plain values with the diagnostics as data (and rendered); none throws for a mistake in the
 * program or the options. This file is a thin layer over the compiler's own entry points; the
 * heavy parts (esbuild for JavaScript, the TypeScript compiler for declarations, protobuf for
 * ONNX, TensorFlow.js for gradcheck's oracle) load on first use. See docs/api.md.
 *
 * @packageDocumentation
 */
import { compileToTypeScript } from "../compiler.js";
import { checkSource } from "../compiler.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostics, type DiagnosticFormat } from "../diagnostics/render.js";
import { readTextFile, withReader, type ReadText } from "../imports/resolve.js";
import { RNNC_VERSION } from "../core/version.js";
import { UserError } from "../core/user-error.js";

export type { Diagnostic, Label, Severity } from "../diagnostics/diagnostic.js";
export type { Span } from "../diagnostics/span.js";
export type { DiagnosticFormat, JsonDiagnostic, JsonLabel } from "../diagnostics/render.js";
export type { GradcheckReport } from "../verify/gradcheck.js";
export { readSafetensors, writeSafetensors } from "../weights/index.js";
export type { SafetensorsDtype, SafetensorsFile, SafetensorsTensor, SafetensorsTensorInput } from "../weights/index.js";

/** The version of rnnc (also named in the header of every generated module). */
export const version: string = RNNC_VERSION;

/**
 * How imported files are read: the text of the file at `path` (the import's path joined to the
 * importing file's folder, `.` and `..` resolved, '/'-separated), or `undefined` if there is none.
 * A plain object maps such paths to texts (an in-memory file system).
 */
export type ReadFile = ((path: string) => string | undefined) | Readonly<Record<string, string>>;

/** What every function takes besides the source text. */
export interface SourceOptions {
  /** The source's file name: shown in diagnostics, and imports are relative to it (default `main.rnn`). */
  readonly file?: string;
  /** How imports are read (default: from disk in Node, relative to the current directory). */
  readonly read?: ReadFile;
}

/** What every function returns: the diagnostics as data and rendered. */
export interface Diagnosed {
  /** True when there is no error (warnings allowed). */
  readonly ok: boolean;
  /** The diagnostics of the source, then of the files it imports. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every source read (this one and its imports) by the file name the diagnostics use. */
  readonly sources: ReadonlyMap<string, string>;
  /** The diagnostics as `rnnc check` prints them (rich, no colour); empty when there are none. */
  readonly rendered: string;
}

/** Renders diagnostics as the CLI does: `rich` (with source lines), `short` (one line each) or `json`. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  options: { readonly format?: DiagnosticFormat; readonly color?: boolean } = {},
): string {
  return diagnostics.length === 0 && options.format !== "json" ? "" : renderDiagnostics(diagnostics, (f) => sources.get(f), options);
}

/** Parses and shape-checks a source and the files it imports. */
export function check(source: string, options: SourceOptions = {}): Diagnosed {
  const file = options.file ?? "main.rnn";
  const result = checkSource(file, source, { read: reader(options.read) });
  return diagnosed(result.diagnostics, result.sources);
}

export interface CompileOptions extends SourceOptions {
  /** Only this cell or model (default: every cell and model of the source). */
  readonly cell?: string;
  /** `ts` (default): a TypeScript module; `js`: JavaScript and its declarations (.d.ts). */
  readonly language?: "ts" | "js";
}

export interface CompileResult extends Diagnosed {
  /** The generated module (TypeScript or JavaScript), when there is no error. */
  readonly code?: string;
  /** For `language: "js"`: the module's declarations (.d.ts). */
  readonly declarations?: string;
}

/** Compiles a source's cells and models to a dependency-free module (forward and backward through time). */
export async function compile(source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const file = options.file ?? "main.rnn";
  const { result, sources } = recording(file, source, options.read, () => compileToTypeScript(file, source, options.cell));
  const { code, diagnostics } = result;
  if (code === undefined || options.language !== "js") return { ...diagnosed(diagnostics, sources), ...(code !== undefined ? { code } : {}) };
  const { transpileModule } = await import("../backends/ts/load.js");
  const { declarationsOf } = await import("../backends/ts/declarations.js");
  return { ...diagnosed(diagnostics, sources), code: transpileModule(code), declarations: declarationsOf(code) };
}

export interface OnnxOptions extends SourceOptions {
  /** The cell or model (default: the first model, else the first cell). */
  readonly cell?: string;
  /** A value for every dimension. */
  readonly dims: Readonly<Record<string, number>>;
  /** T, for the unrolled form (needed there). */
  readonly steps?: number;
  /** `unroll` (default), `scan`, or `native` (ONNX's LSTM/GRU operators). */
  readonly recurrence?: "unroll" | "scan" | "native";
  readonly opset?: number;
  /** Params from the declared initializers with this seed (default 0). */
  readonly seed?: number;
}

export interface OnnxResult extends Diagnosed {
  /** The ONNX model (a serialized ModelProto), when there is no error. */
  readonly bytes?: Uint8Array;
}

/** Exports a cell or a model as an ONNX model. An option the source cannot take (a missing dimension, no `steps` to unroll) is `ok: false` with `optionError`. */
export async function exportOnnx(source: string, options: OnnxOptions): Promise<OnnxResult & { readonly optionError?: string }> {
  const file = options.file ?? "main.rnn";
  const { onnxFromSource } = await import("../compiler.js");
  const { result, sources } = recording(file, source, options.read, () =>
    onnxFromSource(file, source, {
      dims: options.dims,
      recurrence: options.recurrence ?? "unroll",
      ...(options.cell !== undefined ? { cell: options.cell } : {}),
      ...(options.steps !== undefined ? { steps: options.steps } : {}),
      ...(options.opset !== undefined ? { opset: options.opset } : {}),
      weights: { seed: options.seed ?? 0 },
    }),
  );
  const base = diagnosed(result.diagnostics, result.sources ?? sources);
  if (result.optionError !== undefined) return { ...base, ok: false, optionError: result.optionError };
  return { ...base, ...(result.bytes !== undefined ? { bytes: result.bytes } : {}) };
}

export interface GradcheckOptions extends SourceOptions {
  /** The cell or model (default: the first model, else the first cell). */
  readonly cell?: string;
  /** Dimension values (default 3, 4, 5, … in declaration order). */
  readonly dims?: Readonly<Record<string, number>>;
  readonly batch?: number;
  readonly steps?: number;
  readonly seed?: number;
  /** Per-example lengths (a variable-length batch). */
  readonly lengths?: readonly number[];
  /** Also compare with TensorFlow.js's autodiff (default true). */
  readonly oracle?: boolean;
  /** Check the training pass: dropout masks drawn from `seed` (the unit must have dropout). */
  readonly training?: boolean;
}

export interface GradcheckResult extends Diagnosed {
  /** The comparison of every gradient, when the source compiled. */
  readonly report?: import("../verify/gradcheck.js").GradcheckReport;
  /** The report as `rnnc gradcheck` prints it. */
  readonly text?: string;
  /** True when every gradient agrees (and there is no error). */
  readonly pass: boolean;
  /** Why gradcheck could not run (@tensorflow/tfjs is not installed, or an option the unit cannot take). */
  readonly error?: string;
}

/** Checks a cell's or a model's generated gradients against float64 finite differences and TensorFlow.js. */
export async function gradcheck(source: string, options: GradcheckOptions = {}): Promise<GradcheckResult> {
  const file = options.file ?? "main.rnn";
  const { tfjsMissing } = await import("../verify/tfjs-available.js");
  const missing = await tfjsMissing();
  if (missing !== undefined) return { ...diagnosed([], new Map([[file, source]])), ok: false, pass: false, error: missing };
  const { gradcheckSource } = await import("../verify/unit.js");
  const { renderGradcheckReport } = await import("../verify/gradcheck-report.js");
  const recorded = recording(file, source, options.read, () =>
    gradcheckSource(file, source, {
      ...(options.cell !== undefined ? { cell: options.cell } : {}),
      ...(options.dims !== undefined ? { dims: options.dims } : {}),
      batch: options.batch ?? 2,
      steps: options.steps ?? 5,
      seed: options.seed ?? 0,
      ...(options.lengths !== undefined ? { lengths: [...options.lengths] } : {}),
      oracle: options.oracle ?? true,
      ...(options.training === true ? { training: true } : {}),
    }).catch(async (error: unknown) => {
      const { VerifyInputError } = await import("../verify/errors.js");
      if (error instanceof VerifyInputError) return { diagnostics: [], inputError: error.message };
      throw error;
    }),
  );
  const result: Awaited<ReturnType<typeof gradcheckSource>> & { inputError?: string } = await recorded.result;
  if (result.inputError !== undefined) return { ...diagnosed(result.diagnostics, recorded.sources), ok: false, pass: false, error: result.inputError };
  const base = diagnosed(result.diagnostics, recorded.sources);
  if (!result.report) return { ...base, pass: false };
  return { ...base, report: result.report, text: renderGradcheckReport(result.report), pass: base.ok && result.report.pass };
}

export interface TrainOptions extends SourceOptions {
  /** The model or cell (default: the first model, else the first cell). */
  readonly cell?: string;
  /** The training data: a text (a character language model) or JSON Lines (sequences), as `rnnc train --data`. */
  readonly data: string | Uint8Array;
  /** The data's file name, which says whether it is JSON Lines (`.jsonl`) and names it in messages (default `data.txt`). */
  readonly dataFile?: string;
  /** Where the weights go, with the checkpoint's state and the log beside them, as by `rnnc train -o` (default: a scratch folder). */
  readonly output?: string;
  /** Sizes of the dimensions the data does not fix. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Steps per chunk of a text (backpropagation is cut every `steps`; default 32). */
  readonly steps?: number;
  /** Examples per batch (default 16). */
  readonly batch?: number;
  /** Train until this many epochs are complete (default: one, unless `iterations` is given). */
  readonly epochs?: number;
  /** Take at most this many optimizer steps. */
  readonly iterations?: number;
  readonly optimizer?: { readonly name: "adam" | "sgd"; readonly lr?: number; readonly momentum?: number; readonly weightDecay?: number };
  readonly clipNorm?: number;
  readonly clipValue?: number;
  readonly seed?: number;
  readonly dtype?: "float32" | "float64";
  /** Where the kernels run, as `rnnc train --backend` (default: wasm for float32). */
  readonly backend?: "wasm" | "js";
  /** Worker threads of the wasm kernels, as `rnnc train --threads` (default 1); the weights are the same for any number. */
  readonly threads?: number;
  /** Called after every optimizer step. */
  readonly onProgress?: (progress: { readonly iteration: number; readonly iterations: number; readonly loss: number }) => void;
}

export interface TrainResult extends Diagnosed {
  /** The trained params as safetensors (the file written to `output`), with the model's description in its metadata. */
  readonly weights?: Uint8Array;
  /** Each step's loss. */
  readonly losses?: readonly number[];
  /** Why training could not start or went on (a bad option or data, a diverging loss). */
  readonly error?: string;
}

/**
 * Trains a model or cell on a text or JSON Lines data, as `rnnc train` does. The training driver
 * keeps its checkpoints on disk (atomic writes, resumable): beside `output` when given, else in a
 * scratch folder removed afterwards; the final weights come back as bytes either way.
 */
export async function train(source: string, options: TrainOptions): Promise<TrainResult> {
  const file = options.file ?? "main.rnn";
  const { train: run } = await import("../train/train.js");
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const scratch = options.output === undefined ? mkdtempSync(join(tmpdir(), "rnnc-train-")) : undefined;
  const output = options.output ?? join(scratch!, "weights.safetensors");
  const data = typeof options.data === "string" ? new TextEncoder().encode(options.data) : options.data;
  try {
    const recorded = recording(file, source, options.read, () =>
      run({
        file,
        source,
        dataFile: options.dataFile ?? "data.txt",
        data,
        output,
        ...(options.cell !== undefined ? { cell: options.cell } : {}),
        ...(options.dims !== undefined ? { dims: options.dims } : {}),
        steps: options.steps ?? 32,
        batch: options.batch ?? 16,
        // Neither given: one pass over the data.
        ...(options.epochs !== undefined ? { epochs: options.epochs } : options.iterations === undefined ? { epochs: 1 } : {}),
        ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
        optimizer: options.optimizer ?? { name: "adam" },
        ...(options.clipNorm !== undefined ? { clipNorm: options.clipNorm } : {}),
        ...(options.clipValue !== undefined ? { clipValue: options.clipValue } : {}),
        seed: options.seed ?? 0,
        ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
        ...(options.backend !== undefined ? { backend: options.backend } : {}),
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
        ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      }),
    );
    const { result, diagnostics } = await recorded.result;
    const base = diagnosed(diagnostics, recorded.sources);
    if (!result) return base;
    const diverged = result.diverged?.message;
    return { ...base, ...(diverged !== undefined ? { ok: false, error: diverged } : {}), weights: new Uint8Array(readFileSync(output)), losses: result.losses };
  } catch (error) {
    // A mistake in the data, the options or a file (TrainInputError, a bad dimension value, a
    // FileError) is the caller's: a result, not an exception.
    if (!(error instanceof UserError)) throw error;
    return { ...diagnosed([], new Map([[file, source]])), ok: false, error: error.message };
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}

function reader(read: ReadFile | undefined): ReadText | undefined {
  if (read === undefined) return undefined;
  const lookup = typeof read === "function" ? read : (path: string) => (Object.hasOwn(read, path) ? read[path] : undefined);
  return (path) => {
    try {
      const text = lookup(path);
      return typeof text === "string" ? { text } : { error: "no such file" };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
}

/**
 * Runs a compiler entry point with `read` (or the host's disk) as the reader of the imports,
 * keeping every text read, so diagnostics in imported files render with their lines.
 */
function recording<T>(file: string, source: string, read: ReadFile | undefined, run: () => T): { result: T; sources: Map<string, string> } {
  const sources = new Map([[file, source]]);
  const base = reader(read) ?? readTextFile;
  const result = withReader((path) => {
    const r = base(path);
    if ("text" in r) sources.set(path, r.text);
    return r;
  }, run);
  return { result, sources };
}

function diagnosed(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): Diagnosed {
  return { ok: !diagnostics.some((d) => d.severity === "error"), diagnostics, sources, rendered: formatDiagnostics(diagnostics, sources) };
}
