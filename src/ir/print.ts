import { shapeToString } from "../core/dims.js";
import type { Graph, Node } from "./graph.js";

/**
 * A stable text form of a graph, for `rnnc ir` and committed golden files:
 *   %7 = matmul %4, %0 : [4H]            # W_ih @ x   (line 12)
 * Only ids, ops, attributes, shapes, labels and line numbers: nothing that varies between runs.
 */
export function printGraph(graph: Graph, lineOf?: (offset: number) => number): string {
  const lines: string[] = [];
  lines.push(`cell ${graph.cell}(${graph.dims.join(", ")})  # ${graph.file}`);
  for (const n of graph.nodes) lines.push(`  ${printNode(n, lineOf)}`);
  for (const s of graph.states) lines.push(`  state ${s.name}' = %${s.next}`);
  for (const o of graph.outputs) lines.push(`  output ${o.name} = %${o.node}`);
  return lines.join("\n") + "\n";
}

/** One node in the text form (`%7 = matmul %4, %0 : [4H]  # W_ih @ x, line 12`). */
export function printNode(n: Node, lineOf?: (offset: number) => number): string {
  const attrs: string[] = [];
  if (n.op === "const") attrs.push(n.attrs.dim ? `dim ${n.attrs.dim}` : String(n.attrs.value));
  if (n.attrs.name && n.op !== "const") attrs.push(n.attrs.name);
  if (n.attrs.alpha !== undefined) attrs.push(`alpha=${n.attrs.alpha}`);
  if (n.attrs.lo !== undefined) attrs.push(`lo=${n.attrs.lo} hi=${n.attrs.hi}`);
  if (n.attrs.exponent !== undefined) attrs.push(`exponent=${n.attrs.exponent}`);
  if (n.attrs.site !== undefined) attrs.push(`mask ${n.attrs.site} p=${n.attrs.p}`);
  if (n.attrs.start) attrs.push(`[${n.attrs.start}:${n.attrs.end}]`);
  if (n.attrs.transA) attrs.push("transA");
  if (n.attrs.transB) attrs.push("transB");
  if (n.attrs.shape) attrs.push(`to ${shapeToString(n.attrs.shape)}`);
  const operands = n.inputs.map((i) => `%${i}`).join(", ");
  const body = [n.op, [operands, ...attrs].filter((x) => x !== "").join(" ")].filter((x) => x !== "").join(" ");
  const where = [n.label, lineOf && n.span.end > 0 ? `line ${lineOf(n.span.start)}` : undefined].filter(Boolean).join(", ");
  const text = `%${n.id} = ${body} : ${shapeToString(n.shape)}`;
  return where ? `${text.padEnd(44)} # ${where}` : text;
}
