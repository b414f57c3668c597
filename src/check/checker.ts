import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { InitSpec } from "../ir/graph.js";
import type { CellDef, Decl, DimExpr, Expr, FnDef, Item, Output, Program, StateUpdate, Stmt } from "../syntax/ast.js";
import { BUILTINS } from "./builtins.js";
import { evalShape } from "./dim-exprs.js";
import { Dim, type Shape } from "./dims.js";
import { context, warnUnused, type Tools } from "./body.js";
import { checkFnBody, fnSignature } from "./functions.js";
import { checkInitializer } from "./initializers.js";
import { checkRecursion } from "./recursion.js";
import type { Binding, FnSignature } from "./scope.js";
import { checkStatement, define, type BodyResult } from "./statements.js";

export interface CheckedDecl {
  readonly name: string;
  readonly shape: Shape;
  readonly decl: Decl;
}

export interface CheckedParam extends CheckedDecl {
  readonly init: InitSpec;
}

/** A cell that checked clean: everything lowering needs, with shapes as symbolic `Dim`s. */
export interface CheckedCell {
  readonly def: CellDef;
  readonly dims: readonly string[];
  readonly inputs: readonly CheckedDecl[];
  readonly states: readonly CheckedDecl[];
  readonly params: readonly CheckedParam[];
  readonly updates: ReadonlyMap<string, StateUpdate>;
  readonly outputs: ReadonlyMap<string, Output>;
}

export interface CheckResult {
  /** Only the cells without errors. */
  readonly cells: readonly CheckedCell[];
  readonly fns: ReadonlyMap<string, FnSignature>;
  /** The shape of every expression that has one. */
  readonly types: ReadonlyMap<Expr, Shape>;
  /** For each call of a user function, the inferred binding of the function's dimensions. */
  readonly callBindings: ReadonlyMap<Expr, ReadonlyMap<string, Dim>>;
  readonly diagnostics: Diagnostic[];
}

/**
 * The shape checker: names and scopes, the shape rule of every operator and function,
 * state/prime discipline, and warnings for what is never used. It proves each cell
 * shape-correct for all values of its dimensions, and never throws for a user's mistake.
 */
export function check(program: Program, source: string): CheckResult {
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  const report = (d: Diagnostic) => {
    diagnostics.push(d);
    if (d.severity === "error") errors++;
  };
  const text = (span: Span) => collapse(source.slice(span.start, span.end));
  const dimText = (e: DimExpr) => text(e.span);
  const types = new Map<Expr, Shape>();
  const callBindings = new Map<Expr, ReadonlyMap<string, Dim>>();

  const duplicates = checkDuplicateItems(program, report);
  const unparsed = new Set((program.unparsed ?? []).map((n) => n.name));
  const fns = new Map<string, FnSignature>();
  const fnDefs = program.items.filter((i): i is FnDef => i.kind === "fn");
  // Signatures first, so functions may call functions defined below them.
  for (const def of fnDefs) {
    if (fns.has(def.name.name)) continue;
    const sig = fnSignature(def, report, dimText);
    if (sig) fns.set(def.name.name, sig);
    // Its signature's errors are reported; calls of it must not add "not defined".
    else unparsed.add(def.name.name);
  }
  checkRecursion(fnDefs, report);
  for (const def of fnDefs) {
    const sig = fns.get(def.name.name);
    if (sig?.def === def) checkFnBody(sig, fns, { report, text, dimText, types, callBindings, unparsed });
  }

  const cells: CheckedCell[] = [];
  for (const item of program.items) {
    if (item.kind !== "cell") continue;
    const before = errors;
    const cell = checkCell(item, fns, { report, text, dimText, types, callBindings, unparsed });
    if (cell && !duplicates.has(item) && errors === before) cells.push(cell);
  }
  return { cells, fns, types, callBindings, diagnostics };
}

