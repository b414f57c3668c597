import type { CheckResult } from "./check/checker.js";
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
  if (!cell) {
    const available = checked.cells.map((c) => `\`${c.def.name.name}\``).join(", ");
    const d = cellName === undefined ? diag("RNN6003", { file }) : diag("RNN6002", { name: cellName, file, available: available || "no cells" });
    return { diagnostics: [...diagnostics, d] };
  }
  return { graph: lowerCell(cell, checked, file), diagnostics };
}

