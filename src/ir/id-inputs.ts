import type { Graph } from "./graph.js";

/**
 * One use of an id-fed input: `op(W) @ x` or `x @ op(W)` with W a param, so that for a one-hot x
 * the product is one column of W or one row — a gather forward, a scatter-add backward.
 */
export interface IdUse {
  /** The matmul node. */
  readonly node: number;
  /** The param W. */
  readonly param: string;
  /**
   * W is [V, E] and the product is row id of W: `Wᵀ @ x`, or `x @ W` (PyTorch's `one_hot @ weight`);
   * otherwise W is [E, V] and it is column id: `W @ x`, or `x @ Wᵀ`.
   */
  readonly transposed: boolean;
  /** x is the left operand (`x @ op(W)`). */
  readonly left: boolean;
}

/**
 * The cell inputs that may be fed integer ids instead of one-hot vectors: a vector input whose
 * every reader is a matrix product of it and a param matrix W (`W @ x`, `Wᵀ @ x`, `x @ W` or
 * `x @ Wᵀ`), and which is nothing else (not an output, not a state's next value). For such an input
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
      const [a, b] = node.inputs as [number, number];
      const left = a === x.node;
      const param = node.op === "matmul" && a !== b ? graph.params.find((p) => p.node === (left ? b : a)) : undefined;
      if (param === undefined || param.shape.length !== 2) {
        ok = false;
        break;
      }
      const transposed = left ? node.attrs.transB !== true : node.attrs.transA === true;
      uses.push({ node: node.id, param: param.name, transposed, left });
    }
    if (ok && uses.length > 0) out.set(x.name, uses);
  }
  return out;
}
