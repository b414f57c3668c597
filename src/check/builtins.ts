import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { SCALAR, shapeToString, shapesEqual, type Shape } from "../core/dims.js";
import { typeOf, withOrigins, type Typed } from "./expressions.js";
import type { ExprContext } from "./scope.js";

type Call = Extract<Expr, { kind: "call" }>;

/**
 * The built-in functions and their shape rules. Elementwise functions keep the shape;
 * reductions take a vector to a scalar; `concat` joins along the first axis; `split` is only
 * meaningful destructured (`let [a, b] = split(v, 2)`), which the `let` rule checks.
 */
interface Builtin {
  /**
   * Number of tensor arguments (a range when some are optional: `max(v)` reduces, `max(a, b)` is
   * elementwise), then how many number-literal arguments follow.
   */
  readonly arity: number | readonly [number, number] | "variadic";
  readonly literals?: number;
  /** How many of the literals must be given (all of `clamp`'s bounds; none of `elu`'s slope). */
  readonly requiredLiterals?: number;
  readonly rule: (args: Typed[], call: Call, cx: ExprContext) => Typed | undefined;
  /** The same function in the IR (`elu` → "elu"). */
  readonly op?: string;
}

const elementwise: Builtin["rule"] = (args) => ({ shape: args[0]!.shape });

/**
 * `max(v)`/`min(v)` reduce a vector; `max(a, b)`/`min(a, b)` are elementwise, with the shape rule
 * of `+`: equal shapes, or one of them a scalar.
 */
function reductionOrElementwise(name: string): Builtin["rule"] {
  const reduce = reduction(name);
  return (args, call, cx) => {
    if (args.length === 1) return reduce(args, call, cx);
    const [a, b] = [args[0]!, args[1]!];
    if (a.shape.length === 0) return { shape: b.shape };
    if (b.shape.length === 0 || shapesEqual(a.shape, b.shape)) return { shape: a.shape };
    const [as, bs] = [shapeToString(a.shape), shapeToString(b.shape)];
    cx.report(
      diag("RNN5002", { param: cx.text(call.args[1]!.span), fn: name, expected: as, found: bs }, {
        labels: withOrigins(primary(call.args[1]!.span, `shape ${bs}`), b, a),
        notes: [`\`${name}(a, b)\` is elementwise: b needs the shape of a (${as}), or one of them must be a scalar`],
      }),
    );
    return undefined;
  };
}

/**
 * Why a dropout probability `p` (argument `at` of `dropout(v, p)`) is refused, or undefined when it
 * lies in [0, 1): the one rule of a cell's and a model's dropout.
 */
export function dropoutProbabilityError(p: number, at: Expr["span"]): Diagnostic | undefined {
  if (p >= 0 && p < 1) return undefined;
  return diag("RNN5010", { index: 2, fn: "dropout", expected: "a probability in [0, 1)", found: String(p) }, {
    labels: [primary(at, p < 0 ? "a probability is not negative" : p === 1 ? "dropping everything leaves nothing to scale" : "a probability is at most 1")],
  });
}

/** `dropout(v, p)`: the drop probability is a literal in [0, 1). */
const dropoutRule: Builtin["rule"] = (args, call, cx) => {
  const error = dropoutProbabilityError(literalValue(call.args[1]!)!, call.args[1]!.span);
  if (error) {
    cx.report(error);
    return undefined;
  }
  return elementwise(args, call, cx);
};

/** `clamp(x, lo, hi)`: the bounds are literals, and lo ≤ hi. */
const clampRule: Builtin["rule"] = (args, call, cx) => {
  const lo = literalValue(call.args[1]!)!;
  const hi = literalValue(call.args[2]!)!;
  if (lo > hi) {
    cx.report(
      diag("RNN5010", { index: 3, fn: "clamp", expected: `at least the lower bound ${lo}`, found: String(hi) }, {
        labels: [primary(call.args[2]!.span, `the upper bound is below the lower bound ${lo}`), secondary(call.args[1]!.span, "lower bound")],
      }),
    );
    return undefined;
  }
  return elementwise(args, call, cx);
};

function reduction(name: string): Builtin["rule"] {
  return (args, call, cx) => {
    const t = args[0]!;
    if (t.shape.length !== 1) {
      cx.report(
        diag("RNN3005", { fn: name, expected: "a vector", found: t.shape.length === 0 ? "a scalar" : `a matrix ${shapeToString(t.shape)}` }, {
          labels: withOrigins(primary(call.args[0]!.span, `shape ${shapeToString(t.shape)}`), t),
        }),
      );
      return undefined;
    }
    return { shape: name === "softmax" ? t.shape : SCALAR };
  };
}

