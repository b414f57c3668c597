import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic, type Label } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Expr, ModelDecl, ModelDef } from "../syntax/ast.js";
import { shapeToString } from "../core/dims.js";
import { closestName } from "../core/suggest.js";
import { SEQ_FUNCTIONS } from "../core/seq-ops.js";
import type { CheckedModel, LayerRun, ModelLayer, ModelLoss, ModelNode, ModelType, ResolvedCell, Timing } from "./model-types.js";

/**
 * What the model checker's rules share while they check one model: its scope, the dataflow graph
 * built so far, and the helpers that report in one voice (types in words, "found" labels, argument
 * counts, the kind and timing an operand must have).
 */

export interface ModelEnv {
  /** Cells visible in the model's file: its own and the imported ones. */
  readonly cells: ReadonlyMap<string, ResolvedCell>;
  readonly report: (d: Diagnostic) => void;
  readonly text: (span: Span) => string;
  /** Names the parser could not build: their uses are not reported again. */
  readonly unparsed: ReadonlySet<string>;
  /** The functions visible in the file (a call of one in a model is refused by name). */
  readonly fns?: ReadonlySet<string>;
}

/** A typed value of the wiring: a node of the graph, with where its type comes from. */
export interface Value {
  readonly node: number;
  readonly type: ModelType;
  readonly timing: Timing;
  /** Where this value's type comes from, for "found" labels. */
  readonly origin: Span;
}

export type Entry =
  | { readonly kind: "input" | "let" | "output"; readonly value: Value | undefined; readonly span: Span; used: boolean }
  | { readonly kind: "target"; readonly type: ModelType | undefined; readonly span: Span; used: boolean; timing?: Timing; timingSpan?: Span }
  | { readonly kind: "layer"; readonly layer: ModelLayer | undefined; readonly span: Span; used: boolean; applied?: Span };

export type LayerEntry = Extract<Entry, { kind: "layer" }>;
export type Call = Extract<Expr, { kind: "call" }>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ModelCx {
  readonly env: ModelEnv;
  readonly def: ModelDef;
  /** The parser recovered inside the model: it has syntax errors, so "not defined" and "missing" are not reported. */
  readonly recovered: boolean;
  readonly scope: Map<string, Entry>;
  readonly nodes: ModelNode[];
  readonly layers: ModelLayer[];
  readonly runs: LayerRun[];
  readonly outputs: CheckedModel["outputs"][number][];
  readonly losses: ModelLoss[];
  readonly inputs: { decl: ModelDecl; value: Value }[];
  /** Errors reported so far in this model. */
  errors: number;
  report(d: Diagnostic): void;
  /** The value of a wiring expression, or undefined after reporting why it has none (the expression rules). */
  valueOf(e: Expr): Value | undefined;
}

export function newModelCx(def: ModelDef, env: ModelEnv, valueOf: (e: Expr, cx: ModelCx) => Value | undefined): ModelCx {
  const cx: ModelCx = {
    env,
    def,
    recovered: def.recovered === true,
    scope: new Map(),
    nodes: [],
    layers: [],
    runs: [],
    outputs: [],
    losses: [],
    inputs: [],
    errors: 0,
    report(d) {
      if (d.severity === "error") cx.errors++;
      env.report(d);
    },
    valueOf: (e) => valueOf(e, cx),
  };
  return cx;
}

/** Defines a name in the model's scope, refusing a second definition. */
export function define(cx: ModelCx, name: string, span: Span, entry: Entry): boolean {
  const prior = cx.scope.get(name);
  if (prior) {
    cx.report(diag("RNN2002", { name, scope: "model" }, { labels: [primary(span, "defined again here"), secondary(prior.span, `first defined here (as ${article(prior.kind)} ${prior.kind})`)] }));
    return false;
  }
  cx.scope.set(name, entry);
  return true;
}

/** Adds a node to the model's graph and returns it as a value. */
export function addNode(cx: ModelCx, n: DistributiveOmit<ModelNode, "id">): Value {
  const node = { ...n, id: cx.nodes.length } as unknown as ModelNode;
  cx.nodes.push(node);
  return { node: node.id, type: node.type, timing: node.timing, origin: node.span };
}

