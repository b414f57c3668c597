import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { Dim, shapeToString } from "../core/dims.js";
import { LOSSES, SEQ_ARITHMETIC, SEQ_BINARY_BUILTINS, SEQ_FUNCTIONS, SEQ_UNARY_FNS, type SeqFunction, type SeqUnaryFn } from "../core/seq-ops.js";
import { BUILTINS } from "./builtins.js";
import type { LayerRun, ModelLayer } from "./model-types.js";
import { SEQ_OP_RULES } from "./model-ops.js";
import { addNode, found, reportUnknown, touch, typeText, type Call, type LayerEntry, type ModelCx, type Value } from "./model-scope.js";

/**
 * The wiring expressions of a model, one rule per expression kind: names, calls (of a layer, a
 * sequence function, an elementwise built-in, or something a model cannot call), arithmetic and
 * negation of sequences; slices and matrix products are a cell's and are refused.
 */

type ExprRule<K extends Expr["kind"]> = (e: Extract<Expr, { kind: K }>, cx: ModelCx) => Value | undefined;

/** An expression a model does not have: what it reads is not "never used" on top of this error. */
const refused = (e: Expr, cx: ModelCx): undefined => {
  const what = e.kind === "slice" ? "a slice" : "a matrix product";
  touch(cx, e);
  cx.report(
    diag("RNN4003", { what, allowed: "cells and functions", where: "a model" }, {
      labels: [primary(e.span, "a model wires whole sequences through layers")],
      helps: ["compute it inside a cell, and apply that cell as a layer"],
    }),
  );
  return undefined;
};

const nameRule: ExprRule<"name"> = (e, cx) => {
  const entry = cx.scope.get(e.name);
  if (!entry) {
    if (!cx.recovered) reportUnknown(cx, e.name, e.span, "value");
    return undefined;
  }
  entry.used = true;
  if (e.prime) {
    cx.report(diag("RNN4003", { what: "a primed name", allowed: "cells", where: "a model" }, { labels: [primary(e.span, "a model has no states of its own")] }));
    return undefined;
  }
  if (entry.kind === "layer" || entry.kind === "target") {
    const help = entry.kind === "layer" ? `apply it to a sequence: \`${e.name}(x)\`` : "targets are read only by a `loss`";
    cx.report(diag("RNN2004", { name: e.name, kind: entry.kind }, { labels: [primary(e.span, "used as a value"), secondary(entry.span, `defined here`)], helps: [help] }));
    return undefined;
  }
  return entry.value;
};

const binaryRule: ExprRule<"binary"> = (e, cx) => {
  const op = e.op as string;
  // `@` belongs in cells.
  if (!(op in SEQ_ARITHMETIC)) return refused(e, cx);
  return SEQ_OP_RULES[SEQ_ARITHMETIC[op as keyof typeof SEQ_ARITHMETIC]](e, cx);
};

const callRule: ExprRule<"call"> = (call, cx) => {
  const name = call.callee.name;
  const entry = cx.scope.get(name);
  if (entry?.kind === "layer") {
    entry.used = true;
    const values = applyLayer(call, entry, cx);
    if (values && values.length > 1) {
      const cell = entry.layer!.cell.cell;
      const outs = [...cell.outputs.keys()];
      cx.report(
        diag("RNN3022", { layer: name, count: values.length }, {
          labels: [primary(call.span, "used as one value"), secondary(cell.def.name.span, `\`${cell.def.name.name}\` outputs ${outs.map((o) => `\`${o}\``).join(", ")}`)],
          helps: [`name its outputs: \`let [${outs.join(", ")}] = ${cx.env.text(call.span)}\``],
        }),
      );
      return undefined;
    }
    return values?.[0];
  }
  if (entry) {
    entry.used = true;
    cx.report(diag("RNN2010", { name }, { labels: [primary(call.callee.span, `a ${entry.kind}, called like a layer`), secondary(entry.span, "defined here")] }));
    return undefined;
  }
  if ((SEQ_FUNCTIONS as readonly string[]).includes(name)) return SEQ_OP_RULES[name as SeqFunction](call, cx);
  // `max(a, b)`/`min(a, b)` are elementwise; `max(v)`/`min(v)` reduce one vector's features (a cell's).
  if (name in SEQ_BINARY_BUILTINS && call.args.length !== 1) return SEQ_OP_RULES[SEQ_BINARY_BUILTINS[name as keyof typeof SEQ_BINARY_BUILTINS]](call, cx);
  if (name !== "neg" && (SEQ_UNARY_FNS as readonly string[]).includes(name)) return SEQ_OP_RULES[name as Exclude<SeqUnaryFn, "neg">](call, cx);
  return notCallable(call, cx);
};