function collapse(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

/** Reports items named like an earlier item or a built-in, and returns them. */
function checkDuplicateItems(program: Program, report: (d: Diagnostic) => void): Set<Item> {
  const duplicates = new Set<Item>();
  const seen = new Map<string, { kind: string; span: Span }>();
  for (const item of program.items) {
    const kind = item.kind === "cell" ? "cell" : "function";
    if (item.kind === "fn" && BUILTINS.has(item.name.name)) {
      report(diag("RNN2007", { kind, name: item.name.name }, { labels: [primary(item.name.span, "a built-in function has this name")], helps: ["choose another name"] }));
      duplicates.add(item);
      continue;
    }
    const prior = seen.get(item.name.name);
    if (prior) {
      report(diag("RNN2007", { kind, name: item.name.name }, { labels: [primary(item.name.span, "defined again here"), secondary(prior.span, `first defined here, as a ${prior.kind}`)] }));
      duplicates.add(item);
      continue;
    }
    seen.set(item.name.name, { kind, span: item.name.span });
  }
  return duplicates;
}

// ---- cells ------------------------------------------------------------------------------

function checkCell(def: CellDef, fns: ReadonlyMap<string, FnSignature>, tools: Tools): CheckedCell | undefined {
  const owner = `cell \`${def.name.name}\``;
  const dims = new Set<string>();
  for (const d of def.dims) {
    if (dims.has(d.name)) tools.report(diag("RNN2002", { name: d.name, scope: "cell's dimension list" }, { labels: [primary(d.span, "listed twice")] }));
    dims.add(d.name);
  }
  const states = new Map<string, Binding>();
  const recovered = def.recovered === true;
  const cx = context(owner, dims, fns, tools, recovered, { states });
  const inputs: CheckedDecl[] = [];
  const stateDecls: CheckedDecl[] = [];
  const paramDecls: { decl: Decl; shape: Shape }[] = [];
  // A cell the parser recovered in has syntax errors: it is checked for what can still be
  // trusted, but never handed on.
  let ok = !recovered;

  // Declarations are visible in the whole body, as in the textbook equations.
  for (const s of def.body) {
    if (s.kind !== "decl") continue;
    const shape = evalShape(s.shape, dims, owner, tools.report, tools.dimText);
    if (!shape) {
      ok = false;
      cx.poisoned.add(s.name.name);
      continue;
    }
    const b: Binding = { kind: s.declKind, name: s.name.name, shape, nameSpan: s.name.span, shapeSpan: s.shape.span, used: false };
    const before = cx.scope.get(b.name);
    define(cx, b);
    if (before) continue;
    if (s.declKind === "input") inputs.push({ name: b.name, shape, decl: s });
    if (s.declKind === "state") (states.set(b.name, b), stateDecls.push({ name: b.name, shape, decl: s }));
    if (s.declKind === "param") paramDecls.push({ decl: s, shape });
    if (s.init && s.declKind !== "param") {
      tools.report(diag("RNN4008", { what: s.init.kind === "const" ? "=" : "~" }, { labels: [primary(s.init.span, `${s.declKind}s get their values from the caller`)] }));
      ok = false;
    }
  }
  if (inputs.length === 0) {
    ok = false;
    if (!recovered) tools.report(diag("RNN4004", { name: def.name.name }, { labels: [primary(def.name.span, "declare one with `input x: [I]`")] }));
  }
  if (stateDecls.length === 0) {
    ok = false;
    if (!recovered) tools.report(diag("RNN4005", { name: def.name.name }, { labels: [primary(def.name.span, "declare one with `state h: [H]`")] }));
  }

  // The default initializer's H: the length of the first state (1 for a scalar state, and for
  // a cell without states, which is already an error, so that written initializers still get checked).
  const hidden = stateDecls[0]?.shape[0] ?? Dim.const(1);
  const params: CheckedParam[] = [];
  for (const p of paramDecls) {
    const init = checkInitializer(p.decl.init, hidden, cx);
    if (init) params.push({ name: p.decl.name.name, shape: p.shape, decl: p.decl, init });
    else ok = false;
  }

  const out: BodyResult = { updates: new Map(), outputs: new Map() };
  for (const s of def.body) if (s.kind !== "decl") checkStatement(s, cx, out, "cell");

  for (const st of stateDecls) {
    if (!out.updates.has(st.name)) {
      ok = false;
      if (recovered) continue;
      tools.report(
        diag("RNN4001", { name: st.name }, {
          labels: [primary(st.decl.name.span, "declared here")],
          helps: [`define its next value: \`${st.name}' = …\``],
        }),
      );
    }
  }
  warnUnused(cx, ["param", "input", "let"], tools.report);
  if (!ok) return undefined;
  return { def, dims: def.dims.map((d) => d.name), inputs, states: stateDecls, params, updates: out.updates, outputs: out.outputs };
}

export type { Stmt };
