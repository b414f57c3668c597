import { diag } from "../diagnostics/codes.js";
import { dropoutProbabilityError, literalValue } from "./builtins.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { Dim, shapeToString } from "../core/dims.js";
import type { LossKind, SeqArithmetic, SeqOp } from "../core/seq-ops.js";
import type { ModelType } from "./model-types.js";
import { addNode, argValues, expectKind, found, touch, typeText, type Call, type ModelCx, type Value } from "./model-scope.js";

/**
 * The type rule of each sequence operation and loss of a model, one entry per op (the other
 * levels keep their own tables keyed by the same kinds: src/core/seq-ops.ts). A rule checks its
 * operands, reports what is wrong at the line that wires it, and adds the op's node to the graph.
 */

type Binary = Extract<Expr, { kind: "binary" }>;
/** A call of a sequence function, or an operator between two sequences. */
type SeqOpRule<E> = (e: E, cx: ModelCx) => Value | undefined;
type ExprOfOp<K extends SeqOp> = K extends SeqArithmetic ? Binary : Call;

/** `a + b`, `a - b`, `a * b`: elementwise on two vector sequences of one width and timing. */
const arithmetic = (fn: SeqArithmetic): SeqOpRule<Binary> => (e, cx) => {
  const operands = [e.left, e.right].map((x) => (x.kind === "number" ? undefined : cx.valueOf(x)));
  const number = [e.left, e.right].find((x) => x.kind === "number");
  if (number) {
    cx.report(
      diag("RNN4003", { what: "a number", allowed: "cells and functions", where: "a model" }, {
        labels: [primary(number.span, "a model adds, subtracts and multiplies whole sequences, not numbers")],
        helps: ["scale or shift inside a cell, and apply that cell as a layer"],
      }),
    );
    return undefined;
  }
  const [a, b] = operands;
  if (!a || !b) return undefined;
  if (!expectKind(cx, e.op, a, e.left, { type: "vector" }) || !expectKind(cx, e.op, b, e.right, { type: "vector" })) return undefined;
  const [wa, wb] = [a, b].map((v) => (v.type as { width: Dim }).width) as [Dim, Dim];
  if (!wa.equals(wb) || a.timing !== b.timing) {
    cx.report(
      diag("RNN3005", { fn: e.op, expected: `operands of one width and timing (the left is ${typeText(a.type, a.timing)})`, found: typeText(b.type, b.timing) }, {
        labels: [primary(e.right.span, typeText(b.type, b.timing)), secondary(e.left.span, typeText(a.type, a.timing))],
      }),
    );
    return undefined;
  }
  return addNode(cx, { op: "binary", fn, args: [a.node, b.node], type: a.type, timing: a.timing, span: e.span });
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
    const first = vs[0]!;
    for (let i = 1; i < vs.length; i++) {
      if (vs[i]!.timing === first.timing) continue;
      cx.report(
        diag("RNN3005", { fn: "concat", expected: `operands of one timing (the first is ${first.timing === "step" ? "per step" : "per sequence"})`, found: vs[i]!.timing === "step" ? "a per-step sequence" : "one value per sequence" }, {
          labels: [primary(call.args[i]!.span, "this operand"), secondary(call.args[0]!.span, "the first operand")],
        }),
      );
      return undefined;
    }
    const width = vs.reduce((w, v) => w.add((v.type as { width: Dim }).width), Dim.const(0));
    return addNode(cx, { op: "concat", args: vs.map((v) => v.node), type: { kind: "vector", width }, timing: first.timing, span: call.span });
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
  add: arithmetic("add"),
  sub: arithmetic("sub"),
  mul: arithmetic("mul"),
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

