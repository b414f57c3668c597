/**
 * The flat form of a cell without state (a model's Linear or Embedding layer): nothing carries
 * from step to step, so there is no recurrence — the prelude computes every output for all steps
 * at once on the input flattened to [T·B, …] and reshapes it to [T, B, …]; here each output is
 * zeroed past its example's length, as the unrolled and Scan forms do step by step.
 */
import type { Graph } from "../../ir/graph.js";
import { runningAllSteps, StepMask } from "./mask.js";
import type { Prelude } from "./prelude.js";
import type { Val } from "./region.js";

export function emitFlat(graph: Graph, prelude: Prelude): void {
  if (graph.states.length > 0) throw new Error(`internal: the flat form is for cells without state, and ${graph.cell} has ${graph.states.length}`);
  const region = prelude.main;
  if (prelude.lengths === undefined) throw new Error("internal: the flat form is emitted with sequence lengths");
  const running = runningAllSteps(region, prelude.inputShape, prelude.lengths, "flat/");
  const mask = new StepMask(region, running, 2);
  for (const o of graph.outputs) {
    const node = graph.nodes[o.node]!;
    // An output that reads the input is computed for all steps (a boundary value, [T, B, …]); one
    // that reads only params or constants (`output y = b`) is computed once and broadcast.
    const all = prelude.boundary.get(o.node);
    const value: Val = all !== undefined
      ? { name: all, batched: true, shape: node.shape.map((d) => d.evaluate(region.dims)) }
      : prelude.once.get(o.node) ?? missing(graph, o.name);
    mask.zeroPast(o.name, value, `output ${o.name} at every step (zero past an example's length)`);
  }
}

function missing(graph: Graph, output: string): never {
  throw new Error(`internal: output ${output} of cell ${graph.cell} has no value before the recurrence`);
}
