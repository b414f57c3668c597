import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Label } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Expr } from "../syntax/ast.js";
import { Dim, SCALAR, shapeToString, shapesEqual, type Shape } from "../core/dims.js";
import { checkBuiltinCall, BUILTINS } from "./builtins.js";
import { checkFnCall } from "./calls.js";
import { evalDimExpr } from "./dim-exprs.js";
import type { Binding, ExprContext } from "./scope.js";
import { closestName } from "../core/suggest.js";

/** A shape, and (when it comes straight from a name) the label pointing at its declaration. */
export interface Typed {
  readonly shape: Shape;
  readonly origin?: Label;
}

export function originOf(b: Binding): Label {
  const how = b.kind === "let" || b.kind === "output" ? "computed here" : "declared here";
  return secondary(b.shapeSpan, `\`${b.name}\` has shape ${shapeToString(b.shape)}, ${how}`);
}

type Rule<K extends Expr["kind"]> = (e: Extract<Expr, { kind: K }>, cx: ExprContext) => Typed | undefined;

/** One typing rule per expression kind (registered, not a giant switch). */
const RULES: { [K in Expr["kind"]]: Rule<K> } = {
  number: () => ({ shape: SCALAR }),
  name: checkName,
  neg: (e, cx) => typeOf(e.operand, cx),
  binary: checkBinary,
  call: (e, cx) => (BUILTINS.has(e.callee.name) && !cx.fns.has(e.callee.name) ? checkBuiltinCall(e, cx) : checkFnCall(e, cx)),
  slice: checkSlice,
};

/** The shape of an expression, or undefined after reporting why it has none. */
export function typeOf(e: Expr, cx: ExprContext): Typed | undefined {
  const rule = RULES[e.kind] as Rule<typeof e.kind>;
  const t = rule(e as never, cx);
  if (t) cx.types.set(e, t.shape);
  return t;
}

function checkName(e: Extract<Expr, { kind: "name" }>, cx: ExprContext): Typed | undefined {
  if (e.prime) {
    const state = cx.states?.get(e.name);
    if (!state) {
      const b = cx.scope.get(e.name);
      if (b) b.used = true;
      if (b || !cx.recovered) cx.report(diag("RNN2005", { name: e.name }, { labels: [primary(e.span, "only states have a next value")] }));
      return undefined;
    }
    const next = cx.primed?.get(e.name);
    if (!next) {
      if (cx.recovered) return undefined;
      cx.report(
        diag("RNN2006", { name: e.name }, {
          labels: [primary(e.span, `\`${e.name}'\` is defined further down, or not at all`), secondary(state.nameSpan, `state \`${e.name}\` declared here`)],
          helps: [`move \`${e.name}' = …\` above this line, or read the old value \`${e.name}\``],
        }),
      );
      return undefined;
    }
    next.used = true;
    return { shape: state.shape, origin: originOf(state) };
  }
  const b = cx.scope.get(e.name);
  if (!b) {
    if (cx.poisoned.has(e.name)) return undefined;
    if (cx.dims.has(e.name)) {
      cx.report(diag("RNN2004", { name: e.name, kind: "dimension" }, { labels: [primary(e.span, "dimensions appear in shapes, not in values")] }));
    } else if (BUILTINS.has(e.name) || cx.fns.has(e.name)) {
      cx.report(diag("RNN2004", { name: e.name, kind: "function" }, { labels: [primary(e.span, "call it: `" + e.name + "(…)`")] }));
    } else if (!cx.recovered && !cx.unparsed.has(e.name)) {
      const near = closestName(e.name, cx.scope.keys());
      cx.report(diag("RNN2001", { name: e.name }, { labels: [primary(e.span, "not found in this scope")], helps: near ? [`did you mean \`${near}\`?`] : [] }));
    }
    return undefined;
  }
  b.used = true;
  return { shape: b.shape, origin: originOf(b) };
}

const OP_NAME: Record<string, string> = { "+": "+", "-": "-", "*": "*", "/": "/" };

function checkBinary(e: Extract<Expr, { kind: "binary" }>, cx: ExprContext): Typed | undefined {
  const l = typeOf(e.left, cx);
  const r = typeOf(e.right, cx);
  if (!l || !r) return undefined;
  if (e.op === "@") return checkMatmul(e, l, r, cx);
  if (l.shape.length === 0) return { shape: r.shape };
  if (r.shape.length === 0 || shapesEqual(l.shape, r.shape)) return { shape: l.shape };
  const ls = shapeToString(l.shape);
  const rs = shapeToString(r.shape);
  cx.report(
    diag("RNN3001", { op: OP_NAME[e.op]!, left: ls, right: rs }, {
      labels: withOrigins(primary(e.opSpan, `${ls} ${e.op} ${rs}`), operand(e.left, l), operand(e.right, r)),
      notes: ["elementwise operators need equal shapes; only a scalar is broadcast"],
    }),
  );
  return undefined;
}

