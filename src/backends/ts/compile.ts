import { diag } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { checkSource } from "../../compiler.js";
import { lowerCell } from "../../ir/lower.js";
import { emitTypeScript } from "./emit.js";


export interface CompileTsResult {
  readonly code?: string;
  readonly diagnostics: Diagnostic[];
}

/** Parse, check, lower, differentiate and emit a TypeScript module with one factory per cell. */
export function compileToTypeScript(file: string, text: string, cellName?: string): CompileTsResult {
  const { checked, diagnostics } = checkSource(file, text);
  if (diagnostics.some((d) => d.severity === "error") || !checked) return { diagnostics };
  const cells = cellName === undefined ? checked.cells : checked.cells.filter((c) => c.def.name.name === cellName);
  if (cells.length === 0) {
    const available = checked.cells.map((c) => `\`${c.def.name.name}\``).join(", ");
    const d = cellName === undefined ? diag("RNN6003", { file }) : diag("RNN6002", { name: cellName, file, available: available || "no cells" });
    return { diagnostics: [...diagnostics, d] };
  }
  const graphs = cells.map((c) => lowerCell(c, checked, file));
  return { code: emitTypeScript(graphs, { source: file }), diagnostics };
}
