import { describe, expect, it } from "vitest";
import type { CheckedModel, ModelNode, ModelType } from "../../src/check/model-types.js";
import { checkSource } from "../../src/compiler.js";
import type { ReadText } from "../../src/imports/resolve.js";

/**
 * Models, by example: each test is a valid model file and what the checker makes of it — the
 * `CheckedModel` every back end reads. Widths are symbolic (`Dim.toString()`, in normal form);
 * timings are "step" (one value per step of the sequence) or "once" (one per sequence, after
 * `last`). Malformed models are in test/cases (100 onward).
 */

/** Checks a file that must be clean and returns its one model. */
function model(text: string, read?: ReadText): CheckedModel {
  const r = checkSource("model.rnn", text, read ? { read } : {});
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  expect(r.checked?.models).toHaveLength(1);
  return r.checked!.models[0]!;
}

function typeText(t: ModelType): string {
  return t.kind === "vector" ? `[${t.width.toString()}]` : `index(${t.size.toString()})`;
}

/** Each node as `id op(args) type timing`, e.g. `2 apply l2(1).h [H] step`: the graph at a glance. */
function graph(m: CheckedModel): string[] {
  const show = (n: ModelNode): string => {
    switch (n.op) {
      case "input":
        return "input";
      case "apply":
        return `apply ${n.layer}(${n.args.join(", ")}).${n.output}`;
      case "concat":
        return `concat(${n.args.join(", ")})`;
      case "binary":
        return `${n.fn}(${n.args.join(", ")})`;
      case "unary":
        return `${n.fn}(${[n.arg, ...Object.values(n.attrs)].join(", ")})`;
      case "number":
        return `number ${n.value}`;
      default:
        return `${n.op}(${n.arg})`;
    }
  };
  return m.nodes.map((n) => `${n.id} ${show(n)} ${typeText(n.type)} ${n.timing}`);
}

function binding(m: CheckedModel, layer: string): Record<string, string> {
  const l = m.layers.find((x) => x.name === layer)!;
  return Object.fromEntries([...l.binding].map(([k, v]) => [k, v.toString()]));
}

describe("a model adds, subtracts and multiplies sequences of one width and timing", () => {
  it("a residual connection and the sum of two directions", () => {
    const m = model(`import LSTM from std

model Residual(H) {
  input x: [H]
  layer l0 = LSTM(H, H)
  layer l1 = LSTM(H, H)
  let h0 = l0(x)
  output y = l1(h0) + h0
  output gate = h0 * x - x
}
`);
    expect(graph(m)).toEqual([
      "0 input [H] step",
      "1 apply l0(0).h [H] step",
      "2 apply l1(1).h [H] step",
      "3 add(2, 1) [H] step",
      "4 mul(1, 0) [H] step",
      "5 sub(4, 0) [H] step",
    ]);
  });
});

