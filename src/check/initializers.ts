import { diag } from "../diagnostics/codes.js";
import { primary } from "../diagnostics/diagnostic.js";
import type { InitConstExpr, InitSpecData } from "../runtime/random.js";
import type { Expr, Initializer } from "../syntax/ast.js";
import type { Dim } from "../core/dims.js";
import type { ExprContext } from "./scope.js";

/** The distributions a param may be drawn from, with their argument counts. */
const DISTRIBUTIONS: Record<string, number> = { uniform: 2, normal: 2, glorot: 0 };

/**
 * A param's initializer as data. The default, stated in docs/language.md, is PyTorch's rule
 * for recurrent layers: uniform(-1/sqrt(H), 1/sqrt(H)) with H the cell's hidden size, taken
 * as the length of the first declared state.
 */
export function checkInitializer(init: Initializer | undefined, hidden: Dim, cx: ExprContext): InitSpecData | undefined {
  if (init === undefined) {
    const k: InitConstExpr = { kind: "bin", op: "/", left: { kind: "num", value: 1 }, right: { kind: "sqrt", operand: dimToConst(hidden) } };
    return { kind: "uniform", low: { kind: "neg", operand: k }, high: k };
  }
  if (init.kind === "const") {
    const value = constExpr(init.value, cx);
    return value ? { kind: "const", value } : undefined;
  }
  const name = init.name.name;
  const arity = DISTRIBUTIONS[name];
  if (arity === undefined) {
    cx.report(
      diag("RNN4006", { init: name, expected: Object.keys(DISTRIBUTIONS).map((d) => `\`${d}\``).join(", ") }, { labels: [primary(init.name.span, "unknown initializer")] }),
    );
    return undefined;
  }
  if (init.args.length !== arity) {
    cx.report(diag("RNN4007", { init: name, expected: arity, found: init.args.length }, { labels: [primary(init.span, `${init.args.length} argument(s)`)] }));
    return undefined;
  }
  const args = init.args.map((a) => constExpr(a, cx));
  if (args.some((a) => a === undefined)) return undefined;
  if (name === "glorot") return { kind: "glorot" };
  if (name === "uniform") return { kind: "uniform", low: args[0]!, high: args[1]! };
  return { kind: "normal", mean: args[0]!, std: args[1]! };
}

export function dimToConst(d: Dim): InitConstExpr {
  let out: InitConstExpr | undefined = d.constant !== 0 || d.terms.length === 0 ? { kind: "num", value: d.constant } : undefined;
  for (const [name, c] of d.terms) {
    const term: InitConstExpr = c === 1 ? { kind: "dim", name } : { kind: "bin", op: "*", left: { kind: "num", value: c }, right: { kind: "dim", name } };
    out = out === undefined ? term : { kind: "bin", op: "+", left: out, right: term };
  }
  return out!;
}

/** A constant expression of numbers and dimension names, with + - * / and sqrt. */
function constExpr(e: Expr, cx: ExprContext): InitConstExpr | undefined {
  const bad = (): undefined => {
    cx.report(
      diag("RNN3012", { expr: cx.text(e.span) }, {
        labels: [primary(e.span, "not a constant")],
        notes: ["initializer arguments may use numbers, the cell's dimensions, + - * / and sqrt"],
      }),
    );
    return undefined;
  };
  switch (e.kind) {
    case "number":
      return { kind: "num", value: e.value };
    case "name":
      if (!e.prime && cx.dims.has(e.name)) return { kind: "dim", name: e.name };
      if (!e.prime && !cx.scope.has(e.name)) {
        // Only dimensions can appear here, so an unknown name is taken for a dimension.
        cx.report(diag("RNN2003", { name: e.name, owner: cx.owner }, { labels: [primary(e.span, "not a dimension in scope")] }));
        return undefined;
      }
      return bad();
    case "neg": {
      const v = constExpr(e.operand, cx);
      return v && { kind: "neg", operand: v };
    }
    case "binary": {
      if (e.op === "@") return bad();
      const l = constExpr(e.left, cx);
      const r = constExpr(e.right, cx);
      return l && r && { kind: "bin", op: e.op, left: l, right: r };
    }
    case "call": {
      if (e.callee.name !== "sqrt" || e.args.length !== 1) return bad();
      const v = constExpr(e.args[0]!, cx);
      return v && { kind: "sqrt", operand: v };
    }
    default:
      return bad();
  }
}
