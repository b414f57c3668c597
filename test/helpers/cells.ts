import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compileFile } from "../../src/compiler.js";
import type { Graph } from "../../src/ir/graph.js";
import { unitGraphs } from "../../src/ir/unit.js";
import { ROOT } from "./generated.js";

/** A cell to test: where it is, its dimensions' names, its graph, and its inputs with their sizes. */
export interface TestCell {
  file: string;
  cell: string;
  dims: readonly string[];
  graph: Graph;
  /** The size of the first input (of the only one, for most cells). */
  inputSize: (dims: Record<string, number>) => number;
  /** Every input, in declaration order, with its per-example size. */
  inputs: readonly { name: string; size: (dims: Record<string, number>) => number }[];
  /** Whether the cell has a dropout (then `training` and `seed` mean something). */
  dropout: boolean;
}

/** A test cell of a graph. */
export function testCell(file: string, g: Graph): TestCell {
  const size = (x: Graph["inputs"][number]) => (d: Record<string, number>) => x.shape.reduce((n, e) => n * e.evaluate(d), 1);
  return {
    file,
    cell: g.cell,
    dims: g.dims,
    graph: g,
    inputSize: size(g.inputs[0]!),
    inputs: g.inputs.map((x) => ({ name: x.name, size: size(x) })),
    dropout: g.nodes.some((n) => n.op === "dropout"),
  };
}

/** Every cell each example defines or runs (imported ones included). */
export function exampleCells(): TestCell[] {
  const files = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".rnn")).sort().map((f) => `examples/${f}`);
  return files.flatMap((file) => {
    const front = compileFile(file, readFileSync(join(ROOT, file), "utf8"));
    if (front.units.length === 0) throw new Error(`${file} does not check`);
    // Cells first, then the cells the models' layers run (imported ones included), each once.
    const units = [...front.units.filter((u) => u.kind === "cell"), ...front.units.filter((u) => u.kind === "model")];
    const graphs: Graph[] = [];
    for (const u of units) for (const g of unitGraphs(u)) if (!graphs.some((x) => x.cell === g.cell)) graphs.push(g);
    return graphs.map((g) => testCell(file, g));
  });
}

/** The input argument of forward: one array, or an object of one array per input (`data(n, seed)` makes each). */
export function inputsOf<A>(c: TestCell, d: Record<string, number>, rows: number, seed: number, data: (n: number, seed: number) => A): A | Record<string, A> {
  const arrays = c.inputs.map((x, k) => data(rows * x.size(d), seed + 11 * k));
  return c.inputs.length === 1 ? arrays[0]! : Object.fromEntries(c.inputs.map((x, k) => [x.name, arrays[k]!]));
}

/** Each input's gradient by name (`x` of a one-input cell is its input's). */
export function inputGradients<A>(c: TestCell, g: { x?: A; inputs?: Record<string, A> }): Record<string, A> {
  return c.inputs.length === 1 ? { [c.inputs[0]!.name]: g.x! } : g.inputs!;
}