describe("a model wires layers over whole sequences", () => {
  it("a 2-layer LSTM with a per-step readout: stacked layers, widths I → H → H → O", () => {
    const m = model(`import LSTM, Linear from std

model Stacked(I, H, O) {
  input x: [I]
  target y: [O]
  layer l1 = LSTM(I, H)
  layer l2 = LSTM(H, H)
  layer out = Linear(H, O)
  output pred = out(l2(l1(x)))
  loss mse(pred, y)
}
`);
    expect(m.name).toBe("Stacked");
    expect(m.dims).toEqual(["I", "H", "O"]);
    expect(m.inputs.map((i) => ({ name: i.name, type: typeText(i.type), node: i.node, timing: i.timing }))).toEqual([{ name: "x", type: "[I]", node: 0, timing: "step" }]);
    expect(graph(m)).toEqual(["0 input [I] step", "1 apply l1(0).h [H] step", "2 apply l2(1).h [H] step", "3 apply out(2).y [O] step"]);
    // LSTM and GRU have states, so they are recurrent; Linear has none, so it is applied per step.
    expect(m.layers.map((l) => [l.name, l.cell.cell.def.name.name, l.cell.file, l.recurrent])).toEqual([
      ["l1", "LSTM", "std/lstm.rnn", true],
      ["l2", "LSTM", "std/lstm.rnn", true],
      ["out", "Linear", "std/linear.rnn", false],
    ]);
    expect(binding(m, "l1")).toEqual({ I: "I", H: "H" });
    expect(binding(m, "l2")).toEqual({ I: "H", H: "H" });
    expect(binding(m, "out")).toEqual({ I: "H", O: "O" });
    expect(m.runs.map((r) => [r.layer, r.args[0], r.timing])).toEqual([
      ["l1", 0, "step"],
      ["l2", 1, "step"],
      ["out", 2, "step"],
    ]);
    expect(m.outputs.map((o) => [o.name, o.node])).toEqual([["pred", 3]]);
    expect(m.losses.map((l) => [l.kind, l.pred, l.target])).toEqual([["mse", 3, "y"]]);
    // A target takes the timing of the prediction it is compared with: here, per step.
    expect(m.targets.map((t) => [t.name, typeText(t.type), t.timing])).toEqual([["y", "[O]", "step"]]);
  });

  it("a bidirectional GRU: reverse, run backwards, reverse back, and concat to 2H", () => {
    const m = model(`import GRU, Linear from std

model Bidirectional(I, H, O) {
  input x: [I]
  target y: [O]
  layer fwd = GRU(I, H)
  layer bwd = GRU(I, H)
  layer out = Linear(2H, O)
  let both = concat(fwd(x), reverse(bwd(reverse(x))))
  output pred = out(both)
  loss mse(pred, y)
}
`);
    expect(graph(m)).toEqual([
      "0 input [I] step",
      "1 apply fwd(0).h [H] step",
      "2 reverse(0) [I] step",
      "3 apply bwd(2).h [H] step",
      "4 reverse(3) [H] step",
      "5 concat(1, 4) [2H] step",
      "6 apply out(5).y [O] step",
    ]);
    expect(binding(m, "out")).toEqual({ I: "2H", O: "O" });
    expect(m.runs.map((r) => r.layer)).toEqual(["fwd", "bwd", "out"]);
  });

  it("a character model: ids arrive one-hot at Embedding, cross_entropy per step against next ids", () => {
    const m = model(`import Embedding, LSTM, Linear from std

model CharLSTM(V, E, H) {
  input chars: index(V)
  target next: index(V)
  layer embed = Embedding(V, E)
  layer lstm = LSTM(E, H)
  layer logits = Linear(H, V)
  output scores = logits(lstm(embed(chars)))
  loss cross_entropy(scores, next)
}
`);
    expect(typeText(m.inputs[0]!.type)).toBe("index(V)");
    // The one-hot of the ids is implied where they feed a layer whose input is [V].
    expect(graph(m)).toEqual([
      "0 input index(V) step",
      "1 onehot(0) [V] step",
      "2 apply embed(1).y [E] step",
      "3 apply lstm(2).h [H] step",
      "4 apply logits(3).y [V] step",
    ]);
    expect(m.layers.map((l) => l.recurrent)).toEqual([false, true, false]);
    expect(m.losses.map((l) => [l.kind, l.pred, l.target])).toEqual([["cross_entropy", 4, "next"]]);
    expect(m.targets.map((t) => [t.name, typeText(t.type), t.timing])).toEqual([["next", "index(V)", "step"]]);
  });

  it("`onehot(ids)` written out is the same node as the implied one", () => {
    const m = model(`import Linear from std

model Bag(V, O) {
  input ids: index(V)
  layer proj = Linear(V, O)
  output y = proj(onehot(ids))
}
`);
    expect(graph(m)).toEqual(["0 input index(V) step", "1 onehot(0) [V] step", "2 apply proj(1).y [O] step"]);
    expect(m.losses).toEqual([]);
    expect(m.targets).toEqual([]);
  });

  it("a classifier: `last` makes one value per sequence, and everything after it, the target too, is per sequence", () => {
    const m = model(`import GRU, Linear from std

model Classifier(I, H, C) {
  input x: [I]
  target label: index(C)
  layer rnn = GRU(I, H)
  layer head = Linear(H, C)
  output logits = head(last(rnn(x)))
  loss cross_entropy(logits, label)
}
`);
    expect(graph(m)).toEqual(["0 input [I] step", "1 apply rnn(0).h [H] step", "2 last(1) [H] once", "3 apply head(2).y [C] once"]);
    expect(m.runs.map((r) => [r.layer, r.timing])).toEqual([
      ["rnn", "step"],
      ["head", "once"],
    ]);
    expect(m.targets.map((t) => [t.name, typeText(t.type), t.timing])).toEqual([["label", "index(C)", "once"]]);
  });

  it("named layer dimensions bind by name, in any order, to dimension expressions", () => {
    const m = model(`import LSTM, Linear from std

model Named(E, H) {
  input x: [E]
  layer l1 = LSTM(H = H, I = E)
  layer l2 = LSTM(I = H, H = 2H)
  layer out = Linear(O = E + 1, I = 2H)
  output y = out(l2(l1(x)))
}
`);
    expect(binding(m, "l1")).toEqual({ I: "E", H: "H" });
    expect(binding(m, "l2")).toEqual({ I: "H", H: "2H" });
    expect(binding(m, "out")).toEqual({ I: "2H", O: "E + 1" });
    expect(graph(m).at(-1)).toBe("3 apply out(2).y [E + 1] step");
  });

  it("a layer without state may be applied several times, sharing its params; each application is a run", () => {
    const m = model(`import LSTM, Linear from std

model Shared(H) {
  input x: [H]
  layer l1 = LSTM(H, H)
  layer proj = Linear(H, H)
  let a = proj(l1(x))
  output b = proj(a)
}
`);
    expect(m.layers.map((l) => l.name)).toEqual(["l1", "proj"]);
    expect(m.runs.map((r) => [r.index, r.layer, r.args[0]])).toEqual([
      [0, "l1", 0],
      [1, "proj", 1],
      [2, "proj", 2],
    ]);
  });

  it("a cell with several outputs is destructured: one run, one node per output, in the cell's order", () => {
    const m = model(`cell Both(I, H) {
  input x: [I]
  state h: [H]
  state c: [H]
  param W: [4H, I]
  param U: [4H, H]
  let [i, f, g, o] = split(W @ x + U @ h, 4)
  c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
  h' = sigmoid(o) * tanh(c')
  output h'
  output c'
}

model Cells(I, H) {
  input x: [I]
  target y: [H]
  layer l1 = Both(I, H)
  let [h, c] = l1(x)
  output h
  output c
  loss mse(h, y)
  loss mse(c, y)
}
`);
    expect(graph(m)).toEqual(["0 input [I] step", "1 apply l1(0).h [H] step", "2 apply l1(0).c [H] step"]);
    expect(m.nodes.slice(1).map((n) => n.op === "apply" && n.run)).toEqual([0, 0]);
    expect(m.outputs.map((o) => [o.name, o.node])).toEqual([
      ["h", 1],
      ["c", 2],
    ]);
    // Several `loss` lines: the model's loss is their sum.
    expect(m.losses.map((l) => [l.kind, l.pred, l.target])).toEqual([
      ["mse", 1, "y"],
      ["mse", 2, "y"],
    ]);
    expect(m.layers[0]!.cell.file).toBe("model.rnn");
  });
});

