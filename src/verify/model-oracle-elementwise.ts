/**
 * The tfjs oracle of a model's elementwise functions and poolings over time, from their
 * definitions (docs/language.md), never from the driver: tfjs broadcasting does the numbers and
 * the per-sequence operands, tfjs's autodiff the gradients. Rows an example does not have (steps
 * past its length; every row of an example of length 0) are selected away with `tf.where` on the
 * way in (replaced by 1, so that `log` or `/` of padding makes no NaN that a gradient would
 * carry) and on the way out (zero).
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelNode } from "../check/model-types.js";
import type { SeqBinaryFn, SeqUnaryAttrs, SeqUnaryFn } from "../core/seq-ops.js";

/** What the elementwise oracles read of the model oracle's context (model-oracle.ts). */
export interface ElementwiseOracleContext {
  readonly B: number;
  readonly T: number;
  readonly len: (b: number) => number;
  readonly vector: (id: number) => tf.Tensor;
  /** The timing of node `id`, and whether it is a number (broadcast, never masked). */
  readonly node: (id: number) => ModelNode;
}

/** PyTorch's maximum/minimum: the adjoint to the larger (smaller) operand, halves at a tie; masks from tf.step, whose derivative is zero. */
function select(larger: boolean): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return (a, b) => {
    const pick = (m: tf.Tensor) => tf.add(tf.mul(m, a), tf.mul(tf.sub(1, m), b));
    const d = larger ? tf.sub(a, b) : tf.sub(b, a);
    return tf.mul(0.5, tf.add(pick(tf.sub(1, tf.step(tf.neg(d)))), pick(tf.step(d))));
  };
}

const BINARY: { readonly [K in SeqBinaryFn]: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor } = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  maximum: select(true),
  minimum: select(false),
};

const UNARY: { readonly [K in SeqUnaryFn]: (t: tf.Tensor, a: SeqUnaryAttrs) => tf.Tensor } = {
  neg: (t) => tf.neg(t),
  sigmoid: (t) => tf.sigmoid(t),
  tanh: (t) => tf.tanh(t),
  relu: (t) => tf.relu(t),
  leaky_relu: (t, a) => tf.leakyRelu(t, a.alpha ?? 0.01),
  // relu(x) + α(exp(min(x, 0)) − 1): elu for any α, without exp of a large x.
  elu: (t, a) => tf.add(tf.relu(t), tf.mul(a.alpha ?? 1, tf.sub(tf.exp(tf.minimum(t, 0)), 1))),
  softplus: (t) => tf.softplus(t),
  softsign: (t) => tf.div(t, tf.add(1, tf.abs(t))),
  hard_sigmoid: (t) => tf.clipByValue(tf.add(tf.div(t, 6), 0.5), 0, 1),
  exp: (t) => tf.exp(t),
  log: (t) => tf.log(t),
  sqrt: (t) => tf.sqrt(t),
  // x·sign(x): derivative 0 at 0, as PyTorch's abs.
  abs: (t) => tf.mul(t, tf.sign(t)),
  // clipByValue passes the adjoint on the closed interval, as PyTorch's clamp.
  clamp: (t, a) => tf.clipByValue(t, a.lo!, a.hi!),
  pow: (t, a) => tf.pow(t, tf.scalar(a.exponent!)),
};

/** bool mask of the rows an example has: [T, B, 1] per step, [B, 1] per sequence. */
function rowsMask(cx: ElementwiseOracleContext, once: boolean): tf.Tensor {
  const { B, T, len } = cx;
  const flags = once ? Array.from({ length: B }, (_, b) => len(b) > 0) : Array.from({ length: T * B }, (_, r) => Math.floor(r / B) < len(r % B));
  return tf.tensor(flags, once ? [B, 1] : [T, B, 1], "bool");
}

/** Node `id` with its absent rows replaced by 1 (a number as a scalar). */
function operand(cx: ElementwiseOracleContext, id: number): tf.Tensor {
  const n = cx.node(id);
  if (n.op === "number") return tf.scalar(n.value);
  const v = cx.vector(id);
  return tf.where(rowsMask(cx, n.timing === "once"), v, tf.onesLike(v));
}

function zeroWhereAbsent(cx: ElementwiseOracleContext, node: ModelNode, v: tf.Tensor): tf.Tensor {
  return tf.where(rowsMask(cx, node.timing === "once"), v, tf.zerosLike(v));
}

export function binaryOracle(node: Extract<ModelNode, { op: "binary" }>, cx: ElementwiseOracleContext): tf.Tensor {
  return zeroWhereAbsent(cx, node, BINARY[node.fn](operand(cx, node.args[0]), operand(cx, node.args[1])));
}

export function unaryOracle(node: Extract<ModelNode, { op: "unary" }>, cx: ElementwiseOracleContext): tf.Tensor {
  return zeroWhereAbsent(cx, node, UNARY[node.fn](operand(cx, node.arg), node.attrs));
}

/** The masked mean or maximum over each example's valid steps: [T, B, W] → [B, W], 0 for length 0. */
export function poolOracle(node: Extract<ModelNode, { op: "mean_over_time" | "max_over_time" }>, cx: ElementwiseOracleContext): tf.Tensor {
  const s = cx.vector(node.arg);
  const steps = rowsMask(cx, false);
  if (node.op === "mean_over_time") {
    const sum = tf.sum(tf.where(steps, s, tf.zerosLike(s)), 0);
    const divisor = tf.tensor(Array.from({ length: cx.B }, (_, b) => Math.max(cx.len(b), 1)), [cx.B, 1]);
    return tf.div(sum, divisor);
  }
  const max = tf.max(tf.where(steps, s, tf.fill(s.shape, -1e30)), 0);
  return zeroWhereAbsent(cx, node, max);
}
