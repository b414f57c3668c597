/**
 * The tfjs implementation of every non-leaf IR op, one table entry per op, evaluated for a
 * whole batch at once. tfjs's own autodiff differentiates these, so each entry is written
 * only from the op's forward definition (src/ir/ops.ts) — never from a derivative rule of
 * rnnc's — which is what makes the oracle independent of `src/autodiff/`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Node } from "../ir/graph.js";
import type { OpKind } from "../ir/ops.js";

/**
 * A node's value for the whole batch. `batched` values carry a leading batch axis
 * ([B, ...shape]); values that depend only on params and constants do not ([...shape]).
 */
export interface OracleValue {
  readonly tensor: tf.Tensor;
  readonly batched: boolean;
}

/** What an op needs besides its operands. */
export interface OpContext {
  readonly node: Node;
  /** The node's per-example shape, evaluated. */
  readonly shape: readonly number[];
  readonly dims: Readonly<Record<string, number>>;
  readonly batch: number;
  /** Dropout masks by site, [B, …shape] (training runs); without one, dropout is the identity. */
  readonly masks?: ReadonlyMap<number, tf.Tensor>;
}

type OpImpl = (args: readonly OracleValue[], ctx: OpContext) => OracleValue;
/** Every op but the leaves (`seed` is a leaf of gradient graphs, which the oracle never runs). */
export type ComputedOp = Exclude<OpKind, "input" | "state" | "param" | "const" | "seed">;

/** The rank of one example's value. */
function exampleRank(v: OracleValue): number {
  return v.tensor.rank - (v.batched ? 1 : 0);
}

/** Gives an unbatched value a batch axis by broadcasting (its gradient sums over the batch). */
export function lift(v: OracleValue, batch: number): tf.Tensor {
  return v.batched ? v.tensor : tf.broadcastTo(tf.expandDims(v.tensor, 0), [batch, ...v.tensor.shape]);
}

/**
 * tfjs broadcasts from the trailing axis, so a batched scalar [B] meeting a batched vector
 * [B, n] must first become [B, 1]; everything else already lines up.
 */
function alignScalar(v: OracleValue, rank: number): tf.Tensor {
  if (!v.batched || exampleRank(v) !== 0 || rank === 0) return v.tensor;
  return tf.reshape(v.tensor, [v.tensor.shape[0]!, ...Array<number>(rank).fill(1)]);
}

function unary(f: (t: tf.Tensor, node: Node) => tf.Tensor): OpImpl {
  return ([a], { node }) => ({ tensor: f(a!.tensor, node), batched: a!.batched });
}

function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpImpl {
  return ([a, b], { shape }) => ({
    tensor: f(alignScalar(a!, shape.length), alignScalar(b!, shape.length)),
    batched: a!.batched || b!.batched,
  });
}

/** Reductions act on all of an example's axes (a vector's one; `sum` of a matrix in gradient graphs). */
function reduce(f: (t: tf.Tensor, axes: number[]) => tf.Tensor): OpImpl {
  return ([a]) => {
    const first = a!.batched ? 1 : 0;
    const axes = Array.from({ length: a!.tensor.rank - first }, (_, i) => first + i);
    return { tensor: f(a!.tensor, axes), batched: a!.batched };
  };
}

/**
 * max(a, b) (`larger` true) or min(a, b) as the mean of two selections that differ only at a
 * tie — one picks a, the other b — so a tie's adjoint is split in halves, PyTorch's convention,
 * from tfjs's own derivatives of products with (constant) comparison masks.
 */
function select(larger: boolean): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return (a, b) => {
    // Masks from tf.step (whose derivative is zero; comparisons have none in tfjs).
    const pick = (m: tf.Tensor) => tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b));
    const d = larger ? tf.sub(a, b) : tf.sub(b, a);
    const inclusive = tf.sub(1, tf.step(tf.neg(d))); // a ≥ b (a ≤ b for min)
    const strict = tf.step(d); //                        a > b (a < b)
    return tf.mul(0.5, tf.add(pick(inclusive), pick(strict)));
  };
}

function alphaOf(node: Node, fallback: number): number {
  return node.attrs.alpha ?? fallback;
}

/**
 * Matrix products. Each example's operands are viewed as matrices (a first-operand vector
 * [k] as a row [1, k], a second-operand vector [k] as a column [k, 1]); transA / transB
 * transpose a matrix operand (gradient graphs use them); a batched product
 * broadcasts any unbatched operand over the batch and uses tfjs's batched matMul. The
 * result is reshaped to the node's per-example shape.
 */
const matmul: OpImpl = ([a, b], { node, shape, batch }) => {
  const rankA = exampleRank(a!);
  const rankB = exampleRank(b!);
  const transA = node.attrs.transA === true && rankA === 2;
  const transB = node.attrs.transB === true && rankB === 2;
  const asMatA = rankA === 1 ? tf.expandDims(a!.tensor, a!.batched ? 1 : 0) : a!.tensor;
  const asMatB = rankB === 1 ? tf.expandDims(b!.tensor, b!.batched ? 2 : 1) : b!.tensor;
  if (!a!.batched && !b!.batched) {
    return { tensor: tf.reshape(tf.matMul(asMatA, asMatB, transA, transB), [...shape]), batched: false };
  }
  const liftA = lift({ tensor: asMatA, batched: a!.batched }, batch);
  const liftB = lift({ tensor: asMatB, batched: b!.batched }, batch);
  return { tensor: tf.reshape(tf.matMul(liftA, liftB, transA, transB), [batch, ...shape]), batched: true };
};

