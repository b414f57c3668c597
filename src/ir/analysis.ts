import type { Graph } from "./graph.js";

/**
 * How often a node's value changes, from least to most often:
 *  - "constant": literals and what is computed from them alone;
 *  - "param":    depends on params (and constants) only — computed once per call;
 *  - "input":    depends on the step's input but on no state — computable for every step
 *                at once, before the recurrence (the hoisted input projection `W_ih @ x`);
 *  - "state":    depends on a state — must be computed inside the recurrence, step by step.
 * Both back ends use this to hoist work out of the time loop.
 */
export type Variance = "constant" | "param" | "input" | "state";

const ORDER: Record<Variance, number> = { constant: 0, param: 1, input: 2, state: 3 };

export function maxVariance(a: Variance, b: Variance): Variance {
  return ORDER[a] >= ORDER[b] ? a : b;
}

export function classifyNodes(graph: Graph): Variance[] {
  const out: Variance[] = [];
  for (const node of graph.nodes) {
    let v: Variance;
    switch (node.op) {
      case "const": v = "constant"; break;
      case "param": v = "param"; break;
      case "input": v = "input"; break;
      case "state": v = "state"; break;
      // A mask is per example: even a dropout of params varies like an input.
      case "dropout": v = maxVariance("input", out[node.inputs[0]!]!); break;
      default:
        v = "constant";
        for (const i of node.inputs) v = maxVariance(v, out[i]!);
    }
    out.push(v);
  }
  return out;
}

/** For each node, the ids of the nodes that read it. */
export function consumers(graph: Graph): number[][] {
  const users: number[][] = graph.nodes.map(() => []);
  for (const node of graph.nodes) for (const i of node.inputs) users[i]!.push(node.id);
  return users;
}

/** Nodes reachable backwards from `roots` (the live part of the graph). */
export function liveNodes(graph: Graph, roots: readonly number[]): boolean[] {
  const live = graph.nodes.map(() => false);
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = true;
    stack.push(...graph.nodes[id]!.inputs);
  }
  return live;
}