/** A call of something a model cannot call: a loss, a built-in, a function, a cell, or nothing known. */
function notCallable(call: Call, cx: ModelCx): undefined {
  const name = call.callee.name;
  if ((LOSSES as readonly string[]).includes(name)) {
    cx.report(diag("RNN4003", { what: `\`${name}\``, allowed: "a `loss` statement", where: "a value" }, { labels: [primary(call.span, "a loss is not a sequence")], helps: [`write \`loss ${cx.env.text(call.span)}\``] }));
  } else if (BUILTINS.has(name)) {
    touch(cx, call);
    cx.report(
      diag("RNN4003", { what: `\`${name}\``, allowed: "cells and functions", where: "a model" }, {
        labels: [primary(call.callee.span, name === "max" || name === "min" ? "of one argument: a reduction over a vector's features, not elementwise" : "a function of vectors, not of sequences")],
        helps: ["compute it inside a cell, and apply that cell as a layer"],
      }),
    );
  } else if (cx.env.fns?.has(name)) {
    cx.report(
      diag("RNN4003", { what: `a call of function \`${name}\``, allowed: "cells and functions", where: "a model" }, {
        labels: [primary(call.span, "a model wires whole sequences through layers")],
        helps: [`call \`${name}\` inside a cell, and apply that cell as a layer`],
      }),
    );
    call.args.forEach((a) => cx.valueOf(a));
  } else if (cx.env.cells.has(name)) {
    cx.report(diag("RNN2004", { name, kind: "cell" }, { labels: [primary(call.callee.span, "a cell, not a layer")], helps: [`declare a layer with its dimensions, \`layer l = ${name}(…)\`, and apply \`l(…)\``] }));
  } else reportUnknown(cx, name, call.callee.span, "function");
  return undefined;
}

const EXPR_RULES: { readonly [K in Expr["kind"]]: ExprRule<K> } = {
  name: nameRule,
  call: callRule,
  binary: binaryRule,
  number: (e, cx) => SEQ_OP_RULES.number(e, cx),
  neg: (e, cx) => SEQ_OP_RULES.neg(e, cx),
  slice: refused,
};

/** The value of a wiring expression, or undefined after reporting why it has none. */
export function valueOf(e: Expr, cx: ModelCx): Value | undefined {
  return (EXPR_RULES[e.kind] as ExprRule<Expr["kind"]>)(e, cx);
}

/** Applies a layer; returns one value per cell output, in the cell's output order. */
export function applyLayer(call: Call, entry: LayerEntry, cx: ModelCx): Value[] | undefined {
  const layer = entry.layer;
  if (!layer) {
    call.args.forEach((a) => cx.valueOf(a));
    return undefined;
  }
  const args = layerArgs(call, layer, cx);
  if (!args) return undefined;
  const fed = args.map((arg, k) => feed(call, k, arg, layer, cx));
  if (!fed.every((v) => v !== undefined)) return undefined;
  if (layer.recurrent) {
    if (entry.applied) {
      cx.report(
        diag("RNN4011", { name: layer.name }, {
          labels: [primary(call.span, "applied again here"), secondary(entry.applied, "first applied here")],
          helps: [`declare a second layer, \`layer ${layer.name}_2 = ${layer.cell.cell.def.name.name}(…)\`, for a second recurrence with its own weights and states`],
        }),
      );
      return undefined;
    }
    entry.applied = call.span;
  }
  // The run is per step when any argument is: a per-sequence argument is the same at every step.
  const timing = fed.some((v) => v.timing === "step") ? "step" : "once";
  const nodes = fed.map((v) => v.node);
  const run: LayerRun = { index: cx.runs.length, layer: layer.name, args: nodes, timing };
  cx.runs.push(run);
  return [...layer.cell.cell.outputs.keys()].map((output) => {
    const width = (layer.cell.cell.outputShapes.get(output)![0] ?? Dim.const(1)).substitute(layer.binding);
    return addNode(cx, { op: "apply", layer: layer.name, args: nodes, output, run: run.index, type: { kind: "vector", width }, timing, span: call.span });
  });
}

