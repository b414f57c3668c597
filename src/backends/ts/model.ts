import type { Dim } from "../../core/dims.js";
import type { CheckedModel, ModelType } from "../../check/model-types.js";
import { layerGraph } from "../../ir/lower.js";
import type { LinearDim, LossKindData, ModelPlan, PlanNode, SeqOpKind } from "../../runtime/model.js";
import type { LossKind, SeqOp } from "../../core/seq-ops.js";
import { qualified } from "../../core/names.js";

/**
 * A model in the generated module: its plan as data (for the embedded driver in runtime/model.ts)
 * and a typed factory around it. The cells its layers use are emitted as ordinary cell factories;
 * the driver calls their forward and backward kernels.
 */

export function linear(d: Dim): LinearDim {
  return { c: d.constant, t: d.terms.map(([n, k]) => [n, k] as const) };
}

function sizeOf(t: ModelType): Dim {
  return t.kind === "vector" ? t.width : t.size;
}

/** The plan the driver runs: the checked model with dimensions as linear forms. */
export function modelPlan(model: CheckedModel): ModelPlan {
  const nodes: PlanNode[] = model.nodes.map((n) => {
    const base = { width: linear(sizeOf(n.type)), once: n.timing === "once", ...(n.type.kind === "index" ? { ids: true } : {}) };
    switch (n.op) {
      case "input":
        return { ...base, op: "input", name: n.name };
      case "onehot":
      case "reverse":
      case "last":
      case "mean_over_time":
      case "max_over_time":
        return { ...base, op: n.op, arg: n.arg };
      case "dropout":
        return { ...base, op: "dropout", arg: n.arg, p: n.p };
      case "unary":
        return { ...base, op: "unary", fn: n.fn, arg: n.arg, attrs: n.attrs };
      case "number":
        return { ...base, op: "number", value: n.value };
      case "concat":
        return { ...base, op: "concat", args: n.args };
      case "binary":
        return { ...base, op: "binary", fn: n.fn, args: n.args };
      case "apply":
        return { ...base, op: "apply", run: n.run, output: n.output };
    }
  });
  return {
    name: model.name,
    dims: model.dims,
    inputs: model.inputs.map((i) => ({ name: i.name, kind: i.type.kind, size: linear(sizeOf(i.type)), once: i.timing === "once" })),
    layers: model.layers.map((l) => {
      const cell = l.cell.cell;
      const layer = {
        name: l.name,
        cell: cell.def.name.name,
        dims: Object.fromEntries([...l.binding].map(([k, v]) => [k, linear(v)])),
        ...(layerHasDropout(l) ? { dropout: true as const } : {}),
      };
      // A cell with several inputs takes them as an object keyed by their names.
      return cell.inputs.length > 1 ? { ...layer, inputs: cell.inputs.map((x) => x.name) } : layer;
    }),
    runs: model.runs.map((r) => ({ layer: r.layer, args: r.args, once: r.timing === "once" })),
    states: modelNames(model).states.map((s) => s.name),
    nodes,
    outputs: model.outputs.map((o) => ({ name: o.name, node: o.node })),
    targets: model.targets.map((t) => ({ name: t.name, kind: t.type.kind, size: linear(sizeOf(t.type)), once: t.timing === "once" })),
    losses: model.losses.map((l) => ({ kind: l.kind, pred: l.pred, target: l.target })),
    // Only a model with ties has them: every other plan (and generated module) is as before.
    ...(model.ties.length > 0 ? { ties: model.ties.map((t) => ({ param: qualified(t.layer, t.param), owner: qualified(t.owner.layer, t.owner.param) })) } : {}),
  };
}

/** True when the layer's cell has a `dropout(…)` (it then takes `training` and a seed). */
export function layerHasDropout(layer: CheckedModel["layers"][number]): boolean {
  return layerGraph(layer.cell).nodes.some((n) => n.op === "dropout");
}

/** True when a model has dropout: its own `dropout(…)`, or in a layer's cell. */
export function modelHasDropout(model: CheckedModel): boolean {
  return model.nodes.some((n) => n.op === "dropout") || model.layers.some(layerHasDropout);
}

export interface ModelNames {
  /** `layer.param` → shape in words, in layer order. */
  readonly params: readonly { readonly name: string; readonly shape: string }[];
  readonly states: readonly { readonly name: string; readonly shape: string }[];
}

/** The model's parameter and state names (`l0.W_ih`, `l0.h`), with their shapes in the model's dimensions; a tied param is stored as its owner. */
export function modelNames(model: CheckedModel): ModelNames {
  const params: { name: string; shape: string }[] = [];
  const states: { name: string; shape: string }[] = [];
  const tied = new Set(model.ties.map((t) => qualified(t.layer, t.param)));
  for (const l of model.layers) {
    const g = layerGraph(l.cell);
    const subst = (shape: readonly Dim[]) => `[${shape.map((d) => d.substitute(l.binding).toString()).join(", ")}]`;
    for (const p of g.params) if (!tied.has(qualified(l.name, p.name))) params.push({ name: qualified(l.name, p.name), shape: subst(p.shape) });
    if (model.runs.some((r) => r.layer === l.name)) for (const s of g.states) states.push({ name: qualified(l.name, s.name), shape: subst(s.shape) });
  }
  return { params, states };
}

/**
 * The embedded driver cannot import the compiler, so it spells the sequence operations and losses
 * itself; this stops compiling when its unions and src/core/seq-ops.ts's differ (and then the
 * driver's `Record`s name the entry to add).
 */
type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;
type Holds<T extends true> = T;
export type DriverKnowsEveryOp = Holds<Same<SeqOp, SeqOpKind>> | Holds<Same<LossKind, LossKindData>>;
