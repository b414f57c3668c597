import { shapeToString, shapesEqual } from "../core/dims.js";
import type { Graph } from "./graph.js";
import { inferShape } from "./shapes.js";

/**
 * Checks the IR's invariants; run after every pass. A violation is a compiler bug, so it
 * throws (with the pass's name), never a user diagnostic.
 */
export function verifyGraph(graph: Graph, pass: string): void {
  const fail = (msg: string): never => {
    throw new Error(`internal: IR verifier after ${pass}: ${msg}`);
  };
  graph.nodes.forEach((n, i) => {
    if (n.id !== i) fail(`node ${i} has id ${n.id}`);
    for (const input of n.inputs) if (!(input >= 0 && input < i)) fail(`node %${i} reads %${input}, which is not before it`);
    if (n.op === "input" || n.op === "state" || n.op === "param" || n.op === "seed") {
      if (n.inputs.length !== 0 || !n.attrs.name) fail(`leaf %${i} must have a name and no inputs`);
      return;
    }
    if (n.op === "const") {
      if (n.shape.length !== 0 || (typeof n.attrs.value !== "number") === (n.attrs.dim === undefined)) fail(`const %${i} must be a scalar with a value`);
      return;
    }
    const expected = inferShape(n.op, n.inputs.map((x) => graph.nodes[x]!.shape), n.attrs);
    if (typeof expected === "string") fail(`node %${i}: ${expected}`);
    else if (!shapesEqual(expected, n.shape)) fail(`node %${i} has shape ${shapeToString(n.shape)} but its op gives ${shapeToString(expected)}`);
  });
  const leafOf = (name: string, op: string) => graph.nodes.filter((n) => n.op === op && n.attrs.name === name).length;
  for (const s of graph.states) {
    if (leafOf(s.name, "state") !== 1) fail(`state ${s.name} must have exactly one leaf`);
    const next = graph.nodes[s.next];
    if (!next) fail(`state ${s.name} has no next value`);
    else if (!shapesEqual(next.shape, s.shape)) fail(`state ${s.name}' has shape ${shapeToString(next.shape)}, declared ${shapeToString(s.shape)}`);
  }
  for (const o of graph.outputs) if (!graph.nodes[o.node]) fail(`output ${o.name} points nowhere`);
  const names = new Set<string>();
  for (const o of graph.outputs) {
    if (names.has(o.name)) fail(`output ${o.name} twice`);
    names.add(o.name);
  }
}
