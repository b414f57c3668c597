import { diag } from "../diagnostics/codes.js";
import { dropoutProbabilityError, literalValue } from "./builtins.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { Dim, shapeToString } from "../core/dims.js";
import type { LossKind, SeqArithmetic, SeqOp, SeqUnaryFn } from "../core/seq-ops.js";
import type { ModelType } from "./model-types.js";
import { elementwiseBinary, negation, numberIsNotASequence, unaryCall } from "./model-elementwise.js";
import { addNode, argValues, expectKind, found, touch, typeText, type Call, type ModelCx, type Value } from "./model-scope.js";

/**
 * The type rule of each sequence operation and loss of a model, one entry per op (the other
 * levels keep their own tables keyed by the same kinds: src/core/seq-ops.ts). A rule checks its
 * operands, reports what is wrong at the line that wires it, and adds the op's node to the graph.
 */

type Binary = Extract<Expr, { kind: "binary" }>;
type Neg = Extract<Expr, { kind: "neg" }>;
type NumberExpr = Extract<Expr, { kind: "number" }>;
/** A call of a sequence function or built-in, an operator between two sequences, a negation or a number. */
type SeqOpRule<E> = (e: E, cx: ModelCx) => Value | undefined;
type ExprOfOp<K extends SeqOp> = K extends SeqArithmetic ? Binary : K extends "neg" ? Neg : K extends "number" ? NumberExpr : Call;

/** `a + b`, `a - b`, `a * b`, `a / b`: elementwise (src/check/model-elementwise.ts). */
const arithmetic = (fn: SeqArithmetic): SeqOpRule<Binary> => (e, cx) => elementwiseBinary(fn, e.op, [e.left, e.right], e.span, cx);

/** `max(a, b)`, `min(a, b)`: elementwise (the one-argument reductions are refused before, in model-exprs.ts). */
const binaryBuiltin = (fn: "maximum" | "minimum", name: string): SeqOpRule<Call> => (call, cx) => {
  if (call.args.length !== 2) {
    cx.report(diag("RNN5001", { fn: name, expected: 2, found: call.args.length }, { labels: [primary(call.span, `called with ${call.args.length} argument(s)`)] }));
    call.args.forEach((a) => touch(cx, a));
    return undefined;
  }
  return elementwiseBinary(fn, name, [call.args[0]!, call.args[1]!], call.span, cx);
};

const unary = (fn: Exclude<SeqUnaryFn, "neg">): SeqOpRule<Call> => (call, cx) => unaryCall(fn, call, cx);

/** `mean_over_time(s)`, `max_over_time(s)`: a per-step vector sequence → one value per sequence. */
const pooling = (op: "mean_over_time" | "max_over_time"): SeqOpRule<Call> => (call, cx) => {
  const [v] = argValues(cx, call, 1) ?? [];
  if (!v || !expectKind(cx, op, v, call.args[0]!, { type: "vector", timing: "step" })) return undefined;
  return addNode(cx, { op, arg: v.node, type: v.type, timing: "once", span: call.span });
};

