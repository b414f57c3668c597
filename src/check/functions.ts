import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { DimExpr, FnDef } from "../syntax/ast.js";
import { context, warnUnused, type Tools } from "./body.js";
import { evalShape } from "./dim-exprs.js";
import { shapeToString, shapesEqual, type Shape } from "../core/dims.js";
import type { FnSignature } from "./scope.js";
import { checkStatement, define, type BodyResult } from "./statements.js";

/**
 * User functions: the signature (the function's own dimensions, from its parameters' shapes),
 * then the body, checked once for all values of those dimensions.
 */

export function fnSignature(def: FnDef, report: (d: Diagnostic) => void, dimText: (e: DimExpr) => string): FnSignature | undefined {
  // A function's dimensions are the names in its parameter shapes (it is polymorphic in them).
  const dims = new Set<string>();
  const collect = (e: DimExpr): void => {
    if (e.kind === "dimName") dims.add(e.name);
    else if (e.kind === "dimBinary") (collect(e.left), collect(e.right));
    else if (e.kind === "dimNeg") collect(e.operand);
  };
  for (const p of def.params) p.shape.dims.forEach(collect);
  const owner = `function \`${def.name.name}\``;
  const params: { name: string; shape: Shape; span: Span }[] = [];
  let ok = true;
  for (const p of def.params) {
    const shape = evalShape(p.shape, dims, owner, report, dimText);
    if (!shape) ok = false;
    else params.push({ name: p.name.name, shape, span: p.shape.span });
  }
  const unbound = new Set<string>();
  const collectResult = (e: DimExpr): void => {
    if (e.kind === "dimName" && !dims.has(e.name)) unbound.add(e.name);
    else if (e.kind === "dimBinary") (collectResult(e.left), collectResult(e.right));
    else if (e.kind === "dimNeg") collectResult(e.operand);
  };
  def.result.dims.forEach(collectResult);
  for (const name of unbound) {
    report(diag("RNN5007", { dim: name, fn: def.name.name }, { labels: [primary(def.result.span, `\`${name}\` appears in no parameter's shape`)] }));
    ok = false;
  }
  if (unbound.size > 0) return undefined;
  const result = evalShape(def.result, dims, owner, report, dimText);
  if (!ok || !result) return undefined;
  return { def, dims: [...dims].sort(), params, result };
}

export function checkFnBody(sig: FnSignature, fns: Map<string, FnSignature>, tools: Tools): void {
  const def = sig.def;
  const cx = context(`function \`${def.name.name}\``, new Set(sig.dims), fns, tools, def.recovered === true);
  for (const p of sig.params) {
    const param = def.params.find((q) => q.name.name === p.name)!;
    define(cx, { kind: "argument", name: p.name, shape: p.shape, nameSpan: param.name.span, shapeSpan: p.span, used: false });
  }
  const out: BodyResult = { updates: new Map(), outputs: new Map(), outputShapes: new Map() };
  for (const s of def.body) {
    if (s.kind === "decl") {
      tools.report(diag("RNN4003", { what: `\`${s.declKind}\` declarations`, allowed: "a cell", where: "a function" }, { labels: [primary(s.span, "pass it as a parameter instead")] }));
      cx.poisoned.add(s.name.name);
      continue;
    }
    if (out.returned && s.kind !== "return") {
      tools.report(diag("RNN1003", { found: `\`${s.kind === "let" ? "let" : s.kind}\``, context: "a function", expected: "the end of the function after `return`" }, { labels: [primary(s.span, "unreachable")] }));
      continue;
    }
    checkStatement(s, cx, out, "function");
  }
  if (!out.returned) {
    if (!def.body.some((s) => s.kind === "return") && !cx.recovered) {
      tools.report(
        diag("RNN5008", { fn: def.name.name }, {
          labels: [primary(def.name.span, `declared to return ${shapeToString(sig.result)}`)],
          helps: ["end the body with `return …`"],
        }),
      );
    }
  } else if (!shapesEqual(out.returned.shape, sig.result)) {
    tools.report(
      diag("RNN5004", { fn: def.name.name, found: shapeToString(out.returned.shape), expected: shapeToString(sig.result) }, {
        labels: [primary(out.returned.expr.span, `shape ${shapeToString(out.returned.shape)}`), secondary(def.result.span, "declared result shape")],
      }),
    );
  }
  // Without a `return` nothing in the body is used; RNN5008 already says why.
  if (out.returned) warnUnused(cx, ["let", "argument"], tools.report);
}