export function typeText(t: ModelType, timing?: Timing): string {
  return `${t.kind === "vector" ? shapeToString([t.width]) : `index(${t.size})`}${timing === "once" ? " per sequence" : ""}`;
}

/** A "found" label at where `v`'s type comes from, unless that is the very span already labelled. */
export function found(v: Value, message: string, at?: Span): Label[] {
  return at && at.start === v.origin.start && at.end === v.origin.end ? [] : [secondary(v.origin, message)];
}

/** Marks every name an expression reads as used, without checking it (after an error there). */
export function touch(cx: ModelCx, e: Expr): void {
  if (e.kind === "name") {
    const entry = cx.scope.get(e.name);
    if (entry) entry.used = true;
  } else if (e.kind === "call") {
    const entry = cx.scope.get(e.callee.name);
    if (entry) entry.used = true;
    e.args.forEach((a) => touch(cx, a));
  } else if (e.kind === "binary") {
    touch(cx, e.left);
    touch(cx, e.right);
  } else if (e.kind === "neg") touch(cx, e.operand);
  else if (e.kind === "slice") touch(cx, e.target);
}

export function reportUnknown(cx: ModelCx, name: string, span: Span, what: "value" | "function"): void {
  if (cx.env.unparsed.has(name)) return;
  const candidates = what === "value" ? [...cx.scope.keys()] : [...cx.scope.entries()].filter(([, v]) => v.kind === "layer").map(([k]) => k).concat(SEQ_FUNCTIONS);
  const near = closestName(name, candidates);
  cx.report(diag("RNN2001", { name }, { labels: [primary(span, "not defined in this model")], ...(near ? { helps: [`did you mean \`${near}\`?`] } : {}) }));
}

/** The values of a call's arguments, after checking their count. */
export function argValues(cx: ModelCx, call: Call, count: number | "many"): Value[] | undefined {
  if (count !== "many" && call.args.length !== count) {
    cx.report(diag("RNN5001", { fn: call.callee.name, expected: count, found: call.args.length }, { labels: [primary(call.span, `called with ${call.args.length} argument(s)`)] }));
    call.args.forEach((a) => cx.valueOf(a));
    return undefined;
  }
  if (count === "many" && call.args.length < 1) {
    cx.report(diag("RNN5001", { fn: call.callee.name, expected: "at least 1", found: 0 }, { labels: [primary(call.span, "called without arguments")] }));
    return undefined;
  }
  const values = call.args.map((a) => cx.valueOf(a));
  return values.every((v) => v !== undefined) ? (values as Value[]) : undefined;
}

/** Checks that `v` (the operand `arg` of `fn`) is vectors or ids, per step or per sequence, as asked. */
export function expectKind(cx: ModelCx, fn: string, v: Value, arg: Expr, want: { type?: "vector" | "index"; timing?: Timing }): boolean {
  if (want.type && v.type.kind !== want.type) {
    const expected = want.type === "vector" ? "a vector sequence" : "integer ids (`index(N)`)";
    cx.report(
      diag("RNN3005", { fn, expected, found: typeText(v.type) }, {
        labels: [primary(arg.span, typeText(v.type)), ...found(v, `${typeText(v.type)} from here`, arg.span)],
        ...(want.type === "vector" ? { helps: [`turn ids into vectors with \`onehot(${cx.env.text(arg.span)})\``] } : {}),
      }),
    );
    return false;
  }
  if (want.timing && v.timing !== want.timing) {
    const expected = want.timing === "step" ? "a per-step sequence" : "a per-sequence value";
    cx.report(diag("RNN3005", { fn, expected, found: v.timing === "once" ? "one value per sequence" : "a per-step sequence" }, { labels: [primary(arg.span, "this value"), ...found(v, v.timing === "once" ? "made per sequence here" : "a per-step sequence from here", arg.span)] }));
    return false;
  }
  return true;
}

export function per(timing: Timing): string {
  return timing === "step" ? "one value per step" : "one value per sequence";
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? "an" : "a";
}
