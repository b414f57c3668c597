import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { InitSpecData } from "../runtime/random.js";
import type { CellDef, Decl, DimExpr, Expr, FnDef, Item, ModelDef, Output, Program, StateUpdate, Stmt } from "../syntax/ast.js";
import { BUILTINS } from "./builtins.js";
import { evalShape } from "./dim-exprs.js";
import { Dim, type Shape } from "../core/dims.js";
import { context, warnUnused, type Tools } from "./body.js";
import { checkFnBody, fnSignature } from "./functions.js";
import { checkInitializer } from "./initializers.js";
import { checkRecursion } from "./recursion.js";
import type { Binding, FnSignature } from "./scope.js";
import { checkStatement, define, type BodyResult } from "./statements.js";
import type { CheckedModel, ResolvedCell } from "./model-types.js";
import { checkModel } from "./models.js";

export interface CheckedDecl {
  readonly name: string;
  readonly shape: Shape;
  readonly decl: Decl;
}

export interface CheckedParam extends CheckedDecl {
  readonly init: InitSpecData;
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

/** What a file's imports bring into its scope (see src/imports/resolve.ts). */
export interface ImportedItems {
  readonly cells: ReadonlyMap<string, ResolvedCell>;
  readonly fns: ReadonlyMap<string, FnSignature>;
  /** Where each imported name was imported, for "already defined" diagnostics. */
  readonly spans: ReadonlyMap<string, Span>;
  /** Imported names whose definitions have errors (reported in their files). */
  readonly unparsed: ReadonlySet<string>;
  /** The imported files' expression shapes and call bindings, which lowering an imported fn reads. */
  readonly types: ReadonlyMap<Expr, Shape>;
  readonly callBindings: ReadonlyMap<Expr, ReadonlyMap<string, Dim>>;
}

export interface CheckResult {
  /** Only the cells without errors. */
  readonly cells: readonly CheckedCell[];
  /** Only the models without errors. */
  readonly models: readonly CheckedModel[];
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
export function check(program: Program, source: string, imported?: ImportedItems): CheckResult {
  const diagnostics: Diagnostic[] = [];
  let errors = 0;
  const report = (d: Diagnostic) => {
    diagnostics.push(d);
    if (d.severity === "error") errors++;
  };
  const text = (span: Span) => collapse(source.slice(span.start, span.end));
  const dimText = (e: DimExpr) => text(e.span);
  const types = new Map<Expr, Shape>(imported?.types ?? []);
  const callBindings = new Map<Expr, ReadonlyMap<string, Dim>>(imported?.callBindings ?? []);

  const duplicates = checkDuplicateItems(program, report, imported?.spans);
  const unparsed = new Set([...(program.unparsed ?? []).map((n) => n.name), ...(imported?.unparsed ?? [])]);
  const fns = new Map<string, FnSignature>(imported?.fns ?? []);
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

  const models: CheckedModel[] = [];
  const result: CheckResult = { cells, models, fns, types, callBindings, diagnostics };
  const modelDefs = program.items.filter((i): i is ModelDef => i.kind === "model");
  if (modelDefs.length > 0) {
    const visible = new Map<string, ResolvedCell>(imported?.cells ?? []);
    for (const cell of cells) visible.set(cell.def.name.name, { cell, checked: result, file: program.file });
    // A cell with errors is reported already: a layer of it is not reported again.
    const quiet = new Set([...unparsed, ...program.items.filter((i) => i.kind === "cell" && !visible.has(i.name.name)).map((i) => i.name.name)]);
    for (const def of modelDefs) {
      if (duplicates.has(def)) continue;
      const model = checkModel(def, program.file, { cells: visible, report, text, unparsed: quiet, fns: new Set(fns.keys()) });
      if (model) models.push(model);
    }
  }
  return result;
}

function collapse(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

/** Reports items named like an earlier item or a built-in, and returns them. */
function checkDuplicateItems(program: Program, report: (d: Diagnostic) => void, imported?: ReadonlyMap<string, Span>): Set<Item> {
  const duplicates = new Set<Item>();
  const seen = new Map<string, { kind: string; span: Span }>();
  for (const [name, span] of imported ?? []) seen.set(name, { kind: "import", span });
  for (const item of program.items) {
    const kind = item.kind === "cell" ? "cell" : item.kind === "model" ? "model" : "function";
    if (item.kind === "fn" && BUILTINS.has(item.name.name)) {
      report(diag("RNN2007", { kind, name: item.name.name }, { labels: [primary(item.name.span, "a built-in function has this name")], helps: ["choose another name"] }));
      duplicates.add(item);
      continue;
    }
    const prior = seen.get(item.name.name);
    if (prior) {
      const first = prior.kind === "import" ? "imported here" : `first defined here, as a ${prior.kind}`;
      report(diag("RNN2007", { kind, name: item.name.name }, { labels: [primary(item.name.span, "defined again here"), secondary(prior.span, first)] }));
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
  // The default initializer's H: the length of the first state, or for a cell without state (a
  // per-step layer) of its input, as torch.nn.Linear's rule ±1/√in_features; 1 for scalars.
  const hidden = (stateDecls[0] ?? inputs[0])?.shape[0] ?? Dim.const(1);
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
