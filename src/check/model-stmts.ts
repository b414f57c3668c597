import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Let, ModelStmt, Output } from "../syntax/ast.js";
import type { Dim } from "../core/dims.js";
import { closestName } from "../core/suggest.js";
import { LOSSES, type LossKind } from "../core/seq-ops.js";
import { LOSS_RULES } from "./model-ops.js";
import { applyLayer } from "./model-exprs.js";
import { define, expectKind, per, reportUnknown, touch, typeText, type ModelCx } from "./model-scope.js";

/**
 * The wiring statements of a model, one rule per statement kind: `let` (one value, or a layer's
 * outputs by name), `output` and `loss`. Declarations and layers are checked before them (see
 * models.ts), as they are visible in the whole body.
 */

type StmtRule<K extends ModelStmt["kind"]> = (s: Extract<ModelStmt, { kind: K }>, cx: ModelCx) => void;

const letRule: StmtRule<"let"> = (s, cx) => {
  if (s.destructure) return destructure(s, cx);
  const value = cx.valueOf(s.value);
  define(cx, s.names[0]!.name, s.names[0]!.span, { kind: "let", value, span: s.names[0]!.span, used: false });
};

/** `let [h, y] = layer(x)`: a layer's outputs, one name each, in the cell's order. */
function destructure(s: Let, cx: ModelCx): void {
  const v = s.value;
  const entry = v.kind === "call" ? cx.scope.get(v.callee.name) : undefined;
  if (v.kind !== "call" || entry?.kind !== "layer") {
    cx.report(diag("RNN3019", { found: cx.env.text(v.span) }, { labels: [primary(v.span, "this makes one value")], helps: ["bind it to one name: `let a = …`"] }));
    cx.valueOf(v);
    s.names.forEach((n) => define(cx, n.name, n.span, { kind: "let", value: undefined, span: n.span, used: true }));
    return;
  }
  entry.used = true;
  const values = applyLayer(v, entry, cx);
  const cell = entry.layer?.cell.cell;
  const outs = cell ? [...cell.outputs.keys()].map((o) => `\`${o}\``).join(", ") : "";
  let ok = values !== undefined;
  if (values && cell && cell.outputs.size < 2) {
    cx.report(
      diag("RNN3019", { found: cx.env.text(v.span) }, {
        labels: [primary(v.span, cell.outputs.size === 1 ? `layer \`${v.callee.name}\` has one output, ${outs}` : `layer \`${v.callee.name}\` has no output`), secondary(cell.def.name.span, `\`${cell.def.name.name}\` defined here`)],
        helps: ["bind it to one name: `let a = …`"],
      }),
    );
    ok = false;
  } else if (values && cell && cell.outputs.size !== s.names.length) {
    cx.report(
      diag("RNN3021", { found: s.names.length, expected: cell.outputs.size, what: `layer \`${v.callee.name}\`` }, {
        labels: [primary(s.span, `${s.names.length} names`), secondary(cell.def.name.span, `\`${cell.def.name.name}\` outputs ${outs}`)],
        helps: [`name one part per output, in order: ${outs}`],
      }),
    );
    ok = false;
  }
  // After an error here the names stay defined, and are not reported as never used.
  s.names.forEach((n, i) => define(cx, n.name, n.span, { kind: "let", value: ok ? values?.[i] : undefined, span: n.span, used: !ok }));
}

const outputRule: StmtRule<"output"> = (s, cx) => {
  if (s.prime || !s.value) return outputName(s, cx);
  const value = cx.valueOf(s.value);
  if (value && value.type.kind === "index") {
    cx.report(diag("RNN3005", { fn: "output", expected: "a vector sequence", found: typeText(value.type) }, { labels: [primary(s.value.span, "integer ids")], helps: [`output \`onehot(${cx.env.text(s.value.span)})\``] }));
    return;
  }
  if (define(cx, s.name.name, s.name.span, { kind: "output", value, span: s.name.span, used: true }) && value) cx.outputs.push({ name: s.name.name, node: value.node, span: s.span });
};