function checkMatmul(e: Extract<Expr, { kind: "binary" }>, l: Typed, r: Typed, cx: ExprContext): Typed | undefined {
  const expr = cx.text(e.span);
  const ls = shapeToString(l.shape);
  const rs = shapeToString(r.shape);
  if (l.shape.length === 0 || r.shape.length === 0 || (l.shape.length === 1 && r.shape.length === 1)) {
    cx.report(
      diag("RNN3013", { expr, left: ls, right: rs }, {
        labels: withOrigins(primary(e.span, "`@` is a matrix–vector or matrix–matrix product"), l, r),
        helps: l.shape.length === 1 && r.shape.length === 1 ? ["for an elementwise product write `*`; for a dot product `sum(a * b)`"] : [],
      }),
    );
    return undefined;
  }
  const inner = l.shape[l.shape.length - 1]!;
  const innerR = r.shape[0]!;
  if (!inner.equals(innerR)) {
    const lName = cx.text(e.left.span);
    const rName = cx.text(e.right.span);
    cx.report(
      diag("RNN3004", { expr, left: inner.toString(), right: innerR.toString() }, {
        labels: withOrigins(primary(e.span, `\`@\` contracts the last dimension of \`${lName}\` (${inner}) with \`${rName}\` (${innerR})`), l, r),
        notes: [explainDifference(inner, innerR)],
      }),
    );
    return undefined;
  }
  return { shape: [...l.shape.slice(0, -1), ...r.shape.slice(1)] };
}

/** An operand as a label source: its declaration when it is a name, else the operand itself. */
function operand(e: Expr, t: Typed): Typed {
  return t.origin ? t : { shape: t.shape, origin: secondary(e.span, `shape ${shapeToString(t.shape)}`) };
}

/** Why two dimensions differ, in words. */
export function explainDifference(a: Dim, b: Dim): string {
  if (a.isConstant && b.isConstant) return `${a} and ${b} are different sizes`;
  return `${a} and ${b} are not equal for every value of the dimensions; nothing in this program says they are equal`;
}

/** The primary label plus the declaration labels of both operands (when they are names). */
export function withOrigins(main: Label, ...operands: (Typed | undefined)[]): Label[] {
  const labels = [main];
  for (const t of operands) if (t?.origin && !labels.some((x) => sameSpan(x.span, t.origin!.span))) labels.push(t.origin);
  return labels;
}

function sameSpan(a: Span, b: Span): boolean {
  return a.file === b.file && a.start === b.start && a.end === b.end;
}

function checkSlice(e: Extract<Expr, { kind: "slice" }>, cx: ExprContext): Typed | undefined {
  const t = typeOf(e.target, cx);
  const start = evalDimExpr(e.start, cx.dims, cx.owner, cx.report, cx.dimText);
  const end = evalDimExpr(e.end, cx.dims, cx.owner, cx.report, cx.dimText);
  if (!t || !start || !end) return undefined;
  const expr = cx.text(e.span);
  if (t.shape.length === 0) {
    cx.report(diag("RNN3007", { expr, bound: "a scalar has nothing to slice" }, { labels: withOrigins(primary(e.span, "slices cut the first axis of a vector or matrix"), t) }));
    return undefined;
  }
  const length = t.shape[0]!;
  const problems: string[] = [];
  // Say "may" only when the verdict depends on the dimensions' values.
  const zero = Dim.const(0);
  const one = Dim.const(1);
  const size = end.sub(start);
  if (!zero.provablyAtMost(start)) problems.push(`the start ${start} ${start.add(one).provablyAtMost(zero) ? "is" : "may be"} negative`);
  if (!end.provablyAtMost(length)) problems.push(`the end ${end} ${length.add(one).provablyAtMost(end) ? "exceeds" : "may exceed"} the length ${length}`);
  if (!size.provablyPositive) problems.push(`the slice ${size.provablyAtMost(zero) ? "is" : "may be"} empty (its length is ${size})`);
  if (problems.length > 0) {
    cx.report(diag("RNN3007", { expr, bound: problems.join("; ") }, { labels: withOrigins(primary(e.span, `slicing a value of shape ${shapeToString(t.shape)}`), t) }));
    return undefined;
  }
  return { shape: [end.sub(start), ...t.shape.slice(1)] };
}
