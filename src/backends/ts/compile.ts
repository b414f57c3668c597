import { diag } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { checkSource, notFound } from "../../compiler.js";
import { lowerCell } from "../../ir/lower.js";
import { primary } from "../../diagnostics/diagnostic.js";
import { emitTypeScript } from "./emit.js";
import { RUNTIME_NAMES } from "../../runtime/generated/bundle.js";
import { modelCellGraphs } from "./model.js";

export interface CompileTsResult {
  readonly code?: string;
  readonly diagnostics: Diagnostic[];
}

/** Parse, check, lower, differentiate and emit a TypeScript module with one factory per cell. */
export function compileToTypeScript(file: string, text: string, cellName?: string): CompileTsResult {
  const { checked, diagnostics } = checkSource(file, text);
  if (diagnostics.some((d) => d.severity === "error") || !checked) return { diagnostics };
  const models = cellName === undefined ? checked.models : checked.models.filter((m) => m.name === cellName);
  const cells = cellName === undefined ? checked.cells : checked.cells.filter((c) => c.def.name.name === cellName);
  if (cells.length === 0 && models.length === 0) return { diagnostics: [...diagnostics, notFound(checked, file, cellName)] };
  const clashes = [...cells.map((c) => ({ kind: "cell", name: c.def.name })), ...models.map((m) => ({ kind: "model", name: m.def.name }))]
    .filter((c) => reservedNames().has(c.name.name) || c.name.name.startsWith("PLAN_"))
    .map((c) =>
      diag("RNN6004", { backend: "TypeScript", what: `a ${c.kind} named \`${c.name.name}\`` }, {
        labels: [primary(c.name.span, "the generated module uses this name itself")],
        helps: [`rename the ${c.kind}`],
      }),
    );
  if (clashes.length > 0) return { diagnostics: [...diagnostics, ...clashes] };
  const graphs = cells.map((c) => lowerCell(c, checked, file));
  // The cells a model's layers run (imported ones included), each once.
  const named = new Set(graphs.map((g) => g.cell));
  for (const m of models) for (const g of modelCellGraphs(m)) if (!named.has(g.cell)) (graphs.push(g), named.add(g.cell));
  return { code: emitTypeScript(graphs, { source: file }, models), diagnostics };
}

let reserved: Set<string> | undefined;

/**
 * Names a cell (whose name becomes an exported function) must not take: the embedded
 * runtime's own declarations, the module's shared types, and the globals it relies on.
 */
function reservedNames(): Set<string> {
  if (!reserved) {
    const globals = ["DType", "ArrayOf", "Math", "Number", "Object", "Array", "Error", "JSON", "String", "Set", "Map", "BigInt", "Float32Array", "Float64Array", "Int32Array", "Uint8Array", "DataView", "ArrayBuffer", "TextDecoder", "TextEncoder", "Symbol", "Infinity", "NaN", "undefined"];
    reserved = new Set([...RUNTIME_NAMES, ...globals]);
  }
  return reserved;
}