const concatRule: Builtin["rule"] = (args, call, cx) => {
  const first = args[0]!;
  if (first.shape.length === 0) {
    cx.report(diag("RNN3005", { fn: "concat", expected: "vectors or matrices", found: "a scalar" }, { labels: withOrigins(primary(call.args[0]!.span, "a scalar"), first) }));
    return undefined;
  }
  let rows = first.shape[0]!;
  for (let i = 1; i < args.length; i++) {
    const t = args[i]!;
    if (t.shape.length !== first.shape.length || !shapesEqual(t.shape.slice(1), first.shape.slice(1))) {
      cx.report(
        diag("RNN3008", { left: shapeToString(first.shape), right: shapeToString(t.shape) }, {
          labels: withOrigins(primary(call.args[i]!.span, `shape ${shapeToString(t.shape)}`), first, t),
        }),
      );
      return undefined;
    }
    rows = rows.add(t.shape[0]!);
  }
  return { shape: [rows, ...first.shape.slice(1)] };
};

const splitOutsideLet: Builtin["rule"] = (_args, call, cx) => {
  cx.report(diag("RNN3016", {}, { labels: [primary(call.span, "a split makes several values, not one")] }));
  return undefined;
};

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ...["sigmoid", "tanh", "relu", "softplus", "softsign", "hard_sigmoid", "exp", "log", "sqrt", "abs"].map(
    (n) => [n, { arity: 1, rule: elementwise, op: n }] as const,
  ),
  ["leaky_relu", { arity: 1, literals: 1, rule: elementwise, op: "leaky_relu" }],
  ["elu", { arity: 1, literals: 1, rule: elementwise, op: "elu" }],
  ["clamp", { arity: 1, literals: 2, requiredLiterals: 2, rule: clampRule, op: "clamp" }],
  ["pow", { arity: 1, literals: 1, requiredLiterals: 1, rule: elementwise, op: "pow" }],
  ["dropout", { arity: 1, literals: 1, requiredLiterals: 1, rule: dropoutRule, op: "dropout" }],
  ...["sum", "mean", "softmax"].map((n) => [n, { arity: 1, rule: reduction(n), op: n }] as const),
  ...["max", "min"].map((n) => [n, { arity: [1, 2], rule: reductionOrElementwise(n), op: n }] as const),
  ["concat", { arity: "variadic", rule: concatRule }],
  ["split", { arity: 1, literals: 1, rule: splitOutsideLet }],
]);

/** Checks a call of a built-in: arity, literal arguments, then the function's shape rule. */
export function checkBuiltinCall(call: Call, cx: ExprContext): Typed | undefined {
  const name = call.callee.name;
  const b = BUILTINS.get(name)!;
  const n = call.args.length;
  const [fewest, most] = b.arity === "variadic" ? [2, Infinity] : typeof b.arity === "number" ? [b.arity, b.arity] : b.arity;
  const min = fewest + (b.requiredLiterals ?? 0);
  const max = most + (b.literals ?? 0);
  if (n < min || n > max) {
    const expected = b.arity === "variadic" ? "2 or more" : min === max ? String(min) : max === min + 1 ? `${min} or ${max}` : `${min} to ${max}`;
    cx.report(diag("RNN5001", { fn: name, expected, found: n }, { labels: [primary(call.span, `called with ${n} argument(s)`)] }));
    for (const a of call.args) typeOf(a, cx);
    return undefined;
  }
  const tensorCount = b.arity === "variadic" ? n : Math.min(n, most);
  const args: Typed[] = [];
  let ok = true;
  for (let i = 0; i < n; i++) {
    const a = call.args[i]!;
    if (i >= tensorCount) {
      if (literalValue(a) === undefined) {
        cx.report(
          diag("RNN5006", { index: i + 1, fn: name, expected: "a number literal", found: `\`${cx.text(a.span)}\`` }, {
            labels: [primary(a.span, "a number like `0.01` or `-1.5`")],
          }),
        );
        typeOf(a, cx); // still resolve its names, so they are not also reported unused
        ok = false;
      }
      continue;
    }
    const t = typeOf(a, cx);
    if (!t) ok = false;
    else args.push(t);
  }
  if (!ok) return undefined;
  return b.rule(args, call, cx);
}

/** The value of a number literal, possibly negated; undefined for anything else. */
export function literalValue(e: Expr): number | undefined {
  if (e.kind === "number") return e.value;
  if (e.kind === "neg") {
    const v = literalValue(e.operand);
    return v === undefined ? undefined : -v;
  }
  return undefined;
}

export type { Shape };
