/**
 * The bridge from a lowered graph to the runtime's initializer: evaluates each param's symbolic
 * shape with concrete dimension values, in declaration order (which is the order the generator
 * stream is consumed in, so it must not change between back ends).
 */
import { checkArraySizes } from "../core/dim-values.js";
import { evaluateShape } from "../core/dims.js";
import type { ParamDecl } from "../ir/graph.js";
import type { InitParamSpec } from "../runtime/random.js";
import { initParams } from "../runtime/random.js";

/** One cell's params as it declares them: what a step graph, or one layer of a unit's signature, holds. */
export interface CellParams {
  readonly cell: string;
  readonly dims: readonly string[];
  readonly params: readonly Pick<ParamDecl, "name" | "shape" | "init">[];
}

/** Checks that every dimension of the cell has a value that is a non-negative integer. */
function checkDims(graph: Pick<CellParams, "cell" | "dims">, dims: Readonly<Record<string, number>>): void {
  for (const name of graph.dims) {
    const value = Object.prototype.hasOwnProperty.call(dims, name) ? dims[name] : undefined;
    if (value === undefined) throw new Error(`cell ${graph.cell}: dimension ${name} has no value`);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`cell ${graph.cell}: dimension ${name} must be a non-negative integer, found ${value}`);
    }
  }
}

/** The cell's params with concrete shapes, in declaration order. */
export function paramSpecs(
  graph: CellParams,
  dims: Readonly<Record<string, number>>,
): InitParamSpec[] {
  checkDims(graph, dims);
  const specs = graph.params.map((p) => ({ name: p.name, shape: evaluateShape(p.shape, dims), init: p.init }));
  checkArraySizes(`cell ${graph.cell}`, dims, Object.fromEntries(specs.map((p) => [p.name, p.shape])));
  return specs;
}

/** `{ name: shape }` for the cell's params, as `paramsFromSafetensors` expects. */
export function paramShapes(
  graph: CellParams,
  dims: Readonly<Record<string, number>>,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of paramSpecs(graph, dims)) {
    Object.defineProperty(out, p.name, { value: [...p.shape], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Initializes the cell's params from `seed`: a pure function of (graph params, dims, seed, dtype). */
export function initGraphParams(
  graph: CellParams,
  dims: Readonly<Record<string, number>>,
  seed: number,
  dtype: "float32" | "float64",
): Record<string, Float32Array | Float64Array> {
  return initParams(paramSpecs(graph, dims), dims, seed, dtype);
}
