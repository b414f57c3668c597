/**
 * Where each live IR node is computed in the exported model: once per call (params and
 * constants), once for all steps (what depends on the input but on no state), or at every
 * step (what depends on a state). The "boundary" nodes are the all-steps values that a step
 * reads; they are cut per step (unroll: Gather; Scan: scan inputs).
 */
import { classifyNodes, liveNodes } from "../../ir/analysis.js";
import type { Graph, Node } from "../../ir/graph.js";
import { isLeaf } from "../../ir/ops.js";

export interface Plan {
  /** Constants and non-leaf nodes computed once, before anything else (class constant or param). */
  readonly once: readonly Node[];
  /** Non-leaf input-class nodes, computed for every step at once on the flattened input. */
  readonly hoisted: readonly Node[];
  /** Non-leaf state-class nodes: the body of the recurrence. */
  readonly step: readonly Node[];
  /** Input-class nodes (possibly input leaves) read inside the recurrence, in id order. */
  readonly boundary: readonly Node[];
  /** Params some live node reads (the initializers to store). */
  readonly usedParams: ReadonlySet<string>;
  /**
   * Products `W @ v` whose only reader is an `add` (matmul id → add id), with the add's other
   * operand computed before the product: emitted as one Gemm with that operand as its C input, as
   * PyTorch's exporter does for `Linear`.
   */
  readonly gemmAdds: ReadonlyMap<number, number>;
}

export function planGraph(graph: Graph): Plan {
  const variance = classifyNodes(graph);
  const roots = [...graph.states.map((s) => s.next), ...graph.outputs.map((o) => o.node)];
  const live = liveNodes(graph, roots);
  // Constants are emitted like computed nodes (as shared initializers); other leaves are bound.
  const liveNonLeaf = graph.nodes.filter((n) => live[n.id] && (n.op === "const" || !isLeaf(n.op)));

  const boundary = new Set<number>();
  for (const n of liveNonLeaf) {
    if (variance[n.id] !== "state") continue;
    for (const i of n.inputs) if (variance[i] === "input") boundary.add(i);
  }
  // A root computed without any state (`output y = W @ x`, `h' = x`) is still read per step.
  for (const r of roots) if (variance[r] === "input") boundary.add(r);

  const readers = new Map<number, number[]>();
  for (const n of graph.nodes) if (live[n.id]) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n.id]);
  const rootSet = new Set(roots);
  const gemmAdds = new Map<number, number>();
  for (const m of liveNonLeaf) {
    if (m.op !== "matmul" || rootSet.has(m.id)) continue;
    const r = readers.get(m.id) ?? [];
    const add = r.length === 1 ? graph.nodes[r[0]!]! : undefined;
    // The add must be computed where the product is (a hoisted product read by a step's add stays apart).
    if (add === undefined || add.op !== "add" || add.inputs[0] === add.inputs[1] || variance[add.id] !== variance[m.id]) continue;
    const other = add.inputs[0] === m.id ? add.inputs[1]! : add.inputs[0]!;
    const ready = variance[other] === "param" || variance[other] === "constant" || other < m.id || (variance[other] === "input" && variance[m.id] === "state");
    if (ready) gemmAdds.set(m.id, add.id);
  }

  return {
    once: liveNonLeaf.filter((n) => variance[n.id] === "constant" || variance[n.id] === "param"),
    hoisted: liveNonLeaf.filter((n) => variance[n.id] === "input"),
    step: liveNonLeaf.filter((n) => variance[n.id] === "state"),
    boundary: [...boundary].sort((a, b) => a - b).map((id) => graph.nodes[id]!),
    usedParams: new Set(graph.nodes.filter((n) => live[n.id] && n.op === "param").map((n) => n.attrs.name!)),
    gemmAdds,
  };
}
