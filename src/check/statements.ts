import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Expr, Let, Output, Return, Stmt, StateUpdate } from "../syntax/ast.js";
import { literalValue } from "./builtins.js";
import { Dim, shapeToString, shapesEqual, type Shape } from "../core/dims.js";
import { typeOf, withOrigins, originOf } from "./expressions.js";
import type { Binding, ExprContext } from "./scope.js";

/** What a body's statements produce, beyond diagnostics: filled by the statement rules. */
export interface BodyResult {
  /** state name → the expression of its next value, and the update statement */
  readonly updates: Map<string, StateUpdate>;
  readonly outputs: Map<string, Output>;
  /** output name → its shape (absent for an output whose expression has no shape after an error) */
  readonly outputShapes: Map<string, Shape>;
  returned?: { expr: Expr; shape: Shape; span: Span };
}

type StmtRule<K extends Stmt["kind"]> = (s: Extract<Stmt, { kind: K }>, cx: ExprContext, out: BodyResult, where: "cell" | "function") => void;

/** Defines a name in the body's scope, refusing a second definition. */
export function define(cx: ExprContext, b: Binding): void {
  const prior = cx.scope.get(b.name);
  if (prior) {
    cx.report(
      diag("RNN2002", { name: b.name, scope: cx.owner.startsWith("cell") ? "cell" : "function" }, {
        labels: [primary(b.nameSpan, "defined again here"), secondary(prior.nameSpan, `first defined here (as ${article(prior.kind)} ${prior.kind})`)],
      }),
    );
    return;
  }
  cx.scope.set(b.name, b);
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? "an" : "a";
}

const letRule: StmtRule<"let"> = (s, cx) => {
  if (s.destructure) return destructure(s, cx);
  const t = typeOf(s.value, cx);
  if (!t) {
    // Define it anyway (with no usable shape) so later uses don't cascade into "not defined".
    poison(cx, s.names[0]!.name);
    return;
  }
  define(cx, { kind: "let", name: s.names[0]!.name, shape: t.shape, nameSpan: s.names[0]!.span, shapeSpan: s.value.span, used: false });
};

function destructure(s: Let, cx: ExprContext): void {
  const v = s.value;
  const isSplit = v.kind === "call" && v.callee.name === "split" && !cx.fns.has("split");
  if (!isSplit) {
    cx.report(diag("RNN3015", { found: cx.text(v.span) }, { labels: [primary(v.span, "this makes one value")], helps: ["bind it to one name: `let a = …`"] }));
    typeOf(v, cx); // still check it, and count the names it reads as used
    s.names.forEach((n) => poison(cx, n.name));
    return;
  }
  const parts = () => s.names.forEach((n) => poison(cx, n.name));
  if (v.args.length !== 2) {
    cx.report(diag("RNN5001", { fn: "split", expected: 2, found: v.args.length }, { labels: [primary(v.span, `called with ${v.args.length} argument(s)`)] }));
    v.args.forEach((a) => typeOf(a, cx));
    return parts();
  }
  const t = typeOf(v.args[0]!, cx);
  const k = literalValue(v.args[1]!);
  if (k === undefined || !Number.isInteger(k) || k < 1) {
    cx.report(
      diag("RNN5006", { index: 2, fn: "split", expected: "a whole number ≥ 1", found: `\`${cx.text(v.args[1]!.span)}\`` }, {
        labels: [primary(v.args[1]!.span, k === undefined ? "the number of parts, written as a number" : "a whole number of parts")],
      }),
    );
    if (k === undefined) typeOf(v.args[1]!, cx);
    return parts();
  }
  // The names against the parts depends on neither the argument's shape nor its divisibility: it is
  // reported alongside them (only true consequences of an error are suppressed).
  const namesMatch = s.names.length === k;
  if (!namesMatch) {
    cx.report(
      diag("RNN3009", { found: s.names.length, expected: k }, {
        labels: [primary({ ...s.names[0]!.span, end: s.names[s.names.length - 1]!.span.end }, `${s.names.length} name(s)`), secondary(v.args[1]!.span, `${k} part(s)`)],
      }),
    );
  }
  if (!t) return parts();
  if (t.shape.length === 0) {
    cx.report(diag("RNN3005", { fn: "split", expected: "a vector or a matrix", found: "a scalar" }, { labels: withOrigins(primary(v.args[0]!.span, "a scalar"), t) }));
    return parts();
  }
  const len = t.shape[0]!;
  if (!len.divisibleBy(k)) {
    cx.report(
      diag("RNN3003", { length: len.toString(), parts: k }, {
        labels: withOrigins(primary(v.span, `splitting ${shapeToString(t.shape)} into ${k}`), t),
        notes: [`${len} is a multiple of ${k} only for some values of its dimensions`],
        helps: [`declare the length as a multiple of ${k}, e.g. \`${k}${len.names()[0] ?? "H"}\``],
      }),
    );
    return parts();
  }
  if (!namesMatch) return parts();
  cx.types.set(v, t.shape);
  const part: Shape = [len.div(k), ...t.shape.slice(1)];
  for (const n of s.names) define(cx, { kind: "let", name: n.name, shape: part, nameSpan: n.span, shapeSpan: v.span, used: false });
}

