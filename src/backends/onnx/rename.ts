/**
 * Renaming every value and node of a graph, and of the graphs in its attributes (a Scan body),
 * by one function. This is how a model puts its layers in one graph: each layer is exported as
 * a cell model on its own, then renamed — its contract names (`x`, `initial_h`, `sequence_lens`,
 * `W_ih`, `final_h`) become the model's tensors, everything else gets the layer's prefix — so
 * the composition reuses the cell emitters unchanged. One function for every name keeps the
 * outer graph and the Scan body (which reads outer values by name) consistent.
 */
import type { AttributeProto, GraphProto, NodeProto, TensorProto, ValueInfoProto } from "./proto.js";

export type Rename = (name: string) => string;

export function renameGraph(graph: GraphProto, rename: Rename): GraphProto {
  const value = (v: ValueInfoProto): ValueInfoProto => ({ ...v, name: rename(v.name ?? "") });
  return {
    ...graph,
    node: (graph.node ?? []).map((n) => renameNode(n, rename)),
    input: (graph.input ?? []).map(value),
    output: (graph.output ?? []).map(value),
    valueInfo: (graph.valueInfo ?? []).map(value),
    initializer: (graph.initializer ?? []).map((t): TensorProto => ({ ...t, name: rename(t.name ?? "") })),
  };
}

function renameNode(node: NodeProto, rename: Rename): NodeProto {
  // An empty input name is an omitted optional input, not a value.
  const value = (name: string): string => (name === "" ? "" : rename(name));
  const attribute = node.attribute?.map((a): AttributeProto => (a.g ? { ...a, g: renameGraph(a.g, rename) } : a));
  return {
    ...node,
    name: rename(node.name ?? ""),
    input: (node.input ?? []).map(value),
    output: (node.output ?? []).map(value),
    ...(attribute ? { attribute } : {}),
  };
}
