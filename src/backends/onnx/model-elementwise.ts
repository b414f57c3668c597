/**
 * The ONNX form of a model's elementwise functions and poolings over time (the driver's semantics,
 * src/runtime/model-elementwise.ts):
 *   binary   Add/Sub/Mul/Div/Max/Min, ONNX broadcasting a number ([]) or a per-sequence [B, W]
 *            operand against a per-step [T, B, W] one;
 *   unary    the cell's emission of the same function (ops.ts's forms: Sigmoid, Clip, Pow, …);
 *   mean     ReduceSum over time of the masked steps, over max(length, 1);
 *   max      ReduceMax over time with −∞ past each length, then 0 for an example of length 0.
 * A result is zero where an example has no row: past its length per step, for length 0 per
 * sequence. The mask (`Where`, which never reads the side it drops: log of padding stays out) is
 * left out only where it cannot change anything — an operation that keeps 0 at 0 on operands of
 * its own timing that are already zero there — so the residual connections and sums of
 * directions of earlier versions export exactly as before.
 */
import type { ModelNode } from "../../check/model-types.js";
import type { SeqBinaryFn, SeqUnaryAttrs, SeqUnaryFn } from "../../core/seq-ops.js";
import { attr, ElemType } from "./proto.js";
import type { ModelFrame } from "./model-frame.js";

/** What the emitters read of the model emitter (src/backends/onnx/model.ts). */
export interface ElementwiseHost {
  readonly frame: ModelFrame;
  readonly options: { readonly dims: Readonly<Record<string, number>> };
  value(id: number): { readonly name: string };
  node(id: number): ModelNode;
}

export const BINARY_ONNX: { readonly [K in SeqBinaryFn]: string } = { add: "Add", sub: "Sub", mul: "Mul", div: "Div", maximum: "Max", minimum: "Min" };

/** The unary functions that are one ONNX op with no attribute. */
const SIMPLE_UNARY: { readonly [K in SeqUnaryFn]?: string } = {
  neg: "Neg", sigmoid: "Sigmoid", tanh: "Tanh", relu: "Relu", softplus: "Softplus", softsign: "Softsign", exp: "Exp", log: "Log", sqrt: "Sqrt", abs: "Abs",
};

/** True where f(0) = 0 exactly (so a zero row stays zero). */
function keepsZero(fn: SeqUnaryFn, a: SeqUnaryAttrs): boolean {
  if (fn === "clamp") return a.lo! <= 0 && a.hi! >= 0;
  if (fn === "pow") return a.exponent! > 0;
  return ["neg", "tanh", "relu", "leaky_relu", "elu", "softsign", "sqrt", "abs"].includes(fn);
}

/** True when node `id` is zero on every row an example does not have (so a mask over it changes nothing). */
function zeroWhereAbsent(h: ElementwiseHost, id: number): boolean {
  const n = h.node(id);
  switch (n.op) {
    case "input": // the caller's padding
    case "number":
      return false;
    case "onehot": // ids past a length are masked per step; a per-sequence id of an empty example is 0, which is hot
      return n.timing === "step";
    case "concat":
      return n.args.every((a) => zeroWhereAbsent(h, a));
    default:
      return true;
  }
}

/** Whether an elementwise node's result needs the mask: unless f keeps 0 and every operand is a same-timed sequence zero where absent. */
function needsMask(h: ElementwiseHost, node: Extract<ModelNode, { op: "binary" | "unary" }>): boolean {
  const args = node.op === "binary" ? node.args : [node.arg];
  const keeps = node.op === "binary" ? ["add", "sub", "mul", "maximum", "minimum"].includes(node.fn) : keepsZero(node.fn, node.attrs);
  return !(keeps && args.every((a) => h.node(a).timing === node.timing && zeroWhereAbsent(h, a)));
}

/** `value` with zero on the rows an example does not have. */
function zeroWhereAbsentMask(h: ElementwiseHost, name: string, value: string, width: number, once: boolean, doc: string): string {
  const { frame } = h;
  if (!once) return frame.mask.zeroPast(name, { name: value, batched: true, shape: [width] }, doc);
  return frame.region.emitNamed("Where", [nonEmptyColumn(frame), value, frame.region.model.floatScalar(0)], name, doc);
}

