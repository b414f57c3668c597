/**
 * A cell graph's structure as text, independent of every name the user chose: the cell's name
 * and file, the names of its dimensions, inputs, states, params and outputs, its labels and
 * source positions. Two graphs with the same canonical text compute the same function of their
 * leaves taken in declaration order — which is how the native form recognises an LSTM or a GRU
 * (native.ts) without trusting names.
 */
import { Dim } from "../../core/dims.js";
import type { Graph, Node, NodeAttrs } from "../../ir/graph.js";
import { printGraph } from "../../ir/print.js";

/**
 * Leaves are renamed by declaration order (`input0`, `state0`, `state1`, `param0`, …), outputs
 * `output0`…, dimensions `d0`, `d1`… in the order they first appear in the leaves' shapes
 * (then any unused ones), so `cell LSTM(H, I)` and `cell LSTM(I, H)` read alike. The text is
 * `printGraph` of the renamed graph, without labels or lines.
 */
export function canonicalGraphText(graph: Graph): string {
  const order: string[] = [];
  const see = (d: Dim): void => {
    for (const n of d.names()) if (!order.includes(n)) order.push(n);
  };
  for (const leaf of [...graph.inputs, ...graph.states, ...graph.params]) leaf.shape.forEach(see);
  for (const d of graph.dims) if (!order.includes(d)) order.push(d);
  const binding = new Map(order.map((name, i) => [name, Dim.name(`d${i}`)] as const));
  const dim = (d: Dim): Dim => d.substitute(binding);

  const leafNames = new Map<number, string>();
  graph.inputs.forEach((l, i) => leafNames.set(l.node, `input${i}`));
  graph.states.forEach((l, i) => leafNames.set(l.node, `state${i}`));
  graph.params.forEach((l, i) => leafNames.set(l.node, `param${i}`));

  const renameAttrs = (n: Node): NodeAttrs => {
    const a = n.attrs;
    const name = leafNames.get(n.id) ?? a.name;
    return {
      ...a,
      ...(name !== undefined ? { name } : {}),
      ...(a.dim ? { dim: dim(a.dim) } : {}),
      ...(a.start ? { start: dim(a.start) } : {}),
      ...(a.end ? { end: dim(a.end) } : {}),
      ...(a.shape ? { shape: a.shape.map(dim) } : {}),
    };
  };
  const nodes: Node[] = graph.nodes.map((n) => ({ id: n.id, op: n.op, inputs: n.inputs, attrs: renameAttrs(n), shape: n.shape.map(dim), span: n.span }));
  const canonical: Graph = {
    cell: "cell",
    file: "canonical",
    dims: order.map((_, i) => `d${i}`),
    inputs: graph.inputs.map((l, i) => ({ ...l, name: `input${i}`, shape: l.shape.map(dim) })),
    states: graph.states.map((l, i) => ({ ...l, name: `state${i}`, shape: l.shape.map(dim) })),
    params: graph.params.map((l, i) => ({ ...l, name: `param${i}`, shape: l.shape.map(dim) })),
    outputs: graph.outputs.map((o, i) => ({ ...o, name: `output${i}` })),
    nodes,
  };
  return printGraph(canonical);
}