/** A name whose definition failed: remembered, so its uses don't cascade into "not defined". */
function poison(cx: ExprContext, name: string): void {
  cx.poisoned.add(name);
}

const updateRule: StmtRule<"update"> = (s, cx, out, where) => {
  if (where === "function") {
    cx.report(diag("RNN4003", { what: "a state update", allowed: "a cell", where: "a function" }, { labels: [primary(s.span, "functions compute a value with `return`")] }));
    return;
  }
  const state = cx.states!.get(s.name.name);
  const t = typeOf(s.value, cx);
  if (!state) {
    const b = cx.scope.get(s.name.name);
    if (b) b.used = true;
    // In a recovered body the state's declaration may be what the syntax error swallowed.
    if (b || !cx.recovered) cx.report(diag("RNN2005", { name: s.name.name }, { labels: [primary(s.name.span, "only states have a next value")] }));
    return;
  }
  const prior = out.updates.get(s.name.name);
  if (prior) {
    cx.report(
      diag("RNN4002", { name: s.name.name }, {
        labels: [primary(s.span, "given again here"), secondary(prior.span, "first given here")],
        notes: ["each state gets exactly one next value per step"],
      }),
    );
    return;
  }
  out.updates.set(s.name.name, s);
  if (t && !shapesEqual(t.shape, state.shape)) {
    cx.report(
      diag("RNN3006", { name: s.name.name, found: shapeToString(t.shape), expected: shapeToString(state.shape) }, {
        labels: [primary(s.value.span, `shape ${shapeToString(t.shape)}`), originOf(state)],
      }),
    );
  }
  cx.primed!.set(s.name.name, { ...state, kind: "state", nameSpan: s.name.span, used: false });
};

const outputRule: StmtRule<"output"> = (s, cx, out, where) => {
  if (where === "function") {
    cx.report(diag("RNN4003", { what: "an `output`", allowed: "a cell", where: "a function" }, { labels: [primary(s.span, "functions compute a value with `return`")] }));
    return;
  }
  const prior = out.outputs.get(s.name.name);
  if (prior) {
    cx.report(diag("RNN4009", { name: s.name.name }, { labels: [primary(s.name.span, "defined again here"), secondary(prior.name.span, "first defined here")] }));
    return;
  }
  if (s.value) {
    const t = typeOf(s.value, cx);
    out.outputs.set(s.name.name, s);
    if (s.prime) {
      cx.report(diag("RNN1002", { expected: "a name without `'`", found: `\`${s.name.name}'\`` }, { labels: [primary(s.span, "write `output name = …` or `output h'`")] }));
      return;
    }
    if (t) define(cx, { kind: "output", name: s.name.name, shape: t.shape, nameSpan: s.name.span, shapeSpan: s.value.span, used: true });
    if (t) out.outputShapes.set(s.name.name, t.shape);
    return;
  }
  // `output h'` or `output z`: the name itself.
  const t = typeOf({ kind: "name", name: s.name.name, prime: s.prime, span: { ...s.name.span, end: s.span.end } }, cx);
  out.outputs.set(s.name.name, s);
  if (t) out.outputShapes.set(s.name.name, t.shape);
};

const returnRule: StmtRule<"return"> = (s: Return, cx, out, where) => {
  if (where === "cell") {
    cx.report(diag("RNN4003", { what: "`return`", allowed: "a function", where: "a cell" }, { labels: [primary(s.span, "a cell defines states and outputs instead")] }));
    return;
  }
  const t = typeOf(s.value, cx);
  if (t && !out.returned) out.returned = { expr: s.value, shape: t.shape, span: s.span };
};

const declRule: StmtRule<"decl"> = () => {
  /* declarations are collected before the body is checked (checker.ts) */
};

const RULES: { [K in Stmt["kind"]]: StmtRule<K> } = {
  let: letRule,
  update: updateRule,
  output: outputRule,
  return: returnRule,
  decl: declRule,
};

export function checkStatement(s: Stmt, cx: ExprContext, out: BodyResult, where: "cell" | "function"): void {
  (RULES[s.kind] as StmtRule<typeof s.kind>)(s as never, cx, out, where);
}

export { Dim };
