/**
 * The Scan form: one ONNX `Scan` node (opset ≥ 9 semantics: no batch axis, scan axis 0 = time)
 * whose body is the step. States are loop-carried; the running mask [T, B] and the hoisted
 * all-steps values [T, B, …] are scan inputs; per-step outputs are scan outputs. The body reads
 * params and once-computed values from the enclosing graph by name, so the model's size does
 * not depend on T, and T may stay symbolic.
 */
import { inertText } from "../../core/inert-text.js";
import type { Graph } from "../../ir/graph.js";
import { GraphBuilder } from "./builder.js";
import { runningAllSteps, StepMask } from "./mask.js";
import { emitNode } from "./ops.js";
import type { Plan } from "./plan.js";
import type { Prelude } from "./prelude.js";
import { attr, ElemType, valueInfo, type GraphProto } from "./proto.js";
import { Region, type Val } from "./region.js";
import { BATCH, finalName } from "./signature.js";

const BODY = "step/";

export function emitScan(graph: Graph, plan: Plan, main: GraphBuilder, prelude: Prelude): void {
  const model = main.model;
  const dims = model.dims;
  const m = prelude.main;

  // Without sequence lengths every example runs every step: no mask is scanned, nothing is selected.
  const running = prelude.lengths === undefined ? undefined : runningAllSteps(m, prelude.inputShape, prelude.lengths, "scan/");
  const masked = running !== undefined;

  // The body: inputs are the carried states, then the scan inputs (mask, hoisted values).
  const body = new GraphBuilder(model);
  const shapeOf = (shape: readonly number[]): (number | string)[] => [BATCH, ...shape];
  const bodyInputs = [
    ...graph.states.map((s, i) => valueInfo(`${BODY}in/${s.name}`, ElemType.FLOAT, shapeOf(prelude.initialStates[i]!.shape), `state ${s.name} entering the step`)),
    ...(masked ? [valueInfo(`${BODY}in/running`, ElemType.BOOL, [BATCH], "which examples run this step")] : []),
    ...plan.boundary.map((n) => valueInfo(`${BODY}in/${n.label ?? n.op}_${n.id}`, ElemType.FLOAT, shapeOf(n.shape.map((d) => d.evaluate(dims))), "this step's slice of a value computed for all steps before the Scan")),
  ];
  const known = new Map(prelude.once);
  graph.states.forEach((s, i) => known.set(s.node, { name: bodyInputs[i]!.name!, batched: true, shape: prelude.initialStates[i]!.shape }));
  const scanned = graph.states.length + (masked ? 1 : 0);
  plan.boundary.forEach((n, i) => known.set(n.id, { name: bodyInputs[scanned + i]!.name!, batched: true, shape: n.shape.map((d) => d.evaluate(dims)) }));
  // The batch size: the length of the mask, or the first axis of a carried state or boundary value.
  const batchedIn = bodyInputs[0]?.name ?? undefined;
  if (batchedIn === undefined) throw new Error(`internal: the Scan body of cell ${graph.cell} has no batched input`);
  const region: Region = new Region({
    graph: body,
    prefix: BODY,
    known,
    batchDim: BATCH,
    doc: `one step (${inertText(graph.file)})`,
    batchSize: (r) => {
      if (masked) return r.emitNamed("Shape", [bodyInputs[graph.states.length]!.name!], "step/batch_size", "the batch size B, as [B]");
      const shape = r.emitNamed("Shape", [batchedIn], "step/input_shape", "the shape of a batched input of the step");
      return r.emitNamed("Slice", [shape, r.model.int64([0]), r.model.int64([1]), r.model.int64([0])], "step/batch_size", "the batch size B, as [B]");
    },
  });
  for (const n of plan.step) emitNode(region, n, graph.nodes, plan.gemmAdds);

  const mask = masked ? new StepMask(region, bodyInputs[graph.states.length]!.name!) : undefined;
  const outs: { name: string; value: Val; what: string }[] = [];
  graph.states.forEach((s, i) => {
    const old = region.value(graph.nodes[s.node]!);
    const next = region.value(graph.nodes[s.next]!);
    const name = mask === undefined ? region.emitNamed("Identity", [next.name], `next/${s.name}`, `state ${s.name} leaving the step`) : mask.keep(`next/${s.name}`, next, old, `state ${s.name} leaving the step (kept past an example's length)`);
    outs.push({ name, value: { ...old, name }, what: `state ${s.name} leaving the step` });
  });
  graph.outputs.forEach((o) => {
    const value = region.value(graph.nodes[o.node]!);
    const name = mask === undefined ? region.emitNamed("Identity", [value.name], `out/${o.name}`, `output ${o.name} at this step`) : mask.zeroPast(`out/${o.name}`, value, `output ${o.name} at this step (zero past an example's length)`);
    outs.push({ name, value: { ...value, name }, what: `output ${o.name} at this step` });
  });

  const bodyGraph: GraphProto = {
    node: body.nodes,
    name: "step",
    docString: `one step of cell ${graph.cell} for a batch`,
    input: bodyInputs,
    valueInfo: body.valueInfo,
    output: outs.map((o) => valueInfo(o.name, ElemType.FLOAT, shapeOf(o.value.shape), o.what)),
  };

  main.add(
    "Scan",
    [...prelude.initialStates.map((s) => s.name), ...(running !== undefined ? [running] : []), ...plan.boundary.map((n) => prelude.boundary.get(n.id)!)],
    "scan",
    {
      attrs: { body: attr.graph(bodyGraph), num_scan_inputs: attr.int((masked ? 1 : 0) + plan.boundary.length) },
      outputs: [...graph.states.map((s) => finalName(s.name)), ...graph.outputs.map((o) => o.name)],
      doc: `the recurrence of cell ${graph.cell} over time (${inertText(graph.file)})`,
    },
  );
}
