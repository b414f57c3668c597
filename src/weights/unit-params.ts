/**
 * A unit's params on the compiler's side: each layer's cell params under their qualified names
 * (`W_ih` for a cell, `l0.W_ih` for a model's layer), their shapes for given dimensions, and their
 * initial values from a seed — the very values the generated module's `init(seed)` gives, so an
 * ONNX export from `--seed N`, `rnnc init --seed N` and a module initialised with N hold the same
 * weights. A cell unit's one layer draws from the seed itself; a model's layer k from
 * `layerSeed(seed, k)` (src/runtime/model.ts).
 */
import type { Dim } from "../core/dims.js";
import type { Unit, UnitLayer } from "../check/unit.js";
import { initGraphParams, paramShapes } from "./graph-params.js";
import { qualified } from "../core/names.js";
import { layerSeed } from "../runtime/random.js";


/** A layer's cell dimensions (`I`, `H` of its cell) evaluated with the unit's. */
export function layerDims(layer: { readonly binding: ReadonlyMap<string, Dim> }, dims: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, d] of layer.binding) out[name] = d.evaluate(dims);
  return out;
}

/** One layer's params as its cell declares them, in the cell's own dimensions (what the initializers read). */
function layerParams(unit: Unit, layer: UnitLayer) {
  return {
    cell: layer.cell.cell.def.name.name,
    dims: layer.cell.cell.dims,
    params: unit.signature.params.filter((p) => p.layer === layer).map((p) => ({ name: p.key.local, shape: p.cellShape, init: p.init })),
  };
}

/** A cell unit's own layer reads the unit's dimensions as they are (and reports a missing one by the cell's name). */
function dimsOf(layer: UnitLayer, dims: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  return layer.name === undefined ? dims : layerDims(layer, dims);
}

function qualify(layer: UnitLayer, name: string): string {
  return layer.name === undefined ? name : qualified(layer.name, name);
}

/** `{ name: shape }` for the unit's params and dimension values, in layer order, as `readWeightsFile` expects. */
export function unitParamShapes(unit: Unit, dims: Readonly<Record<string, number>>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const layer of unit.signature.layers) {
    for (const [name, shape] of Object.entries(paramShapes(layerParams(unit, layer), dimsOf(layer, dims)))) {
      Object.defineProperty(out, qualify(layer, name), { value: shape, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/** Initializes the unit's params from `seed`: a pure function of (signature, dims, seed, dtype), equal to the module's `init(seed)`. */
export function initUnitParams(
  unit: Unit,
  dims: Readonly<Record<string, number>>,
  seed: number,
  dtype: "float32" | "float64",
): Record<string, Float32Array | Float64Array> {
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const layer of unit.signature.layers) {
    const layerSeedOf = layer.name === undefined ? seed : layerSeed(seed, layer.index);
    const params = initGraphParams(layerParams(unit, layer), dimsOf(layer, dims), layerSeedOf, dtype);
    for (const [name, values] of Object.entries(params)) {
      Object.defineProperty(out, qualify(layer, name), { value: values, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/** Every param's name and shape in the unit's dimensions (`[4H, I]`), in layer order. */
export function unitParamDecls(unit: Unit): { readonly name: string; readonly shape: readonly Dim[] }[] {
  return unit.signature.params.map((p) => ({ name: p.name, shape: p.shape }));
}
