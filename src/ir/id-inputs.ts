import type { Graph } from "./graph.js";

/**
 * One use of an id-fed input: `op(W) @ x` with W a param, so that for a one-hot x the product
 * is one column of W (or one row when transposed) — a gather forward, a scatter-add backward.
 */
export interface IdUse {
  /** The matmul node. */
  readonly node: number;
  /** The param W. */
  readonly param: string;
  /** `Wᵀ @ x` (W is [V, E]: the product is row id of W); otherwise W is [E, V] and it is column id. */
  readonly transposed: boolean;
}

/**
 * The cell inputs that may be fed integer ids instead of one-hot vectors: a vector input whose
 * every reader is a matrix product `W @ x` (or `Wᵀ @ x`) with x as the right operand and W a
 * param, and which is nothing else (not an output, not a state's next value). For such an input
 * the one-hot vector is never needed: forward each product gathers a column of W, backward the
 * product's adjoint is scatter-added into the ids' columns of dW, and x has no gradient.
 * Anything else (x in an elementwise op, W computed from params) keeps the one-hot path.
 */
export function idFedInputs(graph: Graph): ReadonlyMap<string, readonly IdUse[]> {
  const out = new Map<string, IdUse[]>();
  const elsewhere = new Set<number>([...graph.outputs.map((o) => o.node), ...graph.states.map((s) => s.next)]);
  for (const x of graph.inputs) {
    if (x.shape.length !== 1 || elsewhere.has(x.node)) continue;
    const uses: IdUse[] = [];
    let ok = true;
    for (const node of graph.nodes) {
      if (!node.inputs.includes(x.node)) continue;
      const w = graph.nodes[node.inputs[0]!]!;
      const param = graph.params.find((p) => p.node === w.id);
      if (node.op !== "matmul" || node.inputs[0] === x.node || node.inputs[1] !== x.node || param === undefined || w.shape.length !== 2) {
        ok = false;
        break;
      }
      uses.push({ node: node.id, param: param.name, transposed: node.attrs.transA === true });
    }
    if (ok && uses.length > 0) out.set(x.name, uses);
  }
  return out;
}