/** The values of a layer's arguments: one per input of its cell, in the cell's order. */
function layerArgs(call: Call, layer: ModelLayer, cx: ModelCx): Value[] | undefined {
  const cell = layer.cell.cell;
  const n = cell.inputs.length;
  if (call.args.length !== n) {
    const names = cell.inputs.map((i) => `\`${i.name}\``).join(", ");
    const list = `${layer.name}(${cell.inputs.map((i) => i.name).join(", ")})`;
    cx.report(
      diag("RNN5001", { fn: layer.name, expected: n, found: call.args.length }, {
        labels: [primary(call.span, `given ${call.args.length} argument${call.args.length === 1 ? "" : "s"}`), secondary(cell.def.name.span, `\`${cell.def.name.name}\` reads ${n === 1 ? "one input" : `${n} inputs`}, ${names}`)],
        notes: [`a layer takes one argument per input of its cell, in the cell's order: \`${list}\``],
      }),
    );
    call.args.forEach((a) => cx.valueOf(a));
    return undefined;
  }
  const values = call.args.map((a) => cx.valueOf(a));
  return values.every((v) => v !== undefined) ? (values as Value[]) : undefined;
}

/** The value a layer's cell reads as its input `k`: `arg` when its width is the input's, ids as their one-hot vectors. */
function feed(call: Call, k: number, arg: Value, layer: ModelLayer, cx: ModelCx): Value | undefined {
  const inputs = layer.cell.cell.inputs;
  const input = inputs[k]!;
  const expected = input.shape.map((d) => d.substitute(layer.binding));
  const declared = secondary(input.decl.span, `\`${layer.cell.cell.def.name.name}\` declares its input here (${input.name}: ${shapeToString(input.shape)})`);
  const binds = secondary(layer.span, `layer \`${layer.name}\` binds ${[...layer.binding].map(([k, v]) => `${k} = ${v}`).join(", ")}`);
  const at = call.args[k]!.span;
  // With several inputs the message names the one this argument feeds.
  const want = inputs.length === 1 ? shapeToString(expected) : `\`${input.name}\`: ${shapeToString(expected)} as argument ${k + 1}`;
  if (expected.length !== 1) {
    cx.report(diag("RNN3017", { layer: layer.name, expected: want, found: typeText(arg.type) }, { labels: [primary(at, "a sequence of vectors"), declared], notes: ["a layer's cell must take a vector input"] }));
    return undefined;
  }
  if (arg.type.kind === "index") {
    // Ids feed a layer as one-hot vectors, as torch.nn.Embedding reads ids.
    if (!arg.type.size.equals(expected[0]!)) {
      cx.report(
        diag("RNN3017", { layer: layer.name, expected: want, found: typeText(arg.type) }, {
          labels: [primary(at, `ids below ${arg.type.size}: one-hot vectors of length ${arg.type.size}`), ...found(arg, "declared here", at), declared, binds],
        }),
      );
      return undefined;
    }
    return addNode(cx, { op: "onehot", arg: arg.node, type: { kind: "vector", width: arg.type.size }, timing: arg.timing, span: at });
  }
  if (!arg.type.width.equals(expected[0]!)) {
    cx.report(
      diag("RNN3017", { layer: layer.name, expected: want, found: shapeToString([arg.type.width]) }, {
        labels: [primary(at, `vectors of length ${arg.type.width}`), ...found(arg, `length ${arg.type.width} comes from here`, at), declared, binds],
      }),
    );
    return undefined;
  }
  return arg;
}
