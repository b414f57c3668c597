/**
 * A model's params on the compiler's side: the layers' cell params under `layer.param` names, their
 * shapes for given model dimensions, and their initial values from a seed — the very values the
 * generated module's `init(seed)` gives (src/runtime/model.ts), so an ONNX export from
 * `--seed N` and a module initialised with N hold the same weights.
 */
import type { Dim } from "../core/dims.js";
import type { CheckedModel, ModelLayer } from "../check/model-types.js";
import { cellGraph } from "../check/model-layers.js";
import { initGraphParams, paramShapes } from "./graph-params.js";
import { qualified } from "../core/names.js";
import { layerSeed } from "../runtime/random.js";

/** A layer's cell dimensions (`I`, `H` of its cell) evaluated with the model's. */
export function layerDims(layer: ModelLayer, dims: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, d] of layer.binding) out[name] = d.evaluate(dims);
  return out;
}

/** Every layer's params as `layer.param` with its shape in the model's dimensions (`[4H, I]`), in layer order. */
export function modelParamDecls(model: CheckedModel): { readonly name: string; readonly shape: readonly Dim[] }[] {
  return model.layers.flatMap((l) => cellGraph(l.cell).params.map((p) => ({ name: qualified(l.name, p.name), shape: p.shape.map((d) => d.substitute(l.binding)) })));
}

/** `{ "layer.param": shape }` for the model's dimension values, as `readWeightsFile` expects. */
export function modelParamShapes(model: CheckedModel, dims: Readonly<Record<string, number>>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of model.layers) {
    for (const [name, shape] of Object.entries(paramShapes(cellGraph(l.cell), layerDims(l, dims)))) out[qualified(l.name, name)] = shape;
  }
  return out;
}

/**
 * Initializes every layer's params from `seed`: layer k (in declaration order) with its cell's
 * initializers from `layerSeed(seed, k)`. Equal to the generated module's `init(seed)`.
 */
export function initModelParams(
  model: CheckedModel,
  dims: Readonly<Record<string, number>>,
  seed: number,
  dtype: "float32" | "float64",
): Record<string, Float32Array | Float64Array> {
  const out: Record<string, Float32Array | Float64Array> = {};
  model.layers.forEach((l, k) => {
    const params = initGraphParams(cellGraph(l.cell), layerDims(l, dims), layerSeed(seed, k), dtype);
    for (const [name, values] of Object.entries(params)) out[qualified(l.name, name)] = values;
  });
  return out;
}
