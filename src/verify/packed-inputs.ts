import { evaluateShape } from "../core/dims.js";
import type { Graph } from "../ir/graph.js";
import type { CellKernel, GradientSeeds, Gradients, RunOptions, RunResult } from "./contract.js";
import { expectArray } from "./errors.js";

/**
 * A cell with several inputs is checked as one with a single packed input `x`: at each step and
 * example, the inputs' values side by side, flattened, in the order the cell declares them. The
 * verifier's finite differences, its tfjs oracle and its reports then need nothing new; this file
 * holds the layout and the adapter that turns the generated module's several-input API
 * (`forward(params, { x, u }, …)`, `g.inputs.x`) into the packed one.
 */
export interface PackedInput {
  readonly name: string;
  readonly node: number;
  /** The input's own per-example shape, evaluated. */
  readonly shape: number[];
  /** Where its elements start in a packed row, and how many there are. */
  readonly offset: number;
  readonly size: number;
}

export function packedInputs(graph: Graph, dims: Readonly<Record<string, number>>): PackedInput[] {
  let offset = 0;
  return graph.inputs.map((x) => {
    const shape = evaluateShape(x.shape, dims);
    const size = shape.reduce((a, b) => a * b, 1);
    const p = { name: x.name, node: x.node, shape, offset, size };
    offset += size;
    return p;
  });
}

/** Splits a packed [T·B, total] array into one [T·B, size] array per input. */
export function unpack(layout: readonly PackedInput[], x: ArrayLike<number>): Record<string, Float64Array> {
  const total = layout.reduce((s, p) => s + p.size, 0);
  const rows = x.length / total;
  const out: Record<string, Float64Array> = {};
  for (const p of layout) {
    const a = new Float64Array(rows * p.size);
    for (let r = 0; r < rows; r++) for (let j = 0; j < p.size; j++) a[r * p.size + j] = x[r * total + p.offset + j]!;
    out[p.name] = a;
  }
  return out;
}

/** The inverse of `unpack`. */
export function pack(layout: readonly PackedInput[], parts: Readonly<Record<string, ArrayLike<number>>>, rows: number): Float64Array {
  const total = layout.reduce((s, p) => s + p.size, 0);
  const x = new Float64Array(rows * total);
  for (const p of layout) {
    const a = expectArray(`kernel.backward: gradient of input \`${p.name}\``, parts[p.name], [rows, p.size]);
    for (let r = 0; r < rows; r++) for (let j = 0; j < p.size; j++) x[r * total + p.offset + j] = a[r * p.size + j]!;
  }
  return x;
}

/** The module's several-input cell seen through the packed single-input contract. */
export function packedKernel<Run extends RunResult>(graph: Graph, kernel: CellKernel<Run>, dims: Readonly<Record<string, number>>): CellKernel<Run> {
  const layout = packedInputs(graph, dims);
  type Several = {
    forward(params: Readonly<Record<string, Float64Array>>, inputs: Record<string, Float64Array>, options: RunOptions): Run;
    backward(run: Run, seeds: GradientSeeds): Omit<Gradients, "x"> & { inputs: Record<string, Float64Array> };
  };
  const several = kernel as unknown as Several;
  return {
    ...(kernel.paramShapes ? { paramShapes: kernel.paramShapes } : {}),
    init: (seed) => kernel.init(seed),
    forward: (params, x, options) => several.forward(params, unpack(layout, x), options),
    backward: (run, seeds) => {
      const g = several.backward(run, seeds);
      const first = g.inputs?.[layout[0]!.name];
      const rows = first === undefined ? 0 : Math.floor(first.length / layout[0]!.size);
      return { params: g.params, initial: g.initial, x: pack(layout, g.inputs ?? {}, rows) };
    },
  };
}
