import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { Dim } from "../core/dims.js";
import type { SeqBinaryFn, SeqUnaryAttrs, SeqUnaryFn } from "../core/seq-ops.js";
import { BUILTINS, literalValue } from "./builtins.js";
import type { Timing } from "./model-types.js";
import { addNode, expectKind, touch, typeText, type Call, type ModelCx, type Value } from "./model-scope.js";

/**
 * Elementwise functions of a model's sequences: arithmetic (`0.5 * (a + b)`, `a / b`, `-a`), the
 * two-operand built-ins `max(a, b)`/`min(a, b)`, and the one-operand built-ins of cells
 * (`tanh(l(x))`, `clamp(a, 0, 1)`, `pow(a, 2)`). Operands are vector sequences of one width, or a
 * number (broadcast everywhere); a per-sequence operand is broadcast over the steps of a per-step
 * one, so the result is per step when either operand is. Every result is zero past each example's
 * length, as every model value (docs/language.md, "Timing").
 */

/** An operand: a sequence (a node of the graph), or a number literal. */
type Operand = { readonly value: Value; readonly expr: Expr } | { readonly number: number; readonly expr: Expr };

function operandOf(e: Expr, cx: ModelCx): Operand | undefined {
  const n = literalValue(e);
  if (n !== undefined) return { number: n, expr: e };
  const value = cx.valueOf(e);
  return value && { value, expr: e };
}

/** A number alone where a model needs a sequence (`output y = 2`, `l(2)`, `tanh(2)`, `2 * 3`). */
export function numberIsNotASequence(span: Expr["span"], cx: ModelCx, label = "a number, not a sequence"): undefined {
  cx.report(
    diag("RNN3023", { expr: cx.env.text(span) }, {
      labels: [primary(span, label)],
      notes: ["in a model a number only scales, shifts or bounds a sequence: `0.5 * h`, `h + 1`, `max(h, 0)`"],
    }),
  );
  return undefined;
}

/**
 * `a ⊕ b` for `⊕` one of the binary functions: `what` names it in messages (`+`, `max`). Returns
 * the node of the result, after reporting why there is none.
 */
export function elementwiseBinary(fn: SeqBinaryFn, what: string, exprs: readonly [Expr, Expr], span: Expr["span"], cx: ModelCx): Value | undefined {
  const ops = exprs.map((e) => operandOf(e, cx));
  if (ops.some((o) => o === undefined)) return undefined;
  const [a, b] = ops as [Operand, Operand];
  if ("number" in a && "number" in b) return numberIsNotASequence(span, cx, "both operands are numbers: write the number it makes");
  const seqs = [a, b].filter((o): o is Extract<Operand, { value: Value }> => "value" in o);
  if (!seqs.every((o) => expectKind(cx, what, o.value, o.expr, { type: "vector" }))) return undefined;
  if (seqs.length === 2) {
    const [va, vb] = [seqs[0]!.value, seqs[1]!.value];
    const [wa, wb] = [va, vb].map((v) => (v.type as { width: Dim }).width) as [Dim, Dim];
    if (!wa.equals(wb)) {
      cx.report(
        diag("RNN3005", { fn: what, expected: `operands of one width (the left is ${typeText(va.type, va.timing)})`, found: typeText(vb.type, vb.timing) }, {
          labels: [primary(exprs[1].span, typeText(vb.type, vb.timing)), secondary(exprs[0].span, typeText(va.type, va.timing))],
          notes: ["elementwise arithmetic pairs the features of two sequences one by one; a number may stand for either side"],
        }),
      );
      return undefined;
    }
  }
  const timing: Timing = seqs.some((o) => o.value.timing === "step") ? "step" : "once";
  const nodeOf = (o: Operand) => ("value" in o ? o.value.node : numberNode(o.number, o.expr, cx).node);
  const args: [number, number] = [nodeOf(a), nodeOf(b)];
  return addNode(cx, { op: "binary", fn, args, type: seqs[0]!.value.type, timing, span });
}

function numberNode(value: number, e: Expr, cx: ModelCx): Value {
  // Typed [1] per sequence: it is broadcast to every feature, step and example.
  return addNode(cx, { op: "number", value, type: { kind: "vector", width: Dim.const(1) }, timing: "once", span: e.span });
}

/** `-a`: the negation of a sequence (of a number, it is that number). */
export function negation(e: Extract<Expr, { kind: "neg" }>, cx: ModelCx): Value | undefined {
  if (literalValue(e) !== undefined) return numberIsNotASequence(e.span, cx);
  return unaryNode("neg", e.operand, {}, e.span, cx, "-");
}

function unaryNode(fn: SeqUnaryFn, arg: Expr, attrs: SeqUnaryAttrs, span: Expr["span"], cx: ModelCx, what: string): Value | undefined {
  if (literalValue(arg) !== undefined) return numberIsNotASequence(arg.span, cx);
  const v = cx.valueOf(arg);
  if (!v || !expectKind(cx, what, v, arg, { type: "vector" })) return undefined;
  return addNode(cx, { op: "unary", fn, arg: v.node, attrs, type: v.type, timing: v.timing, span });
}

/**
 * A call of a one-operand elementwise built-in on a sequence: the argument count and number
 * arguments as in a cell (src/check/builtins.ts), `clamp`'s bounds in order.
 */
export function unaryCall(fn: Exclude<SeqUnaryFn, "neg">, call: Call, cx: ModelCx): Value | undefined {
  const b = BUILTINS.get(fn)!;
  const [min, max] = [1 + (b.requiredLiterals ?? 0), 1 + (b.literals ?? 0)];
  const n = call.args.length;
  if (n < min || n > max) {
    cx.report(diag("RNN5001", { fn, expected: min === max ? String(min) : `${min} or ${max}`, found: n }, { labels: [primary(call.span, `called with ${n} argument(s)`)] }));
    call.args.forEach((a) => touch(cx, a));
    return undefined;
  }
  const numbers: number[] = [];
  for (let i = 1; i < n; i++) {
    const a = call.args[i]!;
    const v = literalValue(a);
    if (v === undefined) {
      touch(cx, a);
      cx.report(
        diag("RNN5006", { index: i + 1, fn, expected: "a number literal", found: `\`${cx.env.text(a.span)}\`` }, {
          labels: [primary(a.span, "a number like `0.5` or `-1`")],
          notes: [`\`${fn}\` is the same function at every step of every example: its ${fn === "pow" ? "exponent" : fn === "clamp" ? "bounds" : "slope"} is a constant`],
        }),
      );
      touch(cx, call.args[0]!);
      return undefined;
    }
    numbers.push(v);
  }
  if (fn === "clamp" && numbers[0]! > numbers[1]!) {
    cx.report(
      diag("RNN5010", { index: 3, fn: "clamp", expected: `at least the lower bound ${numbers[0]}`, found: String(numbers[1]) }, {
        labels: [primary(call.args[2]!.span, `the upper bound is below the lower bound ${numbers[0]}`), secondary(call.args[1]!.span, "lower bound")],
      }),
    );
    touch(cx, call.args[0]!);
    return undefined;
  }
  const attrs: SeqUnaryAttrs =
    fn === "clamp" ? { lo: numbers[0]!, hi: numbers[1]! }
    : fn === "pow" ? { exponent: numbers[0]! }
    : numbers.length > 0 ? { alpha: numbers[0]! }
    : {};
  return unaryNode(fn, call.args[0]!, attrs, call.span, cx, fn);
}
