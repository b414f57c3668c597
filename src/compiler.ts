import type { CheckResult } from "./check/checker.js";
import type { CheckedModel } from "./check/model-types.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Program } from "./syntax/ast.js";
import { checkFileWithImports, newImportSession, type ReadText } from "./imports/resolve.js";
import { diag } from "./diagnostics/codes.js";
import { lowerCell } from "./ir/lower.js";

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

export interface CompileGraphResult {
  readonly graph?: import("./ir/graph.js").Graph;
  readonly diagnostics: Diagnostic[];
}

/** Parse, check and lower one cell (the first, or `cellName`) to the IR. */
export function compileGraph(file: string, text: string, cellName?: string): CompileGraphResult {
  const { checked, diagnostics } = checkSource(file, text);
  if (diagnostics.some((d) => d.severity === "error") || !checked) return { diagnostics };
  const cell = cellName === undefined ? checked.cells[0] : checked.cells.find((c) => c.def.name.name === cellName);
  if (!cell) return { diagnostics: [...diagnostics, notFound(checked, file, cellName)] };
  return { graph: lowerCell(cell, checked, file), diagnostics };
}


export interface CompileModelResult {
  readonly model?: CheckedModel;
  readonly diagnostics: Diagnostic[];
  readonly sources: ReadonlyMap<string, string>;
}

/**
 * Parse and check a file (with its imports) and return its model: the one named `modelName`, or
 * the file's first model. Every back end's entry point for model files.
 */
export function compileModel(file: string, text: string, modelName?: string, options: CheckOptions = {}): CompileModelResult {
  const { checked, diagnostics, sources, program } = checkSource(file, text, options);
  if (diagnostics.some((d) => d.severity === "error") || !checked) return { diagnostics, sources };
  const model = modelName === undefined ? checked.models[0] : checked.models.find((m) => m.name === modelName);
  if (!model) return { diagnostics: [...diagnostics, notFound(checked, file, modelName)], sources };
  void program;
  return { model, diagnostics, sources };
}

/**
 * What a command compiles from a file when asked for `name` (a cell or a model) or nothing: a
 * file that defines a model is a model file (its cells are the model's building blocks), so
 * without a name its first model is meant; otherwise its first cell.
 */
export function definesModel(file: string, text: string, name?: string): boolean {
  const parsed = checkSource(file, text);
  const items = parsed.program.items;
  if (name !== undefined) return items.some((i) => i.kind === "model" && i.name.name === name);
  return items.some((i) => i.kind === "model");
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
