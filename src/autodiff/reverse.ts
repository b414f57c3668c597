import { shapesEqual } from "../core/dims.js";
import { syntheticSpan } from "../diagnostics/span.js";
import { GraphBuilder } from "../ir/builder.js";
import type { Graph, Node } from "../ir/graph.js";
import { verifyGraph } from "../ir/verify.js";
import { RULES, type RuleContext } from "./rules.js";

/**
 * The backward step of a cell: the forward step graph extended with gradient nodes.
 * Given the adjoints arriving at the step from later steps and from the loss (one `seed`
 * leaf per next state and per output), it computes the adjoints leaving the step: for the
 * input x_t, for the states entering the step (h_{t-1}), and for every param. Backprop
 * through time (the back ends) runs it from t = T−1 down to 0, feeding each step's state
 * adjoints into the previous step's state seeds.
 */
export interface StepGradient {
  readonly forward: Graph;
  /** Forward nodes first (same ids), then seeds and gradient nodes. */
  readonly nodes: readonly Node[];
  /** Seed leaf per state (the adjoint of `h'`) and per output, by name. */
  readonly stateSeeds: ReadonlyMap<string, number>;
  readonly outputSeeds: ReadonlyMap<string, number>;
  /** The adjoint of each input and of each state entering the step; undefined when it is zero. */
  readonly inputGrads: ReadonlyMap<string, number | undefined>;
  readonly stateGrads: ReadonlyMap<string, number | undefined>;
  /**
   * Each param's adjoint contributions, NOT summed: every one is accumulated into the param's
   * gradient by the back end (summed over the batch and the steps too), so a param used
   * twice simply has two entries.
   */
  readonly paramGrads: ReadonlyMap<string, readonly number[]>;
}

export function differentiateStep(forward: Graph): StepGradient {
  const b = new GraphBuilder(forward.nodes);
  const span = syntheticSpan(forward.file);
  /** Adjoint contributions per node, accumulated as they arrive (never overwritten). */
  const pending = new Map<number, number[]>();
  const contribute = (target: number, adj: number) => {
    const list = pending.get(target);
    if (list) list.push(adj);
    else pending.set(target, [adj]);
  };

  const stateSeeds = new Map<string, number>();
  for (const s of forward.states) {
    const seed = b.leaf("seed", `${s.name}'`, s.shape, s.span);
    stateSeeds.set(s.name, seed);
    contribute(s.next, seed);
  }
  const outputSeeds = new Map<string, number>();
  for (const o of forward.outputs) {
    const seed = b.leaf("seed", o.name, forward.nodes[o.node]!.shape, o.span);
    outputSeeds.set(o.name, seed);
    contribute(o.node, seed);
  }

  const leafAdjoint = new Map<number, number[]>();
  for (let id = forward.nodes.length - 1; id >= 0; id--) {
    const node = forward.nodes[id]!;
    const contributions = pending.get(id);
    if (!contributions) continue;
    if (node.op === "input" || node.op === "state" || node.op === "param") {
      leafAdjoint.set(id, contributions);
      continue;
    }
    if (node.op === "const") continue;
    const rule = RULES[node.op];
    if (!rule) throw new Error(`internal: no derivative rule for ${node.op}`);
    const g = sumAdjoints(b, contributions, node);
    const cx: RuleContext = {
      b,
      node,
      g,
      input: (i) => b.nodes[node.inputs[i]!]!,
      op: (op, inputs, attrs = {}) => b.add(op, inputs, attrs, node.span),
      c: (v) => b.const(v, span),
    };
    const grads = rule(cx);
    node.inputs.forEach((input, i) => {
      const adj = grads[i];
      if (adj === undefined) return;
      contribute(input, unbroadcast(b, adj, b.nodes[input]!, node));
    });
  }

  const summed = (id: number) => {
    const list = leafAdjoint.get(id);
    return list ? sumAdjoints(b, list, forward.nodes[id]!) : undefined;
  };
  const result: StepGradient = {
    forward,
    nodes: b.nodes,
    stateSeeds,
    outputSeeds,
    inputGrads: new Map(forward.inputs.map((x) => [x.name, summed(x.node)])),
    stateGrads: new Map(forward.states.map((s) => [s.name, summed(s.node)])),
    paramGrads: new Map(forward.params.map((p) => [p.name, leafAdjoint.get(p.node) ?? []])),
  };
  verifyGraph({ ...forward, nodes: b.nodes }, "differentiation");
  return result;
}

/**
 * The sum of a node's adjoint contributions. When every contribution is a `pad` of a slice
 * and together they tile the value (the parts of a `split`), the sum is their `concat`:
 * no zeros are materialised and nothing is added.
 */
function sumAdjoints(b: GraphBuilder, contributions: number[], node: Node): number {
  const pads = contributions.map((c) => b.nodes[c]!).filter((n) => n.op === "pad");
  if (pads.length === contributions.length && pads.length > 1) {
    const sorted = [...pads].sort((x, y) => x.attrs.start!.constant - y.attrs.start!.constant || x.attrs.start!.toString().localeCompare(y.attrs.start!.toString()));
    const tiles = tileOrder(sorted, node);
    if (tiles) return b.add("concat", tiles.map((p) => p.inputs[0]!), {}, node.span);
  }
  return contributions.slice(1).reduce((acc, c) => b.add("add", [acc, c], {}, node.span), contributions[0]!);
}

/** The pads in row order if they cover the node's rows exactly once, else undefined. */
function tileOrder(pads: Node[], node: Node): Node[] | undefined {
  const rows = node.shape[0];
  if (!rows) return undefined;
  const remaining = [...pads];
  const ordered: Node[] = [];
  let at = rows.scale(0);
  while (remaining.length > 0) {
    const i = remaining.findIndex((p) => p.attrs.start!.equals(at));
    if (i < 0) return undefined;
    const p = remaining.splice(i, 1)[0]!;
    ordered.push(p);
    at = p.attrs.end!;
  }
  return at.equals(rows) ? ordered : undefined;
}

/** An operand that was a scalar broadcast over a vector gets the sum of the adjoint. */
function unbroadcast(b: GraphBuilder, adj: number, input: Node, node: Node): number {
  const shape = b.nodes[adj]!.shape;
  if (shapesEqual(shape, input.shape)) return adj;
  if (input.shape.length === 0) return b.add("sum", [adj], {}, node.span);
  throw new Error(`internal: adjoint of shape [${shape.join(", ")}] for an operand of shape [${input.shape.join(", ")}]`);
}
