import type { Shape } from "../core/dims.js";
import type { GraphBuilder } from "../ir/builder.js";
import type { Node } from "../ir/graph.js";
import type { OpKind } from "../ir/ops.js";

/**
 * One derivative rule per op (the vector–Jacobian product): given the node and the id of its
 * adjoint `g` (same shape as the node), return one adjoint contribution per input, or
 * undefined where the input gets none (constants, non-differentiable masks). Rules build
 * their result from IR ops, so every back end runs the backward pass with no special cases.
 * The driver (reverse.ts) handles accumulation and broadcasting back to scalar operands.
 */
export interface RuleContext {
  readonly b: GraphBuilder;
  readonly node: Node;
  /** The adjoint of `node`. */
  readonly g: number;
  readonly input: (i: number) => Node;
  /** Shorthands that keep the rules readable; all share the node's span. */
  readonly op: (op: OpKind, inputs: number[], attrs?: Node["attrs"]) => number;
  readonly c: (v: number) => number;
}

export type Rule = (cx: RuleContext) => (number | undefined)[];

const x0 = (cx: RuleContext) => cx.node.inputs[0]!;
const y = (cx: RuleContext) => cx.node.id;

/** g · f'(x) for elementwise f, with f' written in terms of x and y = f(x). */
const elementwise = (deriv: (cx: RuleContext) => number): Rule => (cx) => [cx.op("mul", [cx.g, deriv(cx)])];

export const RULES: Partial<Record<OpKind, Rule>> = {
  // ---- leaves and non-differentiable masks ----------------------------------------------
  step: () => [undefined],
  sign: () => [undefined],
  max_mask: () => [undefined],

  // ---- arithmetic (the driver sums adjoints of scalar operands over the broadcast) ---------
  add: (cx) => [cx.g, cx.g],
  sub: (cx) => [cx.g, cx.op("neg", [cx.g])],
  mul: (cx) => [cx.op("mul", [cx.g, cx.node.inputs[1]!]), cx.op("mul", [cx.g, cx.node.inputs[0]!])],
  // d(a/b) = g/b da − g·(a/b)/b db
  div: (cx) => {
    const gOverB = cx.op("div", [cx.g, cx.node.inputs[1]!]);
    return [gOverB, cx.op("neg", [cx.op("mul", [gOverB, y(cx)])])];
  },
  neg: (cx) => [cx.op("neg", [cx.g])],
  // max(a, b) and min(a, b) as PyTorch's maximum/minimum: the adjoint goes to the larger
  // (smaller) operand, and is split in halves at a tie: ½(1 ± sign(a − b)).
  maximum: (cx) => tieSplit(cx, 1),
  minimum: (cx) => tieSplit(cx, -1),

  // ---- elementwise functions ------------------------------------------------------------
  sigmoid: elementwise((cx) => cx.op("mul", [y(cx), cx.op("sub", [cx.c(1), y(cx)])])),
  tanh: elementwise((cx) => cx.op("sub", [cx.c(1), cx.op("mul", [y(cx), y(cx)])])),
  relu: elementwise((cx) => cx.op("step", [x0(cx)])),
  // leaky_relu' = α + (1 − α)·step(x)
  leaky_relu: elementwise((cx) => {
    const a = cx.node.attrs.alpha!;
    return cx.op("add", [cx.op("mul", [cx.op("step", [x0(cx)]), cx.c(1 - a)]), cx.c(a)]);
  }),
  // elu' = 1 for x > 0, α·eˣ = y + α otherwise: step + (1 − step)(y + α)
  elu: elementwise((cx) => {
    const s = cx.op("step", [x0(cx)]);
    return cx.op("add", [s, cx.op("mul", [cx.op("sub", [cx.c(1), s]), cx.op("add", [y(cx), cx.c(cx.node.attrs.alpha!)])])]);
  }),
  softplus: elementwise((cx) => cx.op("sigmoid", [x0(cx)])),
  // softsign' = 1 / (1 + |x|)²
  softsign: elementwise((cx) => {
    const d = cx.op("add", [cx.c(1), cx.op("abs", [x0(cx)])]);
    return cx.op("div", [cx.c(1), cx.op("mul", [d, d])]);
  }),
  // hard_sigmoid = clamp(x/6 + 1/2, 0, 1): slope 1/6 on (−3, 3)
  hard_sigmoid: elementwise((cx) => {
    const inside = cx.op("mul", [cx.op("step", [cx.op("add", [x0(cx), cx.c(3)])]), cx.op("step", [cx.op("sub", [cx.c(3), x0(cx)])])]);
    return cx.op("mul", [inside, cx.c(1 / 6)]);
  }),
  exp: elementwise(y),
  log: (cx) => [cx.op("div", [cx.g, x0(cx)])],
  sqrt: (cx) => [cx.op("div", [cx.g, cx.op("mul", [cx.c(2), y(cx)])])],
  // abs' = sign(x): 0 at x = 0, as PyTorch's abs.
  abs: elementwise((cx) => cx.op("sign", [x0(cx)])),
  // PyTorch's clamp: slope 1 on the closed interval [lo, hi] (at a bound too), 0 outside.
  clamp: elementwise((cx) => {
    const aboveLo = cx.op("sub", [cx.c(1), cx.op("step", [cx.op("sub", [cx.c(cx.node.attrs.lo!), x0(cx)])])]);
    const belowHi = cx.op("sub", [cx.c(1), cx.op("step", [cx.op("sub", [x0(cx), cx.c(cx.node.attrs.hi!)])])]);
    return cx.op("mul", [aboveLo, belowHi]);
  }),
  // The same mask multiplies the adjoint: the backward pass uses the forward pass's masks.
  dropout: (cx) => [cx.op("dropout", [cx.g], cx.node.attrs)],
  // pow(x, k)' = k·x^(k−1); exactly 0 for k = 0 (as PyTorch, even at x = 0).
  pow: (cx) => {
    const k = cx.node.attrs.exponent!;
    if (k === 0) return [undefined];
    if (k === 1) return [cx.g];
    const lower = k === 2 ? x0(cx) : cx.op("pow", [x0(cx)], { exponent: k - 1 });
    return [cx.op("mul", [cx.g, cx.op("mul", [lower, cx.c(k)])])];
  },

  // ---- reductions (vector → scalar) -------------------------------------------------------
  sum: (cx) => [cx.op("broadcast", [cx.g], { shape: cx.input(0).shape })],
  mean: (cx) => {
    const n = cx.b.dimConst(cx.input(0).shape[0]!, cx.node.span);
    return [cx.op("broadcast", [cx.op("div", [cx.g, n])], { shape: cx.input(0).shape })];
  },
  max: (cx) => [cx.op("mul", [cx.g, cx.op("max_mask", [x0(cx)])])],
  broadcast: (cx) => [cx.op("sum", [cx.g])],

  // ---- structure ------------------------------------------------------------------------
  slice: (cx) => [cx.op("pad", [cx.g], { start: cx.node.attrs.start!, end: cx.node.attrs.end!, shape: cx.input(0).shape })],
  pad: (cx) => [cx.op("slice", [cx.g], { start: cx.node.attrs.start!, end: cx.node.attrs.end! })],
  concat: (cx) => {
    let start = cx.input(0).shape[0]!.scale(0);
    return cx.node.inputs.map((_, i) => {
      const end = start.add(cx.input(i).shape[0]!);
      const part = cx.op("slice", [cx.g], { start, end });
      start = end;
      return part;
    });
  },

  // ---- products ---------------------------------------------------------------------------
  matmul: matmulRule,
  // y = a ⊗ b: da = y_g @ b, db = y_gᵀ @ a
  outer: (cx) => [cx.op("matmul", [cx.g, cx.node.inputs[1]!]), cx.op("matmul", [cx.g, cx.node.inputs[0]!], { transA: true })],
};