/** `output y`: a value already named. */
function outputName(s: Output, cx: ModelCx): void {
  const entry = cx.scope.get(s.name.name);
  if (!s.prime && entry && entry.kind !== "layer" && entry.kind !== "target") {
    entry.used = true;
    if (entry.value?.type.kind === "index") {
      cx.report(diag("RNN3005", { fn: "output", expected: "a vector sequence", found: typeText(entry.value.type) }, { labels: [primary(s.name.span, "integer ids")], helps: [`output \`onehot(${s.name.name})\` under another name`] }));
      return;
    }
    if (entry.value) cx.outputs.push({ name: s.name.name, node: entry.value.node, span: s.span });
    return;
  }
  if (s.prime) {
    cx.report(diag("RNN4003", { what: "a primed name", allowed: "cells", where: "a model" }, { labels: [primary(s.span, "a model has no states of its own")] }));
    return;
  }
  cx.valueOf({ kind: "name", name: s.name.name, prime: false, span: s.name.span });
}

const lossRule: StmtRule<"loss"> = (s, cx) => {
  const e = s.value;
  if (e.kind !== "call" || !(LOSSES as readonly string[]).includes(e.callee.name)) {
    const near = e.kind === "call" ? closestName(e.callee.name, LOSSES) : undefined;
    touch(cx, e);
    cx.report(
      diag("RNN5009", { found: cx.env.text(e.span) }, {
        labels: [e.kind === "call" ? primary(e.callee.span, "not a loss function") : primary(e.span, "a loss is a call of `mse` or `cross_entropy`")],
        helps: [near ? `did you mean \`${near}\`?` : "write `loss mse(prediction, target)` or `loss cross_entropy(logits, target)`"],
      }),
    );
    return;
  }
  const fn = e.callee.name as LossKind;
  if (e.args.length !== 2) {
    touch(cx, e);
    cx.report(diag("RNN5001", { fn, expected: 2, found: e.args.length }, { labels: [primary(e.span, `called with ${e.args.length} argument(s)`)], helps: [`\`${fn}(prediction, target)\``] }));
    return;
  }
  const pred = cx.valueOf(e.args[0]!);
  const targetExpr = e.args[1]!;
  const entry = targetExpr.kind === "name" ? cx.scope.get(targetExpr.name) : undefined;
  if (entry?.kind !== "target") {
    if (targetExpr.kind !== "name" || entry) {
      cx.report(diag("RNN3005", { fn, expected: "a target declared with `target`", found: `\`${cx.env.text(targetExpr.span)}\`` }, { labels: [primary(targetExpr.span, "not a target")], helps: ["declare it: `target y: [O]` or `target label: index(C)`"] }));
    } else if (!cx.recovered) reportUnknown(cx, targetExpr.name, targetExpr.span, "value");
    return;
  }
  entry.used = true;
  if (!pred || !entry.type) return;
  if (!expectKind(cx, fn, pred, e.args[0]!, { type: "vector" })) return;
  const width = (pred.type as { width: Dim }).width;
  const targetName = (targetExpr as { name: string }).name;
  if (!LOSS_RULES[fn]({ fn, pred, width, target: { name: targetName, type: entry.type, span: entry.span, expr: targetExpr } }, cx)) return;
  if (entry.timing && entry.timing !== pred.timing) {
    cx.report(
      diag("RNN4012", { name: targetName, first: entry.timing === "step" ? "step" : "sequence", second: pred.timing === "step" ? "step" : "sequence" }, {
        labels: [primary(e.args[0]!.span, per(pred.timing)), secondary(entry.timingSpan!, `first compared with ${per(entry.timing)} here`)],
        notes: ["a target holds one value per step or one per sequence, as the predictions it is compared with"],
      }),
    );
    return;
  }
  entry.timing = pred.timing;
  entry.timingSpan = e.args[0]!.span;
  cx.losses.push({ kind: fn, pred: pred.node, target: targetName, span: s.span });
};

/** The rules of the wiring statements; declarations and layers are checked before them. */
export const WIRING_RULES: { readonly [K in "let" | "output" | "loss"]: StmtRule<K> } = { let: letRule, output: outputRule, loss: lossRule };

