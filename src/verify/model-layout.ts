/**
 * A checked model at concrete dimensions: what `rnnc gradcheck` needs to draw a problem for a
 * model and what the tfjs model oracle needs to run it. Everything here is read from the
 * checked model (src/check/model-types.ts) and the layers' cell IR graphs — never from the
 * generated module, whose shapes are checked against it.
 */
import { evaluateShape } from "../core/dims.js";
import type { CheckedModel, ModelType } from "../check/model-types.js";
import { layerGraph } from "../ir/lower.js";
import type { Graph } from "../ir/graph.js";
import { VerifyInputError } from "./errors.js";
import { qualified } from "../core/names.js";
import { storedParam } from "../check/model-ties.js";

type Dims = Readonly<Record<string, number>>;

export interface LayoutLayer {
  readonly name: string;
  readonly graph: Graph;
  /** The cell's own dimensions, from the layer's binding. */
  readonly dims: Dims;
}

/** A tensor of the model's caller, named as the generated module names it. */
export interface LayoutTensor {
  /** `layer.param` or `layer.state`. */
  readonly name: string;
  readonly layer: string;
  /** The cell's name for it (`W_ih`, `h`). */
  readonly local: string;
  /** Per example for a state ([H]), whole for a param ([4H, I]). */
  readonly shape: number[];
}

export interface LayoutInput {
  readonly name: string;
  readonly kind: "vector" | "index";
  readonly size: number;
  readonly once: boolean;
  readonly node: number;
}

export interface ModelLayout {
  readonly model: CheckedModel;
  readonly dims: Dims;
  readonly layers: readonly LayoutLayer[];
  /** Every layer's params, in layer order and then the cell's declaration order; a tied param is stored as its owner (not listed). */
  readonly params: readonly LayoutTensor[];
  /** The states of every layer that runs, in layer order. */
  readonly states: readonly LayoutTensor[];
  /** Each node's vector width, or its id range for ids. */
  readonly widths: readonly number[];
  /** The model's inputs in declaration order: per step ([T, B, …]) or `once` per sequence ([B, …]). */
  readonly inputs: ReadonlyArray<LayoutInput>;
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly node: number; readonly once: boolean; readonly width: number }>;
  readonly targets: ReadonlyArray<{ readonly name: string; readonly kind: "vector" | "index"; readonly size: number; readonly once: boolean }>;
}

function sizeOfType(t: ModelType, dims: Dims): number {
  return (t.kind === "vector" ? t.width : t.size).evaluate(dims);
}

/** The model at `dims` (every model dimension an integer ≥ 1, else `VerifyInputError`). */
export function modelLayout(model: CheckedModel, dims: Dims): ModelLayout {
  for (const name of model.dims) {
    const v = dims[name];
    if (v === undefined || !Number.isInteger(v) || v < 1) {
      throw new VerifyInputError(`dimension ${name} of model ${model.name}: expected an integer ≥ 1, found ${v ?? "nothing"}`);
    }
  }
  const layers = model.layers.map((l): LayoutLayer => {
    const graph = layerGraph(l.cell);
    const cellDims: Record<string, number> = {};
    for (const d of graph.dims) cellDims[d] = l.binding.get(d)!.evaluate(dims);
    return { name: l.name, graph, dims: cellDims };
  });
  const params: LayoutTensor[] = [];
  const states: LayoutTensor[] = [];
  for (const l of layers) {
    for (const p of l.graph.params) if (storedParam(model, l.name, p.name) === qualified(l.name, p.name)) params.push({ name: qualified(l.name, p.name), layer: l.name, local: p.name, shape: evaluateShape(p.shape, l.dims) });
    if (!model.runs.some((r) => r.layer === l.name)) continue;
    for (const s of l.graph.states) states.push({ name: qualified(l.name, s.name), layer: l.name, local: s.name, shape: evaluateShape(s.shape, l.dims) });
  }
  const widths = model.nodes.map((n) => sizeOfType(n.type, dims));
  return {
    model,
    dims,
    layers,
    params,
    states,
    widths,
    inputs: model.inputs.map((i) => ({ name: i.name, kind: i.type.kind, size: sizeOfType(i.type, dims), once: i.timing === "once", node: i.node })),
    outputs: model.outputs.map((o) => ({ name: o.name, node: o.node, once: model.nodes[o.node]!.timing === "once", width: widths[o.node]! })),
    targets: model.targets.map((t) => ({ name: t.name, kind: t.type.kind, size: sizeOfType(t.type, dims), once: t.timing === "once" })),
  };
}
