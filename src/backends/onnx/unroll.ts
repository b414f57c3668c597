/**
 * The unrolled form: the step graph repeated T times in the main graph, every node of step t
 * named `t{t}/<label or op>_<id>`. States flow from step to step by name; each step reads the
 * hoisted all-steps values by Gather at index t; outputs are stacked along time at the end.
 */
import { inertText } from "../../core/inert-text.js";
import type { Graph } from "../../ir/graph.js";
import type { GraphBuilder } from "./builder.js";
import { StepMask } from "./mask.js";
import { emitNode } from "./ops.js";
import type { Plan } from "./plan.js";
import type { Prelude } from "./prelude.js";
import { attr } from "./proto.js";
import { Region, type Val } from "./region.js";
import { BATCH, finalName } from "./signature.js";

export function emitUnrolled(graph: Graph, plan: Plan, main: GraphBuilder, prelude: Prelude, steps: number): void {
  const model = main.model;
  let states: readonly Val[] = prelude.initialStates;
  const perStepOutputs: string[][] = graph.outputs.map(() => []);

  for (let t = 0; t < steps; t++) {
    const known = new Map(prelude.once);
    graph.states.forEach((s, i) => known.set(s.node, states[i]!));
    const region = new Region({ graph: main, prefix: `t${t}/`, known, batchSize: () => prelude.batchSize, batchDim: BATCH, doc: `step ${t} (${inertText(graph.file)})` });

    for (const n of plan.boundary) {
      const name = region.withNode(n, () => region.emit("Gather", [prelude.boundary.get(n.id)!, model.int64([t], true)], { axis: attr.int(0) }));
      const v: Val = { name, batched: true, shape: n.shape.map((d) => d.evaluate(model.dims)) };
      region.values.set(n.id, v);
      region.declare(v);
    }
    for (const n of plan.step) emitNode(region, n, graph.nodes, plan.gemmAdds);

    // Without sequence lengths every example runs every step: nothing to mask.
    const lengths = prelude.lengths;
    const running = lengths === undefined ? undefined : region.emitNamed("Less", [model.int32Scalar(t), lengths], "running", `step ${t} runs for the examples with t < sequence_lens`);
    const mask = running === undefined ? undefined : new StepMask(region, running);
    states = graph.states.map((s, i) => {
      const old = states[i]!;
      const next = region.value(graph.nodes[s.next]!);
      if (mask === undefined) return next;
      const name = mask.keep(`next/${s.name}`, next, old, `state ${s.name} after step ${t} (kept past an example's length)`);
      const kept: Val = { name, batched: true, shape: old.shape };
      region.declare(kept);
      return kept;
    });
    graph.outputs.forEach((o, i) => {
      const value = region.value(graph.nodes[o.node]!);
      const masked = mask === undefined ? value.name : mask.zeroPast(`out/${o.name}`, value, `output ${o.name} at step ${t} (zero past an example's length)`);
      perStepOutputs[i]!.push(region.unsqueeze(masked, [0], `out/${o.name}/time`));
    });
  }

  graph.outputs.forEach((o, i) => {
    main.add("Concat", perStepOutputs[i]!, o.name, { attrs: { axis: attr.int(0) }, doc: `output ${o.name} stacked over the ${steps} steps` });
  });
  graph.states.forEach((s, i) => {
    main.add("Identity", [states[i]!.name], finalName(s.name), { doc: `state ${s.name} after the last step` });
  });
}
