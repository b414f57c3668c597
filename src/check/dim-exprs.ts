import type { DimExpr, ShapeAnnot } from "../syntax/ast.js";
import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import { Dim, type Shape } from "../core/dims.js";

/**
 * Dimension expressions from the source (`4H`, `2*H`, `H + E`) to normal-form `Dim`s.
 * Multiplying two names (`H*H`) or dividing is not linear and is refused: linearity is what
 * makes equality decidable by normal form.
 */
export function evalDimExpr(
  expr: DimExpr,
  known: ReadonlySet<string>,
  owner: string,
  report: (d: Diagnostic) => void,
  text: (e: DimExpr) => string,
): Dim | undefined {
  switch (expr.kind) {
    case "dimNum":
      if (!Number.isInteger(expr.value)) {
        report(diag("RNN3014", { expr: text(expr) }, { labels: [primary(expr.span, "dimensions and their coefficients are whole numbers")] }));
        return undefined;
      }
      return Dim.const(expr.value);
    case "dimName":
      if (!known.has(expr.name)) {
        report(
          diag("RNN2003", { name: expr.name, owner }, {
            labels: [primary(expr.span, "not a dimension in scope")],
            helps: [`add \`${expr.name}\` to the dimension parameters of ${owner}`],
          }),
        );
        return undefined;
      }
      return Dim.name(expr.name);
    case "dimNeg": {
      const v = evalDimExpr(expr.operand, known, owner, report, text);
      return v?.scale(-1);
    }
    case "dimBinary": {
      const l = evalDimExpr(expr.left, known, owner, report, text);
      const r = evalDimExpr(expr.right, known, owner, report, text);
      if (l === undefined || r === undefined) return undefined;
      if (expr.op === "+") return l.add(r);
      if (expr.op === "-") return l.sub(r);
      const product = l.mul(r);
      if (product === undefined) {
        report(
          diag("RNN3002", { expr: text(expr), why: `it multiplies ${l} by ${r}` }, {
            labels: [primary(expr.span, "a product of two dimensions")],
            notes: ["dimensions are linear: sums of names times whole numbers, like `4H` or `H + E`"],
          }),
        );
      }
      return product;
    }
  }
}

/** A declared shape; reports non-linear, unknown, non-positive dimensions and rank > 2. */
export function evalShape(
  annot: ShapeAnnot,
  known: ReadonlySet<string>,
  owner: string,
  report: (d: Diagnostic) => void,
  text: (e: DimExpr) => string,
): Shape | undefined {
  if (annot.dims.length > 2) {
    report(diag("RNN3010", { found: annot.dims.length }, { labels: [primary(annot.span, "vectors [n] and matrices [m, n] only")] }));
    return undefined;
  }
  const dims: Dim[] = [];
  let ok = true;
  for (const d of annot.dims) {
    const v = evalDimExpr(d, known, owner, report, text);
    if (v === undefined) {
      ok = false;
      continue;
    }
    if (!v.provablyPositive) {
      report(diag("RNN3011", { expr: text(d) }, { labels: [primary(d.span, `${v} is not positive for every value of its dimensions`)] }));
      ok = false;
      continue;
    }
    dims.push(v);
  }
  return ok ? dims : undefined;
}
