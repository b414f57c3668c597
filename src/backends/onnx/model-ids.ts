/**
 * Which of a model's `onehot(ids)` nodes the ONNX export never makes: those whose every reader is
 * a layer run whose cell reads its input only through products `W @ x` with W a param
 * (src/ir/id-inputs.ts) and which is not exported as ONNX's own LSTM/GRU operator (that takes
 * the one-hot X). Such a layer gets the ids and gathers W's columns (prelude.ts) — the same
 * rule as the generated module's id path.
 */
import type { CheckedModel } from "../../check/model-types.js";
import { idFedInputs } from "../../ir/id-inputs.js";
import { layerGraph } from "../../ir/lower.js";
import type { OnnxExportOptions } from "./index.js";

export function idFedOnehots(model: CheckedModel, recurrence: OnnxExportOptions["recurrence"]): Set<number> {
  const out = new Set<number>();
  for (const node of model.nodes) {
    if (node.op !== "onehot") continue;
    // Apply nodes read their run's argument; every other reader needs the one-hot tensor.
    const readByNode = model.nodes.some((n) => n.op !== "apply" && (("arg" in n && n.arg === node.id) || ("args" in n && n.args.includes(node.id))));
    if (readByNode || model.outputs.some((o) => o.node === node.id) || model.losses.some((l) => l.pred === node.id)) continue;
    const runs = model.runs.filter((r) => r.args.includes(node.id));
    // The layer's one argument, of the run's own timing (a per-sequence value repeated at every step stays one-hot).
    const gathers = runs.length > 0 && runs.every((r) => {
      if (r.args.length !== 1 || r.timing !== node.timing) return false;
      const layer = model.layers.find((l) => l.name === r.layer)!;
      const graph = layerGraph(layer.cell);
      const native = recurrence === "native" && r.timing !== "once" && graph.states.length > 0;
      return !native && graph.inputs.length === 1 && idFedInputs(graph).has(graph.inputs[0]!.name);
    });
    if (gathers) out.add(node.id);
  }
  return out;
}