export const SEQ_OP_RULES: { readonly [K in SeqOp]: SeqOpRule<ExprOfOp<K>> } = {
  /** ids → their one-hot vectors, of the id range's size. */
  onehot(call, cx) {
    const [v] = argValues(cx, call, 1) ?? [];
    if (!v || !expectKind(cx, "onehot", v, call.args[0]!, { type: "index" })) return undefined;
    return addNode(cx, { op: "onehot", arg: v.node, type: { kind: "vector", width: (v.type as { size: Dim }).size }, timing: v.timing, span: call.span });
  },
  /** A per-step sequence, each example's valid steps in reverse order. */
  reverse(call, cx) {
    const [v] = argValues(cx, call, 1) ?? [];
    if (!v || !expectKind(cx, "reverse", v, call.args[0]!, { timing: "step" })) return undefined;
    return addNode(cx, { op: "reverse", arg: v.node, type: v.type, timing: "step", span: call.span });
  },
  /** A per-step sequence → its value at each example's last valid step, once per sequence. */
  last(call, cx) {
    const [v] = argValues(cx, call, 1) ?? [];
    if (!v || !expectKind(cx, "last", v, call.args[0]!, { timing: "step" })) return undefined;
    return addNode(cx, { op: "last", arg: v.node, type: v.type, timing: "once", span: call.span });
  },
  /** Vector sequences of one timing, side by side: the widths add up. */
  concat(call, cx) {
    const vs = argValues(cx, call, "many");
    if (!vs) return undefined;
    if (!vs.every((v, i) => expectKind(cx, "concat", v, call.args[i]!, { type: "vector" }))) return undefined;
    // Per step when any operand is: a per-sequence operand is then repeated at every valid step of
    // its example (as torch.cat([x, ctx.expand(T, B, C)], -1)), zero past its length.
    const timing = vs.some((v) => v.timing === "step") ? "step" : "once";
    const width = vs.reduce((w, v) => w.add((v.type as { width: Dim }).width), Dim.const(0));
    return addNode(cx, { op: "concat", args: vs.map((v) => v.node), type: { kind: "vector", width }, timing, span: call.span });
  },
  /**
   * `dropout(v, p)`: a vector sequence of any timing, the same type; `p` a number literal in [0, 1)
   * (the rule of a cell's dropout, RNN5006 and RNN5010).
   */
  dropout(call, cx) {
    if (call.args.length !== 2) {
      cx.report(diag("RNN5001", { fn: "dropout", expected: 2, found: call.args.length }, { labels: [primary(call.span, `called with ${call.args.length} argument(s)`)], helps: ["`dropout(sequence, p)` with p a probability in [0, 1)"] }));
      call.args.forEach((a) => touch(cx, a));
      return undefined;
    }
    const [arg, pArg] = call.args as [Expr, Expr];
    const p = literalValue(pArg);
    const v = cx.valueOf(arg);
    if (p === undefined) {
      touch(cx, pArg);
      cx.report(diag("RNN5006", { index: 2, fn: "dropout", expected: "a number literal", found: `\`${cx.env.text(pArg.span)}\`` }, { labels: [primary(pArg.span, "a probability written as a number, like `0.25`")] }));
      return undefined;
    }
    const error = dropoutProbabilityError(p, pArg.span);
    if (error) {
      cx.report(error);
      return undefined;
    }
    if (!v || !expectKind(cx, "dropout", v, arg, { type: "vector" })) return undefined;
    return addNode(cx, { op: "dropout", arg: v.node, p, type: v.type, timing: v.timing, span: call.span });
  },
  /** Each example's mean over its valid steps (0 for an example of length 0). */
  mean_over_time: pooling("mean_over_time"),
  /** Each example's featurewise maximum over its valid steps (0 for an example of length 0). */
  max_over_time: pooling("max_over_time"),
  add: arithmetic("add"),
  sub: arithmetic("sub"),
  mul: arithmetic("mul"),
  div: arithmetic("div"),
  maximum: binaryBuiltin("maximum", "max"),
  minimum: binaryBuiltin("minimum", "min"),
  neg: negation,
  sigmoid: unary("sigmoid"),
  tanh: unary("tanh"),
  relu: unary("relu"),
  leaky_relu: unary("leaky_relu"),
  elu: unary("elu"),
  softplus: unary("softplus"),
  softsign: unary("softsign"),
  hard_sigmoid: unary("hard_sigmoid"),
  exp: unary("exp"),
  log: unary("log"),
  sqrt: unary("sqrt"),
  abs: unary("abs"),
  clamp: unary("clamp"),
  pow: unary("pow"),
  /** A number alone where a sequence is needed; numbers as operands are read by the elementwise rules. */
  number: (e, cx) => numberIsNotASequence(e.span, cx),
};

/** What a loss rule compares: the prediction and the target it is given. */
export interface LossOperands {
  readonly fn: LossKind;
  readonly pred: Value;
  readonly width: Dim;
  readonly target: { readonly name: string; readonly type: ModelType; readonly span: Span; readonly expr: Expr };
}
type Span = Expr["span"];

/** The target each loss needs, given the prediction's width: true when `target` is one. */
export const LOSS_RULES: { readonly [K in LossKind]: (o: LossOperands, cx: ModelCx) => boolean } = {
  /** Logits [C] against class ids `index(C)`. */
  cross_entropy({ fn, pred, width, target }, cx) {
    if (target.type.kind === "index" && target.type.size.equals(width)) return true;
    cx.report(
      diag("RNN3005", { fn, expected: `a target of class ids \`index(${width})\` for logits ${shapeToString([width])}`, found: `\`${target.name}\`: ${typeText(target.type)}` }, {
        labels: [primary(target.expr.span, typeText(target.type)), secondary(target.span, "declared here"), ...found(pred, `logits ${shapeToString([width])} from here`)],
      }),
    );
    return false;
  },
  /** A prediction [N] against a target of the same shape. */
  mse({ fn, pred, width, target }, cx) {
    if (target.type.kind === "vector" && target.type.width.equals(width)) return true;
    cx.report(
      diag("RNN3005", { fn, expected: `a target of the prediction's shape ${shapeToString([width])}`, found: `\`${target.name}\`: ${typeText(target.type)}` }, {
        labels: [primary(target.expr.span, typeText(target.type)), secondary(target.span, "declared here"), ...found(pred, `prediction ${shapeToString([width])} from here`)],
      }),
    );
    return false;
  },
};

