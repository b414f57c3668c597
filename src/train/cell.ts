import { evaluateShape } from "../core/dims.js";
import { compileGraph } from "../compiler.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Graph } from "../ir/graph.js";
import { compileToTypeScript } from "../compiler.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import { TrainInputError } from "./errors.js";
import type { TrainableCell } from "./trainer.js";

export type Dtype = "float32" | "float64";

/** A cell compiled to its TypeScript module and loaded, ready to be instantiated for sizes. */
export interface CompiledCell {
  /** The cell's IR: its dimensions, input, states and outputs, for checking a training setup. */
  readonly graph: Graph;
  /** `Cell(dims, { dtype })` of the generated module. */
  readonly instantiate: (dims: Readonly<Record<string, number>>, dtype: Dtype) => TrainableCell;
}

/**
 * Compiles one cell of a source file (the first, or `cellName`) with the TypeScript back end and
 * loads the module in this process. Errors in the program come back as diagnostics.
 */
export async function compileCell(file: string, text: string, cellName?: string): Promise<{ cell?: CompiledCell; diagnostics: Diagnostic[] }> {
  const lowered = compileGraph(file, text, cellName);
  if (!lowered.graph) return { diagnostics: lowered.diagnostics };
  const graph = lowered.graph;
  const compiled = compileToTypeScript(file, text, graph.cell);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const factory = module[graph.cell] as (dims: Readonly<Record<string, number>>, options: { dtype: Dtype }) => TrainableCell;
  return { cell: { graph, instantiate: (dims, dtype) => factory(dims, { dtype }) }, diagnostics: lowered.diagnostics };
}

/** Numbers per step of the cell's input, for these dimension values. */
export function inputSize(graph: Graph, dims: Readonly<Record<string, number>>): number {
  return evaluateShape(graph.inputs[0]!.shape, dims).reduce((a, b) => a * b, 1);
}

/** Numbers per step of output `name`, or undefined when the cell has no such output. */
export function outputSize(graph: Graph, name: string, dims: Readonly<Record<string, number>>): number | undefined {
  const output = graph.outputs.find((o) => o.name === name);
  if (output === undefined) return undefined;
  return evaluateShape(graph.nodes[output.node]!.shape, dims).reduce((a, b) => a * b, 1);
}

/**
 * Every dimension of the cell with a value: `given` (from --dims) over `defaults`, with `fixed`
 * (what the data decides, like V) winning but refusing a different value in `given`. A missing
 * dimension or one the cell does not have is an error naming it.
 */
export function resolveDims(
  graph: Pick<Graph, "dims" | "cell"> & { readonly kind?: "cell" | "model" },
  given: Readonly<Record<string, number>>,
  fixed: Readonly<Record<string, number>>,
  defaults: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const owner = `${graph.kind ?? "cell"} ${graph.cell}`;
  const dims: Record<string, number> = {};
  const unknown = Object.keys(given).filter((d) => !graph.dims.includes(d));
  if (unknown.length > 0) {
    throw new TrainInputError(`--dims: ${owner} has no dimension ${unknown.join(", ")} (its dimensions are ${graph.dims.join(", ")})`);
  }
  const missing: string[] = [];
  for (const d of graph.dims) {
    const value = fixed[d] ?? given[d] ?? defaults[d];
    if (fixed[d] !== undefined && given[d] !== undefined && given[d] !== fixed[d]) {
      throw new TrainInputError(`--dims: ${d}=${given[d]}, but the data fixes ${d} at ${fixed[d]}`);
    }
    if (value === undefined) missing.push(d);
    else dims[d] = value;
  }
  if (missing.length > 0) throw new TrainInputError(`--dims must give ${missing.join(", ")} (${owner} has dimensions ${graph.dims.join(", ")})`);
  return dims;
}