describe("imports", () => {
  const files: Record<string, string> = {
    "cells/mine.rnn": `fn gate(v: [N]) -> [N] {
  return sigmoid(v)
}

cell Mine(I, H) {
  input x: [I]
  state h: [H]
  param W: [H, I]
  param U: [H, H]
  h' = gate(W @ x) * tanh(U @ h)
  output h'
}
`,
  };
  const read: ReadText = (path) => (path in files ? { text: files[path]! } : { error: "no such file" });

  it("a cell imported by name from a file relative to the importing one, with the fn it calls", () => {
    const m = model(
      `import Mine from "cells/mine.rnn"

model Tagger(I, H) {
  input x: [I]
  layer l1 = Mine(I, H)
  output h = l1(x)
}
`,
      read,
    );
    expect(m.layers.map((l) => [l.name, l.cell.cell.def.name.name, l.cell.file, l.recurrent])).toEqual([["l1", "Mine", "cells/mine.rnn", true]]);
    expect(binding(m, "l1")).toEqual({ I: "I", H: "H" });
    expect(graph(m)).toEqual(["0 input [I] step", "1 apply l1(0).h [H] step"]);
  });

  it("`import \"file\"` brings every cell and fn of the file: a local cell calls the imported fn", () => {
    const text = `import "cells/mine.rnn"

cell Gated(I) {
  input x: [I]
  param W: [I, I]
  output y = gate(W @ x) * x
}

model Two(I, H) {
  input x: [I]
  layer g = Gated(I)
  layer l1 = Mine(I, H)
  output h = l1(g(x))
}
`;
    const m = model(text, read);
    expect(m.layers.map((l) => [l.name, l.cell.file, l.recurrent])).toEqual([
      ["g", "model.rnn", false],
      ["l1", "cells/mine.rnn", true],
    ]);
    // Every file read is kept, by the name its spans use, for the renderer.
    const r = checkSource("model.rnn", text, { read });
    expect([...r.sources.keys()].sort()).toEqual(["cells/mine.rnn", "model.rnn"]);
  });

  it("a path is relative to the importing file's folder", () => {
    const seen: string[] = [];
    const r = checkSource("models/tagger.rnn", 'import Mine from "../cells/mine.rnn"\n', {
      read: (path) => {
        seen.push(path);
        return read(path);
      },
    });
    expect(seen).toEqual(["cells/mine.rnn"]);
    expect(r.diagnostics).toEqual([]);
  });
});