/** [m] ⊗ [n] → [m, n]: a column times a row, broadcasting over the batch. */
const outer: OpImpl = ([a, b]) => {
  const col = tf.expandDims(a!.tensor, a!.batched ? 2 : 1);
  const row = tf.expandDims(b!.tensor, b!.batched ? 1 : 0);
  return { tensor: tf.mul(col, row), batched: a!.batched || b!.batched };
};

const broadcast: OpImpl = ([a], { shape, batch }) => {
  if (!a!.batched) return { tensor: tf.broadcastTo(a!.tensor, [...shape]), batched: false };
  const column = tf.reshape(a!.tensor, [batch, ...shape.map(() => 1)]);
  return { tensor: tf.broadcastTo(column, [batch, ...shape]), batched: true };
};

const slice: OpImpl = ([a], { node, dims }) => {
  const start = node.attrs.start!.evaluate(dims);
  const end = node.attrs.end!.evaluate(dims);
  const rest = Array<number>(exampleRank(a!) - 1).fill(0);
  const restSize = rest.map(() => -1);
  const tensor = a!.batched
    ? tf.slice(a!.tensor, [0, start, ...rest], [-1, end - start, ...restSize])
    : tf.slice(a!.tensor, [start, ...rest], [end - start, ...restSize]);
  return { tensor, batched: a!.batched };
};

/** Zeros of the node's shape with the operand at rows [start, end) (the adjoint of slice). */
const pad: OpImpl = ([a], { node, dims, shape }) => {
  const start = node.attrs.start!.evaluate(dims);
  const end = node.attrs.end!.evaluate(dims);
  const rows: [number, number] = [start, shape[0]! - end];
  const rest = shape.slice(1).map((): [number, number] => [0, 0]);
  return { tensor: tf.pad(a!.tensor, a!.batched ? [[0, 0], rows, ...rest] : [rows, ...rest]), batched: a!.batched };
};

const concat: OpImpl = (args, { batch }) => {
  if (!args.some((a) => a.batched)) return { tensor: tf.concat(args.map((a) => a.tensor), 0), batched: false };
  return { tensor: tf.concat(args.map((a) => lift(a, batch)), 1), batched: true };
};

/** One-hot of the first maximum along the example's vector (tfjs's argMax picks the first). */
const maxMask: OpImpl = ([a]) => {
  const n = a!.tensor.shape[a!.tensor.rank - 1]!;
  return { tensor: tf.oneHot(tf.argMax(a!.tensor, -1), n, 1, 0, "float32"), batched: a!.batched };
};

/** The table: one tfjs implementation per computed op. */
export const ORACLE_OPS: Readonly<Record<ComputedOp, OpImpl>> = {
  matmul,
  outer,
  neg: unary((t) => tf.neg(t)),
  sigmoid: unary((t) => tf.sigmoid(t)),
  tanh: unary((t) => tf.tanh(t)),
  relu: unary((t) => tf.relu(t)),
  leaky_relu: unary((t, node) => tf.leakyRelu(t, alphaOf(node, 0.01))),
  // tfjs's elu has α = 1 fixed; relu(x) + α(exp(min(x, 0)) − 1) is elu for any α, and never
  // evaluates exp of a large positive x (whose overflow would poison the gradient with NaN).
  elu: unary((t, node) => tf.add(tf.relu(t), tf.mul(alphaOf(node, 1), tf.sub(tf.exp(tf.minimum(t, 0)), 1)))),
  softplus: unary((t) => tf.softplus(t)),
  softsign: unary((t) => tf.div(t, tf.add(1, tf.abs(t)))),
  // PyTorch's hardsigmoid: clamp(x/6 + 1/2, 0, 1).
  hard_sigmoid: unary((t) => tf.clipByValue(tf.add(tf.div(t, 6), 0.5), 0, 1)),
  exp: unary((t) => tf.exp(t)),
  log: unary((t) => tf.log(t)),
  sqrt: unary((t) => tf.sqrt(t)),
  // |x| = x·sign(x), so that its derivative at 0 is 0 (PyTorch's; tfjs's own abs gives −1 there).
  abs: unary((t) => tf.mul(t, tf.sign(t))),
  // PyTorch's clamp: tfjs's clipByValue passes the adjoint on the closed interval, as it does.
  clamp: unary((t, node) => tf.clipByValue(t, node.attrs.lo!, node.attrs.hi!)),
  pow: unary((t, node) => tf.pow(t, tf.scalar(node.attrs.exponent!))),
  dropout: ([a], { node, masks, batch }) => {
    const mask = masks?.get(node.attrs.site!);
    return mask ? { tensor: tf.mul(lift(a!, batch), mask), batched: true } : a!;
  },
  step: unary((t) => tf.step(t, 0)),
  sign: unary((t) => tf.sign(t)),
  add: binary((a, b) => tf.add(a, b)),
  sub: binary((a, b) => tf.sub(a, b)),
  mul: binary((a, b) => tf.mul(a, b)),
  div: binary((a, b) => tf.div(a, b)),
  maximum: binary(select(true)),
  minimum: binary(select(false)),
  sum: reduce((t, axes) => tf.sum(t, axes)),
  mean: reduce((t, axes) => tf.mean(t, axes)),
  max: reduce((t, axes) => tf.max(t, axes)),
  max_mask: maxMask,
  broadcast,
  slice,
  pad,
  concat,
};
