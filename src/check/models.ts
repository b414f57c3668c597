import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic, type Label } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Expr, LayerDecl, Let, ModelDecl, ModelDef, Output } from "../syntax/ast.js";
import { evalDimExpr } from "./dim-exprs.js";
import { Dim, shapeToString } from "../core/dims.js";
import type { BinaryFn, CheckedModel, LayerRun, ModelLayer, ModelLoss, ModelNode, ModelTarget, ModelType, ResolvedCell, Timing } from "./model-types.js";
import { BUILTINS } from "./builtins.js";
import { closestName } from "../core/suggest.js";
import { checkLayer, declType } from "./model-layers.js";

/**
 * The model checker: resolves layers to cells and binds their dimensions, then types every
 * wiring expression — widths as symbolic `Dim`s over the model's dimensions, ids, per-step or
 * per-sequence timing — so that a layer fed the wrong width is reported at the line that wires
 * it, for every value of the dimensions. Builds the `CheckedModel` graph on the way.
 */

type Call = Extract<Expr, { kind: "call" }>;

/** The sequence functions of a model, besides applying a layer. */
export const MODEL_FUNCTIONS = ["onehot", "reverse", "concat", "last"] as const;
/** The loss functions of a `loss` line. */
export const LOSSES = ["mse", "cross_entropy"] as const;
/** The arithmetic a model has: elementwise, on whole sequences. */
const BINARY_FNS = { "+": "add", "-": "sub", "*": "mul" } as const satisfies Record<string, BinaryFn>;

interface Value {
  readonly node: number;
  readonly type: ModelType;
  readonly timing: Timing;
  /** Where this value's type comes from, for "found" labels. */
  readonly origin: Span;
}

type Entry =
  | { readonly kind: "input" | "let" | "output"; readonly value: Value | undefined; readonly span: Span; used: boolean }
  | { readonly kind: "target"; readonly type: ModelType | undefined; readonly span: Span; used: boolean; timing?: Timing; timingSpan?: Span }
  | { readonly kind: "layer"; readonly layer: ModelLayer | undefined; readonly span: Span; used: boolean; applied?: Span };

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

