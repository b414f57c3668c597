import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ModelDecl, ModelDef } from "../syntax/ast.js";
import { LOSSES, SEQ_FUNCTIONS } from "../core/seq-ops.js";
import { evalDimExpr } from "./dim-exprs.js";
import type { CheckedModel, ModelTarget, Timing } from "./model-types.js";
import { checkLayer, declType } from "./model-layers.js";
import { valueOf } from "./model-exprs.js";
import { addNode, define, newModelCx, type ModelCx, type ModelEnv } from "./model-scope.js";
import { WIRING_RULES } from "./model-stmts.js";
import { checkTies } from "./model-ties.js";

/**
 * The model checker: resolves layers to cells and binds their dimensions, then types every
 * wiring expression — widths as symbolic `Dim`s over the model's dimensions, ids, per-step or
 * per-sequence timing — so that a layer fed the wrong width is reported at the line that wires
 * it, for every value of the dimensions. Builds the `CheckedModel` graph on the way. The rules
 * are small and registered per statement kind (model-stmts.ts), expression kind (model-exprs.ts)
 * and sequence operation (model-ops.ts).
 */

export type { ModelEnv };
/** The sequence functions of a model, besides applying a layer (for the editor grammar's test). */
export const MODEL_FUNCTIONS = SEQ_FUNCTIONS;
export { LOSSES };

export function checkModel(def: ModelDef, file: string, env: ModelEnv): CheckedModel | undefined {
  const cx = newModelCx(def, env, valueOf);
  const dimNames = new Set<string>();
  for (const d of def.dims) {
    if (dimNames.has(d.name)) cx.report(diag("RNN2002", { name: d.name, scope: "model's dimension list" }, { labels: [primary(d.span, "listed twice")] }));
    dimNames.add(d.name);
  }
  checkDeclarations(cx, (e) => evalDimExpr(e, dimNames, `model \`${def.name.name}\``, (d) => cx.report(d), (x: { span: Span }) => env.text(x.span)));
  const ties = checkTies(cx, def.body.filter((s) => s.kind === "tie"));
  for (const s of def.body) {
    if (s.kind === "let") WIRING_RULES.let(s, cx);
    else if (s.kind === "output") WIRING_RULES.output(s, cx);
    else if (s.kind === "loss") WIRING_RULES.loss(s, cx);
  }
  checkLeaves(cx);
  if (cx.errors > 0 || cx.recovered || !cx.inputs.some((i) => i.value.timing === "step")) return undefined;

  const targets: ModelTarget[] = [];
  for (const [name, entry] of cx.scope) {
    if (entry.kind === "target" && entry.type && entry.timing) targets.push({ name, type: entry.type, timing: entry.timing, span: entry.span });
  }
  return {
    def,
    name: def.name.name,
    file,
    dims: def.dims.map((d) => d.name),
    inputs: cx.inputs.map((i) => ({ name: i.decl.name.name, type: i.value.type, timing: i.value.timing, node: i.value.node, span: i.decl.name.span })),
    targets,
    layers: cx.layers,
    runs: cx.runs,
    nodes: cx.nodes,
    outputs: cx.outputs,
    losses: cx.losses,
    ties,
  };
}

/** Declarations and layers are visible in the whole body, like a cell's declarations: checked first. */
function checkDeclarations(cx: ModelCx, evalDim: Parameters<typeof declType>[1]): void {
  const def = cx.def;
  for (const s of def.body) {
    if (s.kind === "modelDecl") {
      const type = declType(s, evalDim, (d) => cx.report(d));
      const timing = declTiming(s, (d) => cx.report(d));
      if (s.role === "input") {
        // "Found" labels point at the declared type (`[E]`, `index(V)`), where the width comes from.
        const value = type && timing ? { ...addNode(cx, { op: "input", name: s.name.name, type, timing, span: s.name.span }), origin: s.type.span } : undefined;
        if (define(cx, s.name.name, s.name.span, { kind: "input", value, span: s.name.span, used: false }) && value) cx.inputs.push({ decl: s, value });
      } else {
        define(cx, s.name.name, s.name.span, { kind: "target", type, span: s.name.span, used: false });
      }
    } else if (s.kind === "layer") {
      const layer = checkLayer(s, cx.env, evalDim, (d) => cx.report(d));
      if (layer) cx.layers.push(layer);
      define(cx, s.name.name, s.name.span, { kind: "layer", layer, span: s.name.span, used: false });
    }
  }
  const inputs = cx.inputs;
  const declared = def.body.some((s) => s.kind === "modelDecl" && s.role === "input");
  if (!declared && !cx.recovered) {
    cx.report(diag("RNN4005", { name: def.name.name }, { labels: [primary(def.name.span, "declare one with `input x: [I]` or `input tokens: index(V)`")] }));
  } else if (inputs.length > 0 && inputs.length === def.body.filter((s) => s.kind === "modelDecl" && s.role === "input").length && !inputs.some((i) => i.value.timing === "step") && !cx.recovered) {
    // Every input well formed, and none of them per step: the model has no time axis to run over.
    cx.report(
      diag("RNN4014", { name: def.name.name }, {
        labels: inputs.map((i, k) => (k === 0 ? primary(i.decl.span, "one value per sequence") : secondary(i.decl.span, "one value per sequence"))),
        helps: ["declare the sequence the model reads as a per-step input (the default), e.g. `input tokens: index(V)`"],
      }),
    );
  }
}

/** The timing of an `input` line: per step unless it says `per sequence`; a target has none of its own. */
function declTiming(s: ModelDecl, report: (d: Diagnostic) => void): Timing | undefined {
  const t = s.timing;
  if (t === undefined) return "step";
  const text = t.words.map((w) => w.name).join(" ");
  if (s.role === "target") {
    report(
      diag("RNN3026", { name: s.name.name }, {
        labels: [primary(t.span, "a timing on a target")],
        notes: ["a target takes the timing of the prediction its loss compares it with: pass one value per step, or one per sequence, as that prediction has"],
        helps: [`remove \`${text}\``],
      }),
    );
    return undefined;
  }
  if (text === "per step") return "step";
  if (text === "per sequence") return "once";
  report(diag("RNN3025", { found: text }, { labels: [primary(t.span, "not a timing")], helps: ["write `per sequence` for one value per example, or nothing (or `per step`) for a value at every step"] }));
  return undefined;
}

/**
 * What the model must have, and what is never used. Without an input nothing can be computed, and
 * without an output or a loss nothing is read: either is the one thing to report, and "never used"
 * would only repeat it.
 */
function checkLeaves(cx: ModelCx): void {
  const def = cx.def;
  const leaves = def.body.some((s) => s.kind === "output" || s.kind === "loss");
  if (cx.recovered || cx.inputs.length === 0) return;
  if (!leaves) {
    cx.report(diag("RNN4010", { name: def.name.name }, { labels: [primary(def.name.span, "nothing leaves this model")], helps: ["add `output y = …`, or a `loss`"] }));
    return;
  }
  for (const [name, entry] of cx.scope) {
    if (entry.used || name.startsWith("_")) continue;
    if (entry.kind === "target" || entry.kind === "layer" || entry.kind === "let" || (entry.kind === "input" && cx.inputs.length > 1)) {
      const what = entry.kind === "let" ? `\`${name}\`` : `${entry.kind} \`${name}\``;
      cx.report(diag("RNN2009", { what }, { labels: [primary(entry.span, "never read")], helps: [`remove it, or name it \`_${name}\` to keep it unused`] }));
    }
  }
}
