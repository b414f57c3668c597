import type { CheckResult } from "./check/checker.js";
import type { CheckedModel } from "./check/model-types.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Program } from "./syntax/ast.js";
import { checkFileWithImports, newImportSession, type ReadText } from "./imports/resolve.js";
import { diag } from "./diagnostics/codes.js";
import type { Graph } from "./ir/graph.js";
import { unitGraphs } from "./ir/unit.js";
import type { Unit } from "./check/unit.js";
import { emitUnits, type CompileTsResult } from "./backends/ts/compile.js";
import { onnxFromUnit, type OnnxFromUnitOptions, type OnnxFromUnitResult } from "./backends/onnx/from-unit.js";

/**
 * The compiler's library API: each function runs the pipeline as far as it needs and
 * returns its value with the diagnostics; none throws for a user's mistake.
 */

export interface CheckSourceResult {
  readonly program: Program;
  readonly checked?: CheckResult;
  /** This file's diagnostics, then those of the files it imports. */
  readonly diagnostics: Diagnostic[];
  /** Every source text read (this file and its imports), by the name their spans use. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface CheckOptions {
  /** How imported files are read (default: from disk, relative to the importing file). */
  readonly read?: ReadText;
}

/**
 * Parse and check one file, and the files it imports. The checker runs on what the parser
 * recovered, so one run shows syntax and shape errors together.
 */
export function checkSource(file: string, text: string, options: CheckOptions = {}): CheckSourceResult {
  const session = newImportSession(options.read);
  const result = checkFileWithImports(file, text, session);
  return { program: result.program, checked: result.checked, diagnostics: [...result.checked.diagnostics, ...session.diagnostics], sources: session.sources };
}

export interface FrontEnd extends CheckSourceResult {
  /** The file's cells, then its models, as compilation units — none after an error. */
  readonly units: readonly Unit[];
  readonly file: string;
}

/**
 * The front end, run once per command: parse and check a file with its imports, and give its
 * units (cells and models, each with its signature) when it has no errors.
 */
export function compileFile(file: string, text: string, options: CheckOptions = {}): FrontEnd {
  const result = checkSource(file, text, options);
  const ok = result.checked !== undefined && !result.diagnostics.some((d) => d.severity === "error");
  return { ...result, file, units: ok ? result.checked!.units : [] };
}

export interface CompileUnitResult {
  readonly unit?: Unit;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * The unit a command compiles from a file: the cell or model called `name`, or without a name
 * the file's first model, else its first cell — a file that defines a model is a model file (its
 * cells are the model's building blocks).
 */
export function selectUnit(front: FrontEnd, name?: string): CompileUnitResult {
  const { diagnostics, sources } = front;
  if (diagnostics.some((d) => d.severity === "error") || !front.checked) return { diagnostics, sources };
  const unit = name === undefined ? programUnits(front)[0] : front.units.find((u) => u.name === name);
  if (!unit) return { diagnostics: [...diagnostics, notFound(front.checked, front.file, name)], sources };
  return { unit, diagnostics, sources };
}

/**
 * The units a file offers as programs: its models if it defines any — a file that defines a model
 * is a model file, its cells are the model's building blocks — else its cells.
 */
export function programUnits(front: FrontEnd): readonly Unit[] {
  const models = front.units.filter((u) => u.kind === "model");
  return models.length > 0 ? models : front.units;
}

/** The units `rnnc compile` puts in one module: every unit of the file, or the ones called `name`. */
export function selectUnits(front: FrontEnd, name?: string): { readonly units: readonly Unit[]; readonly diagnostics: Diagnostic[] } {
  const { diagnostics } = front;
  if (diagnostics.some((d) => d.severity === "error") || !front.checked) return { units: [], diagnostics };
  const units = name === undefined ? front.units : front.units.filter((u) => u.name === name);
  if (units.length === 0) return { units, diagnostics: [...diagnostics, notFound(front.checked, front.file, name)] };
  return { units, diagnostics };
}

/** `compileFile` then `selectUnit`: the one entry point from a file's text to its unit. */
export function compileUnit(file: string, text: string, name?: string, options: CheckOptions = {}): CompileUnitResult {
  return selectUnit(compileFile(file, text, options), name);
}

export interface CompileGraphResult {
  readonly graph?: Graph;
  readonly diagnostics: Diagnostic[];
}

/** A cell's step graph (the first cell, or `cellName`): `compileUnit` and lowering, for tests and tools. */
export function compileGraph(file: string, text: string, cellName?: string): CompileGraphResult {
  const front = compileFile(file, text);
  const cells = { ...front, units: front.units.filter((u) => u.kind === "cell") };
  const { unit, diagnostics } = selectUnit(cells, cellName);
  return unit ? { graph: unitGraphs(unit)[0]!, diagnostics } : { diagnostics };
}

export interface CompileModelResult {
  readonly model?: CheckedModel;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/** A file's model (the first, or `modelName`) as checked data: `compileUnit` for tests and tools. */
export function compileModel(file: string, text: string, modelName?: string, options: CheckOptions = {}): CompileModelResult {
  const front = compileFile(file, text, options);
  const { unit, diagnostics, sources } = selectUnit({ ...front, units: front.units.filter((u) => u.kind === "model") }, modelName);
  return unit?.kind === "model" ? { model: unit.model, diagnostics, sources } : { diagnostics, sources };
}

/**
 * The diagnostic for a name (`--cell NAME`) the file does not define as a cell or model — listing
 * what it does define — or, without a name, for a file that defines neither.
 */
export function notFound(checked: CheckResult, file: string, name: string | undefined): Diagnostic {
  if (name === undefined) return diag("RNN6003", { file });
  const available = [...checked.cells.map((c) => `cell \`${c.def.name.name}\``), ...checked.models.map((m) => `model \`${m.name}\``)].join(", ");
  return diag("RNN6002", { name, file, available: available || "no cells or models" });
}

/** A TypeScript module of the file's units (every cell and model, or the one called `name`): the library side of `rnnc compile`. */
export function compileToTypeScript(file: string, text: string, name?: string): CompileTsResult {
  const selected = selectUnits(compileFile(file, text), name);
  if (selected.units.length === 0) return { diagnostics: selected.diagnostics };
  const emitted = emitUnits(selected.units, file);
  return { ...emitted, diagnostics: [...selected.diagnostics, ...emitted.diagnostics] };
}

export interface OnnxFromSourceOptions extends Omit<OnnxFromUnitOptions, "sources"> {
  /** The cell or model to export; absent, the file's first model, or its first cell if it has none. */
  readonly cell?: string;
}

export interface OnnxFromSourceResult extends OnnxFromUnitResult {
  readonly unit?: Unit;
  /** The text of every file read (it and its imports), to render diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
}

/** ONNX bytes of a file's unit (`cell`, or the default unit): the library side of `rnnc onnx`. */
export function onnxFromSource(file: string, text: string, options: OnnxFromSourceOptions): OnnxFromSourceResult {
  const { unit, diagnostics, sources } = compileUnit(file, text, options.cell);
  if (!unit) return { diagnostics, sources };
  const { cell: _cell, ...rest } = options;
  const result = onnxFromUnit(unit, { ...rest, sources });
  return { ...result, unit, diagnostics: [...diagnostics, ...result.diagnostics], sources };
}