/** The adjoints of max (`towardA` = 1) or min (−1) of two operands: g·½(1 ± sign(a − b)). */
function tieSplit(cx: RuleContext, towardA: 1 | -1): (number | undefined)[] {
  const s = cx.op("sign", [cx.op("sub", [cx.node.inputs[0]!, cx.node.inputs[1]!])]);
  const half = cx.op("mul", [cx.g, cx.c(0.5)]);
  const gs = cx.op("mul", [half, s]);
  return towardA === 1 ? [cx.op("add", [half, gs]), cx.op("sub", [half, gs])] : [cx.op("sub", [half, gs]), cx.op("add", [half, gs])];
}

/**
 * y = op(A) @ op(B), op = transpose when attrs.transA/transB. For the cell's usual
 * matrix–vector product y = W v: dW = g ⊗ v (an outer product, summed over the batch by the
 * back end), dv = Wᵀ g. Matrix–matrix products follow dA = g Bᵀ, dB = Aᵀ g.
 */
function matmulRule(cx: RuleContext): (number | undefined)[] {
  const [A, B] = [cx.node.inputs[0]!, cx.node.inputs[1]!];
  const ta = cx.node.attrs.transA === true;
  const tb = cx.node.attrs.transB === true;
  const rankA = cx.input(0).shape.length;
  const rankB = cx.input(1).shape.length;
  const g = cx.g;
  if (rankA === 2 && rankB === 1) {
    // y = op(A) v
    const dA = ta ? cx.op("outer", [B, g]) : cx.op("outer", [g, B]);
    const dB = cx.op("matmul", [A, g], ta ? {} : { transA: true });
    return [dA, dB];
  }
  if (rankA === 1 && rankB === 2) {
    // y = v op(B): dv = op(B) g (B g, or Bᵀ g when B is transposed)
    const dA = cx.op("matmul", [B, g], tb ? { transA: true } : {});
    const dB = tb ? cx.op("outer", [g, A]) : cx.op("outer", [A, g]);
    return [dA, dB];
  }
  // matrix @ matrix: Y = op(A) op(B)
  const dA = ta ? cx.op("matmul", [B, g], tb ? { transA: true, transB: true } : { transB: true }) : cx.op("matmul", [g, B], tb ? {} : { transB: true });
  const dB = tb ? cx.op("matmul", [g, A], ta ? { transA: true, transB: true } : { transA: true }) : cx.op("matmul", [A, g], ta ? {} : { transA: true });
  return [dA, dB];
}

export function shapeOf(b: GraphBuilder, id: number): Shape {
  return b.nodes[id]!.shape;
}
