/**
 * A unit's params on the compiler's side: each layer's cell params under their qualified names
 * (`W_ih` for a cell, `l0.W_ih` for a model's layer), their shapes for given dimensions, and their
 * initial values from a seed — the very values the generated module's `init(seed)` gives, so an
 * ONNX export from `--seed N`, `rnnc init --seed N` and a module initialised with N hold the same
 * weights. A cell unit's one layer draws from the seed itself; a model's layer k from
 * `layerSeed(seed, k)` (src/runtime/model.ts). A tied param (`tie readout.W = embed.W`) is stored
 * only under its owner's name, with the owner's values: its layer still draws it (so the layer's
 * other params get the values they would untied) and the draw is dropped.
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

/** One layer's params as its cell declares them, in the cell's own dimensions (what the initializers read), tied ones included. */
function layerParams(layer: UnitLayer) {
  const cell = layer.cell.cell;
  return { cell: cell.def.name.name, dims: cell.dims, params: cell.params.map((p) => ({ name: p.name, shape: p.shape, init: p.init })) };
}

/** The names a tie replaces: in no params record. */
function tiedNames(unit: Unit): ReadonlySet<string> {
  return new Set(unit.signature.ties.map((t) => t.name));
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
  const tied = tiedNames(unit);
  for (const layer of unit.signature.layers) {
    for (const [name, shape] of Object.entries(paramShapes(layerParams(layer), dimsOf(layer, dims)))) {
      if (tied.has(qualify(layer, name))) continue;
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
  const tied = tiedNames(unit);
  for (const layer of unit.signature.layers) {
    const layerSeedOf = layer.name === undefined ? seed : layerSeed(seed, layer.index);
    const params = initGraphParams(layerParams(layer), dimsOf(layer, dims), layerSeedOf, dtype);
    for (const [name, values] of Object.entries(params)) {
      if (tied.has(qualify(layer, name))) continue;
      Object.defineProperty(out, qualify(layer, name), { value: values, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/** The unit's tied params → the params storing them (`readout.W` → `embed.W`), as `readWeightsFile`'s `tied`. */
export function unitTies(unit: Unit): Record<string, string> {
  return Object.fromEntries(unit.signature.ties.map((t) => [t.name, t.owner.name]));
}

/** Every param's name and shape in the unit's dimensions (`[4H, I]`), in layer order. */
export function unitParamDecls(unit: Unit): { readonly name: string; readonly shape: readonly Dim[] }[] {
  return unit.signature.params.map((p) => ({ name: p.name, shape: p.shape }));
}
