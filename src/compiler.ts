import { check, type CheckResult } from "./check/checker.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Program } from "./syntax/ast.js";
import { parse } from "./syntax/parse.js";
import { diag } from "./diagnostics/codes.js";
import { lowerCell } from "./ir/lower.js";

/**
 * The compiler's library API: each function runs the pipeline as far as it needs and
 * returns its value with the diagnostics; none throws for a user's mistake.
 */

export interface CheckSourceResult {
  readonly program: Program;
  readonly checked?: CheckResult;
  readonly diagnostics: Diagnostic[];
}

/** Parse and check one file. The checker runs on what the parser recovered, so one run shows syntax and shape errors together. */
export function checkSource(file: string, text: string): CheckSourceResult {
  const parsed = parse(file, text);
  const checked = check(parsed.program, text);
  return { program: parsed.program, checked, diagnostics: [...parsed.diagnostics, ...checked.diagnostics] };
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

