import { diag } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Unit } from "../../check/unit.js";
import type { Graph } from "../../ir/graph.js";
import { unitGraphs } from "../../ir/unit.js";
import { primary } from "../../diagnostics/diagnostic.js";
import { emitTypeScript } from "./emit.js";
import { RUNTIME_NAMES } from "../../runtime/generated/bundle.js";

export interface CompileTsResult {
  readonly code?: string;
  readonly diagnostics: Diagnostic[];
}

/**
 * Lowers, differentiates and emits a TypeScript module with one factory per unit (and one per cell
 * a model's layers run, each once), or the diagnostics of what this back end cannot build.
 */
export function emitUnits(units: readonly Unit[], file: string): CompileTsResult {
  const clashes = units
    .filter((u) => reservedNames().has(u.name) || u.name.startsWith("PLAN_"))
    .map((u) =>
      diag("RNN6004", { backend: "TypeScript", what: `a ${u.kind} named \`${u.name}\`` }, {
        labels: [primary(u.nameSpan, "the generated module uses this name itself")],
        helps: [`rename the ${u.kind}`],
      }),
    );
  if (clashes.length > 0) return { diagnostics: clashes };
  // Cells first, then the cells models' layers run (imported ones included), each once.
  const ordered = [...units.filter((u) => u.kind === "cell"), ...units.filter((u) => u.kind === "model")];
  const graphs: Graph[] = [];
  const named = new Set<string>();
  for (const u of ordered) for (const g of unitGraphs(u)) if (!named.has(g.cell)) (graphs.push(g), named.add(g.cell));
  const models = units.flatMap((u) => (u.kind === "model" ? [u.model] : []));
  return { code: emitTypeScript(graphs, { source: file }, models), diagnostics: [] };
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