/** bool [B, 1]: the example has at least one step (made once per frame). */
const nonEmpty = new WeakMap<ModelFrame, string>();
function nonEmptyColumn(frame: ModelFrame): string {
  let name = nonEmpty.get(frame);
  if (name === undefined) {
    const r = frame.region;
    const some = r.emitNamed("Greater", [frame.clampedLengths, r.model.int64([0], true)], "mask/nonempty", "the example has at least one step, [B]");
    name = r.unsqueeze(some, [1], "mask/nonempty_column");
    nonEmpty.set(frame, name);
  }
  return name;
}

export function emitBinary(h: ElementwiseHost, node: Extract<ModelNode, { op: "binary" }>, doc: string): string {
  const r = h.frame.region;
  const base = `${node.fn}_${node.id}`;
  const masked = needsMask(h, node);
  const all = r.emitNamed(BINARY_ONNX[node.fn], node.args.map((a) => h.value(a).name), masked ? `${base}/all` : base, doc);
  return masked ? zeroWhereAbsentMask(h, base, all, widthOf(h, node), node.timing === "once", doc) : all;
}

export function emitUnary(h: ElementwiseHost, node: Extract<ModelNode, { op: "unary" }>, doc: string): string {
  const r = h.frame.region;
  const base = `${node.fn}_${node.id}`;
  const masked = needsMask(h, node);
  const name = masked ? `${base}/all` : base;
  const x = h.value(node.arg).name;
  const a = node.attrs;
  const simple = SIMPLE_UNARY[node.fn];
  const all =
    simple ? r.emitNamed(simple, [x], name, doc)
    : node.fn === "leaky_relu" || node.fn === "elu" ? r.emitNamed(node.fn === "elu" ? "Elu" : "LeakyRelu", [x], name, doc, { alpha: attr.float(a.alpha ?? (node.fn === "elu" ? 1 : 0.01)) })
    // PyTorch's hardsigmoid: clamp(x/6 + 1/2, 0, 1), ONNX's HardSigmoid with these constants.
    : node.fn === "hard_sigmoid" ? r.emitNamed("HardSigmoid", [x], name, doc, { alpha: attr.float(1 / 6), beta: attr.float(0.5) })
    : node.fn === "clamp" ? (r.opset >= 11 ? r.emitNamed("Clip", [x, r.model.floatScalar(a.lo!), r.model.floatScalar(a.hi!)], name, doc) : r.emitNamed("Clip", [x], name, doc, { min: attr.float(a.lo!), max: attr.float(a.hi!) }))
    : r.emitNamed("Pow", [x, r.model.floatScalar(a.exponent!)], name, doc);
  return masked ? zeroWhereAbsentMask(h, base, all, widthOf(h, node), node.timing === "once", doc) : all;
}

/** mean_over_time / max_over_time: [T, B, W] → [B, W] over each example's valid steps; 0 for length 0. */
export function emitPool(h: ElementwiseHost, node: Extract<ModelNode, { op: "mean_over_time" | "max_over_time" }>, doc: string): string {
  const { frame } = h;
  const r = frame.region;
  const base = `${node.op}_${node.id}`;
  const x = h.value(node.arg).name;
  const W = widthOf(h, node);
  if (node.op === "mean_over_time") {
    const steps = zeroWhereAbsent(h, node.arg) ? x : frame.mask.zeroPast(`${base}/valid`, { name: x, batched: true, shape: [W] }, doc);
    const sum = r.axesOp("ReduceSum", steps, [0], { keepdims: attr.int(0) }, `${base}/sum`);
    const count = r.emitNamed("Cast", [frame.clampedLengths], `${base}/count`, "each example's number of steps, as float", { to: attr.int(ElemType.FLOAT) });
    const atLeastOne = r.emitNamed("Max", [count, r.model.floatScalar(1)], `${base}/divisor`, "max(length, 1): an example of length 0 has sum 0 and mean 0", {});
    return r.emitNamed("Div", [sum, r.unsqueeze(atLeastOne, [1], `${base}/divisor_column`)], base, doc);
  }
  const padded = r.emitNamed("Where", [frame.mask.forRank(1), x, r.model.floatScalar(-Infinity)], `${base}/valid`, `${doc}: −∞ past each length`);
  const max = r.axesOp("ReduceMax", padded, [0], { keepdims: attr.int(0) }, `${base}/all`);
  return r.emitNamed("Where", [nonEmptyColumn(frame), max, r.model.floatScalar(0)], base, `${doc}: 0 for an example of length 0`);
}

function widthOf(h: ElementwiseHost, node: ModelNode): number {
  return node.type.kind === "vector" ? node.type.width.evaluate(h.options.dims) : 0;
}
