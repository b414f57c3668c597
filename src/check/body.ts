import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { DimExpr, Expr } from "../syntax/ast.js";
import type { Dim, Shape } from "../core/dims.js";
import type { Binding, ExprContext, FnSignature } from "./scope.js";

/**
 * What checking a cell and checking a function body share: the tools, a fresh scope context,
 * and the warnings about names nothing reads.
 */

/** The checker's sinks and lookups, passed to every body. */
export interface Tools {
  report: (d: Diagnostic) => void;
  text: (span: Span) => string;
  dimText: (e: DimExpr) => string;
  types: Map<Expr, Shape>;
  callBindings: Map<Expr, ReadonlyMap<string, Dim>>;
  unparsed: ReadonlySet<string>;
}

/** A fresh context for one body. */
export function context(
  owner: string,
  dims: ReadonlySet<string>,
  fns: ReadonlyMap<string, FnSignature>,
  tools: Tools,
  recovered: boolean,
  cell?: { states: Map<string, Binding> },
): ExprContext {
  return {
    scope: new Map(),
    dims,
    owner,
    fns,
    ...(cell ? { primed: new Map(), states: cell.states } : {}),
    report: tools.report,
    text: tools.text,
    dimText: tools.dimText,
    types: tools.types,
    callBindings: tools.callBindings,
    poisoned: new Set(),
    recovered,
    unparsed: tools.unparsed,
  };
}

/** Warns about declarations and `let`s nothing reads (a leading `_` says it is meant). */
export function warnUnused(cx: ExprContext, kinds: Binding["kind"][], report: (d: Diagnostic) => void): void {
  if (cx.recovered) return;
  for (const b of cx.scope.values()) {
    if (b.used || !kinds.includes(b.kind) || b.name.startsWith("_")) continue;
    const help = `remove it, or name it \`_${b.name}\` to keep it unused`;
    if (b.kind === "param") {
      report(diag("RNN2008", { name: b.name }, { labels: [primary(b.nameSpan, "never read")], helps: [help] }));
      continue;
    }
    const what = b.kind === "let" ? `\`${b.name}\`` : `${b.kind} \`${b.name}\``;
    report(diag("RNN2009", { what }, { labels: [primary(b.nameSpan, "never read")], helps: [help] }));
  }
}

