import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { InitSpec } from "../ir/graph.js";
import type { CellDef, Decl, DimExpr, Expr, FnDef, Item, Output, Program, StateUpdate, Stmt } from "../syntax/ast.js";
import { BUILTINS } from "./builtins.js";
import { evalShape } from "./dim-exprs.js";
import { Dim, shapeToString, shapesEqual, type Shape } from "./dims.js";
import { checkInitializer } from "./initializers.js";
import { checkRecursion } from "./recursion.js";
import type { Binding, ExprContext, FnSignature } from "./scope.js";
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

interface Tools {
  report: (d: Diagnostic) => void;
  text: (span: Span) => string;
  dimText: (e: DimExpr) => string;
  types: Map<Expr, Shape>;
  callBindings: Map<Expr, ReadonlyMap<string, Dim>>;
  unparsed: ReadonlySet<string>;
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

// ---- functions --------------------------------------------------------------------------

function fnSignature(def: FnDef, report: (d: Diagnostic) => void, dimText: (e: DimExpr) => string): FnSignature | undefined {
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

function checkFnBody(sig: FnSignature, fns: Map<string, FnSignature>, tools: Tools): void {
  const def = sig.def;
  const cx = context(`function \`${def.name.name}\``, new Set(sig.dims), fns, tools, def.recovered === true);
  for (const p of sig.params) {
    const param = def.params.find((q) => q.name.name === p.name)!;
    define(cx, { kind: "argument", name: p.name, shape: p.shape, nameSpan: param.name.span, shapeSpan: p.span, used: false });
  }
  const out: BodyResult = { updates: new Map(), outputs: new Map() };
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

// ---- cells ------------------------------------------------------------------------------

function context(
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

/** Warns about declarations and `let`s nothing reads (a leading `_` says it is meant). */
function warnUnused(cx: ExprContext, kinds: Binding["kind"][], report: (d: Diagnostic) => void): void {
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

export type { Stmt };