export function checkModel(def: ModelDef, file: string, env: ModelEnv): CheckedModel | undefined {
  const owner = `model \`${def.name.name}\``;
  let errors = 0;
  const report = (d: Diagnostic) => {
    if (d.severity === "error") errors++;
    env.report(d);
  };
  const recovered = def.recovered === true;
  const dimNames = new Set<string>();
  for (const d of def.dims) {
    if (dimNames.has(d.name)) report(diag("RNN2002", { name: d.name, scope: "model's dimension list" }, { labels: [primary(d.span, "listed twice")] }));
    dimNames.add(d.name);
  }
  const dimText = (e: { span: Span }) => env.text(e.span);
  const evalDim = (e: Parameters<typeof evalDimExpr>[0]) => evalDimExpr(e, dimNames, owner, report, dimText);

  const scope = new Map<string, Entry>();
  const nodes: ModelNode[] = [];
  const layers: ModelLayer[] = [];
  const runs: LayerRun[] = [];
  const outputs: CheckedModel["outputs"][number][] = [];
  const losses: ModelLoss[] = [];
  const inputs: { decl: ModelDecl; value: Value }[] = [];

  const define = (name: string, span: Span, entry: Entry): boolean => {
    const prior = scope.get(name);
    if (prior) {
      report(diag("RNN2002", { name, scope: "model" }, { labels: [primary(span, "defined again here"), secondary(prior.span, `first defined here (as ${article(prior.kind)} ${prior.kind})`)] }));
      return false;
    }
    scope.set(name, entry);
    return true;
  };
  const addNode = (n: DistributiveOmit<ModelNode, "id">): Value => {
    const node = { ...n, id: nodes.length } as unknown as ModelNode;
    nodes.push(node);
    return { node: node.id, type: node.type, timing: node.timing, origin: node.span };
  };

  // Declarations and layers are visible in the whole body, like a cell's declarations.
  for (const s of def.body) {
    if (s.kind === "modelDecl") {
      const type = declType(s, evalDim, report);
      if (s.role === "input") {
        // "Found" labels point at the declared type (`[E]`, `index(V)`), where the width comes from.
        const value = type ? { ...addNode({ op: "input", type, timing: "step", span: s.name.span }), origin: s.type.span } : undefined;
        if (define(s.name.name, s.name.span, { kind: "input", value, span: s.name.span, used: false }) && value) inputs.push({ decl: s, value });
      } else {
        define(s.name.name, s.name.span, { kind: "target", type, span: s.name.span, used: false });
      }
    } else if (s.kind === "layer") {
      const layer = checkLayer(s, env, evalDim, report);
      if (layer) layers.push(layer);
      define(s.name.name, s.name.span, { kind: "layer", layer, span: s.name.span, used: false });
    }
  }
  if (inputs.length !== 1 && !recovered) {
    const labels = inputs.length === 0 ? [primary(def.name.span, "declare one with `input x: [I]` or `input tokens: index(V)`")] : inputs.map((i, k) => (k === 0 ? secondary(i.decl.span, "the first input") : primary(i.decl.span, "another input")));
    report(diag("RNN4005", { name: def.name.name, found: inputs.length }, { labels, ...(inputs.length > 1 ? { helps: ["declare one input holding both, and feed its parts to layers whose cells slice it"] } : {}) }));
  }

  // ---- expressions ------------------------------------------------------------------------

  const typeText = (t: ModelType, timing?: Timing) => `${t.kind === "vector" ? shapeToString([t.width]) : `index(${t.size})`}${timing === "once" ? " per sequence" : ""}`;
  const found = (v: Value, message: string, at?: Span): Label[] => (at && at.start === v.origin.start && at.end === v.origin.end ? [] : [secondary(v.origin, message)]);

  const valueOf = (e: Expr): Value | undefined => {
    switch (e.kind) {
      case "name":
        return nameValue(e);
      case "call":
        return callValue(e);
      case "binary":
        if (e.op in BINARY_FNS) return binaryValue(e);
      // falls through: `/` and `@` belong in cells
      default: {
        const what =
          e.kind === "number" ? "a number"
          : e.kind === "slice" ? "a slice"
          : e.kind === "neg" ? "a negation"
          : e.kind === "binary" && e.op === "/" ? "division"
          : e.kind === "binary" && e.op === "@" ? "a matrix product"
          : "arithmetic";
        // What the refused expression reads is not "never used" on top of this error.
        touch(e);
        report(
          diag("RNN4003", { what, allowed: "cells and functions", where: "a model" }, {
            labels: [primary(e.span, "a model wires whole sequences through layers")],
            helps: ["compute it inside a cell, and apply that cell as a layer"],
          }),
        );
        return undefined;
      }
    }
  };

  /** `a + b`, `a - b`, `a * b`: elementwise on two vector sequences of one width and timing. */
  const binaryValue = (e: Extract<Expr, { kind: "binary" }>): Value | undefined => {
    const operands = [e.left, e.right].map((x) => (x.kind === "number" ? undefined : valueOf(x)));
    const number = [e.left, e.right].find((x) => x.kind === "number");
    if (number) {
      report(
        diag("RNN4003", { what: "a number", allowed: "cells and functions", where: "a model" }, {
          labels: [primary(number.span, "a model adds, subtracts and multiplies whole sequences, not numbers")],
          helps: ["scale or shift inside a cell, and apply that cell as a layer"],
        }),
      );
      return undefined;
    }
    const [a, b] = operands;
    if (!a || !b) return undefined;
    if (!expectKind(e.op, a, e.left, { type: "vector" }) || !expectKind(e.op, b, e.right, { type: "vector" })) return undefined;
    const [wa, wb] = [a, b].map((v) => (v.type as { width: Dim }).width) as [Dim, Dim];
    if (!wa.equals(wb) || a.timing !== b.timing) {
      report(
        diag("RNN3005", { fn: e.op, expected: `operands of one width and timing (the left is ${typeText(a.type, a.timing)})`, found: typeText(b.type, b.timing) }, {
          labels: [primary(e.right.span, typeText(b.type, b.timing)), secondary(e.left.span, typeText(a.type, a.timing))],
        }),
      );
      return undefined;
    }
    return addNode({ op: "binary", fn: BINARY_FNS[e.op as keyof typeof BINARY_FNS], args: [a.node, b.node], type: a.type, timing: a.timing, span: e.span });
  };

  const nameValue = (e: Extract<Expr, { kind: "name" }>): Value | undefined => {
    const entry = scope.get(e.name);
    if (!entry) {
      if (!recovered) reportUnknown(e.name, e.span, "value");
      return undefined;
    }
    entry.used = true;
    if (e.prime) {
      report(diag("RNN4003", { what: "a primed name", allowed: "cells", where: "a model" }, { labels: [primary(e.span, "a model has no states of its own")] }));
      return undefined;
    }
    if (entry.kind === "layer" || entry.kind === "target") {
      const help = entry.kind === "layer" ? `apply it to a sequence: \`${e.name}(x)\`` : "targets are read only by a `loss`";
      report(diag("RNN2004", { name: e.name, kind: entry.kind }, { labels: [primary(e.span, "used as a value"), secondary(entry.span, `defined here`)], helps: [help] }));
      return undefined;
    }
    return entry.value;
  };

  /** Marks every name an expression reads as used, without checking it (after an error there). */
  const touch = (e: Expr): void => {
    if (e.kind === "name") {
      const entry = scope.get(e.name);
      if (entry) entry.used = true;
    } else if (e.kind === "call") {
      const entry = scope.get(e.callee.name);
      if (entry) entry.used = true;
      e.args.forEach(touch);
    } else if (e.kind === "binary") {
      touch(e.left);
      touch(e.right);
    } else if (e.kind === "neg") touch(e.operand);
    else if (e.kind === "slice") touch(e.target);
  };

  const reportUnknown = (name: string, span: Span, what: "value" | "function") => {
    if (env.unparsed.has(name)) return;
    const candidates = what === "value" ? [...scope.keys()] : [...scope.entries()].filter(([, v]) => v.kind === "layer").map(([k]) => k).concat(MODEL_FUNCTIONS);
    const near = closestName(name, candidates);
    report(diag("RNN2001", { name }, { labels: [primary(span, "not defined in this model")], ...(near ? { helps: [`did you mean \`${near}\`?`] } : {}) }));
  };

  const argValues = (call: Call, count: number | "many"): Value[] | undefined => {
    if (count !== "many" && call.args.length !== count) {
      report(diag("RNN5001", { fn: call.callee.name, expected: count, found: call.args.length }, { labels: [primary(call.span, `called with ${call.args.length} argument(s)`)] }));
      call.args.forEach((a) => valueOf(a));
      return undefined;
    }
    if (count === "many" && call.args.length < 1) {
      report(diag("RNN5001", { fn: call.callee.name, expected: "at least 1", found: 0 }, { labels: [primary(call.span, "called without arguments")] }));
      return undefined;
    }
    const values = call.args.map((a) => valueOf(a));
    return values.every((v) => v !== undefined) ? (values as Value[]) : undefined;
  };

  const expectKind = (fn: string, v: Value, arg: Expr, want: { type?: "vector" | "index"; timing?: Timing }): boolean => {
    if (want.type && v.type.kind !== want.type) {
      const expected = want.type === "vector" ? "a vector sequence" : "integer ids (`index(N)`)";
      report(
        diag("RNN3005", { fn, expected, found: typeText(v.type) }, {
          labels: [primary(arg.span, typeText(v.type)), ...found(v, `${typeText(v.type)} from here`, arg.span)],
          ...(want.type === "vector" ? { helps: [`turn ids into vectors with \`onehot(${env.text(arg.span)})\``] } : {}),
        }),
      );
      return false;
    }
    if (want.timing && v.timing !== want.timing) {
      const expected = want.timing === "step" ? "a per-step sequence" : "a per-sequence value";
      report(diag("RNN3005", { fn, expected, found: v.timing === "once" ? "one value per sequence" : "a per-step sequence" }, { labels: [primary(arg.span, "this value"), ...found(v, v.timing === "once" ? "made per sequence here" : "a per-step sequence from here", arg.span)] }));
      return false;
    }
    return true;
  };

  const callValue = (call: Call): Value | undefined => {
    const name = call.callee.name;
    const entry = scope.get(name);
    if (entry?.kind === "layer") {
      entry.used = true;
      const values = applyLayer(call, entry);
      if (values && values.length > 1) {
        const outs = [...entry.layer!.cell.cell.outputs.keys()];
        report(
          diag("RNN3022", { layer: name, count: values.length }, {
            labels: [primary(call.span, "used as one value"), secondary(entry.layer!.cell.cell.def.name.span, `\`${entry.layer!.cell.cell.def.name.name}\` outputs ${outs.map((o) => `\`${o}\``).join(", ")}`)],
            helps: [`name its outputs: \`let [${outs.join(", ")}] = ${env.text(call.span)}\``],
          }),
        );
        return undefined;
      }
      return values?.[0];
    }
    if (entry) {
      entry.used = true;
      report(diag("RNN2010", { name }, { labels: [primary(call.callee.span, `a ${entry.kind}, called like a layer`), secondary(entry.span, "defined here")] }));
      return undefined;
    }
    switch (name) {
      case "onehot": {
        const [v] = argValues(call, 1) ?? [];
        if (!v || !expectKind(name, v, call.args[0]!, { type: "index" })) return undefined;
        return addNode({ op: "onehot", arg: v.node, type: { kind: "vector", width: (v.type as { size: Dim }).size }, timing: v.timing, span: call.span });
      }
      case "reverse": {
        const [v] = argValues(call, 1) ?? [];
        if (!v || !expectKind(name, v, call.args[0]!, { timing: "step" })) return undefined;
        return addNode({ op: "reverse", arg: v.node, type: v.type, timing: "step", span: call.span });
      }
      case "last": {
        const [v] = argValues(call, 1) ?? [];
        if (!v || !expectKind(name, v, call.args[0]!, { timing: "step" })) return undefined;
        return addNode({ op: "last", arg: v.node, type: v.type, timing: "once", span: call.span });
      }
      case "concat": {
        const vs = argValues(call, "many");
        if (!vs) return undefined;
        if (!vs.every((v, i) => expectKind(name, v, call.args[i]!, { type: "vector" }))) return undefined;
        const first = vs[0]!;
        for (let i = 1; i < vs.length; i++) {
          if (vs[i]!.timing === first.timing) continue;
          report(
            diag("RNN3005", { fn: name, expected: `operands of one timing (the first is ${first.timing === "step" ? "per step" : "per sequence"})`, found: vs[i]!.timing === "step" ? "a per-step sequence" : "one value per sequence" }, {
              labels: [primary(call.args[i]!.span, "this operand"), secondary(call.args[0]!.span, "the first operand")],
            }),
          );
          return undefined;
        }
        const width = vs.reduce((w, v) => w.add((v.type as { width: Dim }).width), Dim.const(0));
        return addNode({ op: "concat", args: vs.map((v) => v.node), type: { kind: "vector", width }, timing: first.timing, span: call.span });
      }
      default:
        if ((LOSSES as readonly string[]).includes(name)) {
          report(diag("RNN4003", { what: `\`${name}\``, allowed: "a `loss` statement", where: "a value" }, { labels: [primary(call.span, "a loss is not a sequence")], helps: [`write \`loss ${env.text(call.span)}\``] }));
          return undefined;
        }
        if (BUILTINS.has(name)) {
          touch(call);
          report(
            diag("RNN4003", { what: `\`${name}\``, allowed: "cells and functions", where: "a model" }, {
              labels: [primary(call.callee.span, "a function of vectors, not of sequences")],
              helps: ["compute it inside a cell, and apply that cell as a layer"],
            }),
          );
          return undefined;
        }
        if (env.fns?.has(name)) {
          report(
            diag("RNN4003", { what: `a call of function \`${name}\``, allowed: "cells and functions", where: "a model" }, {
              labels: [primary(call.span, "a model wires whole sequences through layers")],
              helps: [`call \`${name}\` inside a cell, and apply that cell as a layer`],
            }),
          );
          call.args.forEach((a) => valueOf(a));
          return undefined;
        }
        if (env.cells.has(name)) {
          report(diag("RNN2004", { name, kind: "cell" }, { labels: [primary(call.callee.span, "a cell, not a layer")], helps: [`declare a layer with its dimensions, \`layer l = ${name}(…)\`, and apply \`l(…)\``] }));
          return undefined;
        }
        reportUnknown(name, call.callee.span, "function");
        return undefined;
    }
  };

  /** Applies a layer; returns one value per cell output, in the cell's output order. */
  const applyLayer = (call: Call, entry: Extract<Entry, { kind: "layer" }>): Value[] | undefined => {
    const [arg] = argValues(call, 1) ?? [];
    const layer = entry.layer;
    if (!arg || !layer) return undefined;
    const input = layer.cell.cell.inputs[0]!;
    const expected = input.shape.map((d) => d.substitute(layer.binding));
    let fed = arg;
    const declared = secondary(input.decl.span, `\`${layer.cell.cell.def.name.name}\` declares its input here (${input.name}: ${shapeToString(input.shape)})`);
    const binds = secondary(layer.span, `layer \`${layer.name}\` binds ${bindingText(layer)}`);
    if (expected.length !== 1) {
      report(diag("RNN3017", { layer: layer.name, expected: shapeToString(expected), found: typeText(arg.type) }, { labels: [primary(call.args[0]!.span, "a sequence of vectors"), declared], notes: ["a layer's cell must take a vector input"] }));
      return undefined;
    }
    if (arg.type.kind === "index") {
      // Ids feed a layer as one-hot vectors, as torch.nn.Embedding reads ids.
      if (!arg.type.size.equals(expected[0]!)) {
        report(
          diag("RNN3017", { layer: layer.name, expected: shapeToString(expected), found: typeText(arg.type) }, {
            labels: [primary(call.args[0]!.span, `ids below ${arg.type.size}: one-hot vectors of length ${arg.type.size}`), ...found(arg, "declared here", call.args[0]!.span), declared, binds],
          }),
        );
        return undefined;
      }
      fed = addNode({ op: "onehot", arg: arg.node, type: { kind: "vector", width: arg.type.size }, timing: arg.timing, span: call.args[0]!.span });
    } else if (!arg.type.width.equals(expected[0]!)) {
      report(
        diag("RNN3017", { layer: layer.name, expected: shapeToString(expected), found: shapeToString([arg.type.width]) }, {
          labels: [primary(call.args[0]!.span, `vectors of length ${arg.type.width}`), ...found(arg, `length ${arg.type.width} comes from here`, call.args[0]!.span), declared, binds],
        }),
      );
      return undefined;
    }
    if (layer.recurrent) {
      if (entry.applied) {
        report(
          diag("RNN4011", { name: layer.name }, {
            labels: [primary(call.span, "applied again here"), secondary(entry.applied, "first applied here")],
            helps: [`declare a second layer, \`layer ${layer.name}_2 = ${layer.cell.cell.def.name.name}(…)\`, for a second recurrence with its own weights and states`],
          }),
        );
        return undefined;
      }
      entry.applied = call.span;
    }
    const run: LayerRun = { index: runs.length, layer: layer.name, arg: fed.node, timing: fed.timing };
    runs.push(run);
    const outs = [...layer.cell.cell.outputs.keys()];
    const graphOutputs = outs.map((name) => {
      const shape = outputShape(layer, name);
      return addNode({ op: "apply", layer: layer.name, arg: fed.node, output: name, run: run.index, type: { kind: "vector", width: shape }, timing: fed.timing, span: call.span });
    });
    return graphOutputs;
  };

  const outputShape = (layer: ModelLayer, output: string): Dim => {
    const shape = layer.cell.cell.outputShapes.get(output)!;
    return (shape[0] ?? Dim.const(1)).substitute(layer.binding);
  };

  // ---- statements ---------------------------------------------------------------------------

  for (const s of def.body) {
    if (s.kind === "let") checkLet(s);
    else if (s.kind === "output") checkOutput(s);
    else if (s.kind === "loss") checkLoss(s.value, s.span);
  }

  function checkLet(s: Let): void {
    if (s.destructure) {
      const v = s.value;
      const entry = v.kind === "call" ? scope.get(v.callee.name) : undefined;
      if (v.kind !== "call" || entry?.kind !== "layer") {
        report(diag("RNN3019", { found: env.text(v.span) }, { labels: [primary(v.span, "this makes one value")], helps: ["bind it to one name: `let a = …`"] }));
        valueOf(v);
        s.names.forEach((n) => define(n.name, n.span, { kind: "let", value: undefined, span: n.span, used: true }));
        return;
      }
      entry.used = true;
      const values = applyLayer(v, entry);
      const cell = entry.layer?.cell.cell;
      const outs = cell ? [...cell.outputs.keys()].map((o) => `\`${o}\``).join(", ") : "";
      let ok = values !== undefined;
      if (values && cell && cell.outputs.size < 2) {
        report(
          diag("RNN3019", { found: env.text(v.span) }, {
            labels: [primary(v.span, cell.outputs.size === 1 ? `layer \`${v.callee.name}\` has one output, ${outs}` : `layer \`${v.callee.name}\` has no output`), secondary(cell.def.name.span, `\`${cell.def.name.name}\` defined here`)],
            helps: ["bind it to one name: `let a = …`"],
          }),
        );
        ok = false;
      } else if (values && cell && cell.outputs.size !== s.names.length) {
        report(
          diag("RNN3021", { found: s.names.length, expected: cell.outputs.size, what: `layer \`${v.callee.name}\`` }, {
            labels: [primary(s.span, `${s.names.length} names`), secondary(cell.def.name.span, `\`${cell.def.name.name}\` outputs ${outs}`)],
            helps: [`name one part per output, in order: ${outs}`],
          }),
        );
        ok = false;
      }
      // After an error here the names stay defined, and are not reported as never used.
      s.names.forEach((n, i) => define(n.name, n.span, { kind: "let", value: ok ? values?.[i] : undefined, span: n.span, used: !ok }));
      return;
    }
    const value = valueOf(s.value);
    define(s.names[0]!.name, s.names[0]!.span, { kind: "let", value, span: s.names[0]!.span, used: false });
  }

  function checkOutput(s: Output): void {
    if (s.prime || !s.value) {
      const entry = scope.get(s.name.name);
      if (!s.prime && entry && entry.kind !== "layer" && entry.kind !== "target") {
        entry.used = true;
        if (entry.value?.type.kind === "index") {
          report(diag("RNN3005", { fn: "output", expected: "a vector sequence", found: typeText(entry.value.type) }, { labels: [primary(s.name.span, "integer ids")], helps: [`output \`onehot(${s.name.name})\` under another name`] }));
          return;
        }
        if (entry.value) outputs.push({ name: s.name.name, node: entry.value.node, span: s.span });
        return;
      }
      if (s.prime) {
        report(diag("RNN4003", { what: "a primed name", allowed: "cells", where: "a model" }, { labels: [primary(s.span, "a model has no states of its own")] }));
        return;
      }
      nameValue({ kind: "name", name: s.name.name, prime: false, span: s.name.span });
      return;
    }
    const value = valueOf(s.value);
    if (value && value.type.kind === "index") {
      report(diag("RNN3005", { fn: "output", expected: "a vector sequence", found: typeText(value.type) }, { labels: [primary(s.value.span, "integer ids")], helps: [`output \`onehot(${env.text(s.value.span)})\``] }));
      return;
    }
    if (define(s.name.name, s.name.span, { kind: "output", value, span: s.name.span, used: true }) && value) outputs.push({ name: s.name.name, node: value.node, span: s.span });
  }

  function checkLoss(e: Expr, span: Span): void {
    if (e.kind !== "call" || !(LOSSES as readonly string[]).includes(e.callee.name)) {
      const near = e.kind === "call" ? closestName(e.callee.name, LOSSES) : undefined;
      touch(e);
      report(
        diag("RNN5009", { found: env.text(e.span) }, {
          labels: [e.kind === "call" ? primary(e.callee.span, "not a loss function") : primary(e.span, "a loss is a call of `mse` or `cross_entropy`")],
          helps: [near ? `did you mean \`${near}\`?` : "write `loss mse(prediction, target)` or `loss cross_entropy(logits, target)`"],
        }),
      );
      return;
    }
    const fn = e.callee.name as ModelLoss["kind"];
    if (e.args.length !== 2) {
      touch(e);
      report(diag("RNN5001", { fn, expected: 2, found: e.args.length }, { labels: [primary(e.span, `called with ${e.args.length} argument(s)`)], helps: [`\`${fn}(prediction, target)\``] }));
      return;
    }
    const pred = valueOf(e.args[0]!);
    const targetExpr = e.args[1]!;
    const entry = targetExpr.kind === "name" ? scope.get(targetExpr.name) : undefined;
    if (entry?.kind !== "target") {
      if (targetExpr.kind !== "name" || entry) {
        report(diag("RNN3005", { fn, expected: "a target declared with `target`", found: `\`${env.text(targetExpr.span)}\`` }, { labels: [primary(targetExpr.span, "not a target")], helps: ["declare it: `target y: [O]` or `target label: index(C)`"] }));
      } else if (!recovered) reportUnknown(targetExpr.name, targetExpr.span, "value");
      return;
    }
    entry.used = true;
    if (!pred || !entry.type) return;
    if (!expectKind(fn, pred, e.args[0]!, { type: "vector" })) return;
    const width = (pred.type as { width: Dim }).width;
    const targetName = (targetExpr as { name: string }).name;
    if (fn === "cross_entropy") {
      if (entry.type.kind !== "index" || !entry.type.size.equals(width)) {
        report(
          diag("RNN3005", { fn, expected: `a target of class ids \`index(${width})\` for logits ${shapeToString([width])}`, found: `\`${targetName}\`: ${typeText(entry.type)}` }, {
            labels: [primary(targetExpr.span, typeText(entry.type)), secondary(entry.span, "declared here"), ...found(pred, `logits ${shapeToString([width])} from here`)],
          }),
        );
        return;
      }
    } else if (entry.type.kind !== "vector" || !entry.type.width.equals(width)) {
      report(
        diag("RNN3005", { fn, expected: `a target of the prediction's shape ${shapeToString([width])}`, found: `\`${targetName}\`: ${typeText(entry.type)}` }, {
          labels: [primary(targetExpr.span, typeText(entry.type)), secondary(entry.span, "declared here"), ...found(pred, `prediction ${shapeToString([width])} from here`)],
        }),
      );
      return;
    }
    if (entry.timing && entry.timing !== pred.timing) {
      report(
        diag("RNN4012", { name: targetName, first: entry.timing === "step" ? "step" : "sequence", second: pred.timing === "step" ? "step" : "sequence" }, {
          labels: [primary(e.args[0]!.span, per(pred.timing)), secondary(entry.timingSpan!, `first compared with ${per(entry.timing)} here`)],
          notes: ["a target holds one value per step or one per sequence, as the predictions it is compared with"],
        }),
      );
      return;
    }
    entry.timing = pred.timing;
    entry.timingSpan = e.args[0]!.span;
    losses.push({ kind: fn, pred: pred.node, target: targetName, span });
  }

  // ---- what is never used, and what the model must have --------------------------------------

  // Without an input nothing can be computed, and without an output or a loss nothing is read:
  // either is the one thing to report, and "never used" would only repeat it.
  const leaves = def.body.some((s) => s.kind === "output" || s.kind === "loss");
  if (!recovered && inputs.length > 0 && !leaves) {
    report(diag("RNN4010", { name: def.name.name }, { labels: [primary(def.name.span, "nothing leaves this model")], helps: ["add `output y = …`, or a `loss`"] }));
  }
  if (!recovered && inputs.length > 0 && leaves) {
    for (const [name, entry] of scope) {
      if (entry.used || name.startsWith("_")) continue;
      if (entry.kind === "target" || entry.kind === "layer" || entry.kind === "let") {
        const what = entry.kind === "let" ? `\`${name}\`` : `${entry.kind} \`${name}\``;
        report(diag("RNN2009", { what }, { labels: [primary(entry.span, "never read")], helps: [`remove it, or name it \`_${name}\` to keep it unused`] }));
      }
    }
  }
  if (errors > 0 || recovered || inputs.length !== 1) return undefined;

  const targets: ModelTarget[] = [];
  for (const [name, entry] of scope) {
    if (entry.kind === "target" && entry.type && entry.timing) targets.push({ name, type: entry.type, timing: entry.timing, span: entry.span });
  }
  const input = inputs[0]!;
  return {
    def,
    name: def.name.name,
    file,
    dims: def.dims.map((d) => d.name),
    input: { name: input.decl.name.name, type: input.value.type, node: input.value.node },
    targets,
    layers,
    runs,
    nodes,
    outputs,
    losses,
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function per(timing: Timing): string {
  return timing === "step" ? "one value per step" : "one value per sequence";
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? "an" : "a";
}

function bindingText(layer: ModelLayer): string {
  return [...layer.binding].map(([k, v]) => `${k} = ${v}`).join(", ");
}
