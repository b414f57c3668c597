import { describe, expect, it } from "vitest";
import { compileFile, compileUnit, programUnits } from "../../src/compiler.js";
import type { Unit, UnitType } from "../../src/check/unit.js";
import type { ReadText } from "../../src/imports/resolve.js";
import { printUnit } from "../../src/ir/print-unit.js";

/**
 * One compilation unit: a file compiles to cells and models, each with one signature computed in
 * `check` — qualified inputs, params, states, outputs and targets, each with its shape.
 */

const type = (t: UnitType): string => (t.kind === "index" ? `index(${t.size})` : `[${t.shape.join(", ")}]`);
const shapes = (unit: Unit) => ({
  dims: unit.signature.dims,
  inputs: unit.signature.inputs.map((v) => `${v.name}: ${type(v.type)}`),
  params: unit.signature.params.map((p) => `${p.name}: [${p.shape.join(", ")}]`),
  states: unit.signature.states.map((s) => `${s.name}: [${s.shape.join(", ")}]`),
  outputs: unit.signature.outputs.map((o) => `${o.name}: ${type(o.type)} per ${o.timing}`),
  targets: unit.signature.targets.map((t) => `${t.name}: ${type(t.type)} per ${t.timing}`),
});

const ELMAN = `cell Elman(I, H, O) {
  input x: [I]
  state h: [H]
  param W: [H, I]
  param U: [H, H]
  param V: [O, H]
  h' = tanh(W @ x + U @ h)
  output h'
  output y = V @ h'
}
`;

describe("a cell is a unit with one unqualified layer", () => {
  it("has its declarations and outputs, with shapes in its dimensions", () => {
    const { unit } = compileUnit("elman.rnn", ELMAN);
    expect(unit?.kind).toBe("cell");
    expect(shapes(unit!)).toEqual({
      dims: ["I", "H", "O"],
      inputs: ["x: [I]"],
      params: ["W: [H, I]", "U: [H, H]", "V: [O, H]"],
      states: ["h: [H]"],
      outputs: ["h: [H] per step", "y: [O] per step"],
      targets: [],
    });
    expect(unit!.signature.layers.map((l) => l.name)).toEqual([undefined]);
  });
});

describe("a model is a unit whose params and states are qualified by layer", () => {
  it("binds each layer's shapes to the model's dimensions; only applied layers have states", () => {
    const { unit } = compileUnit(
      "tagger.rnn",
      `import LSTM, Linear from std

model Tagger(V, H, C) {
  input tokens: index(V)
  target tags: index(C)
  layer fwd = LSTM(V, H)
  layer _spare = LSTM(V, H)
  layer head = Linear(H, C)
  output logits = head(fwd(tokens))
  loss cross_entropy(logits, tags)
}
`,
    );
    expect(unit?.kind).toBe("model");
    const s = shapes(unit!);
    expect(s.dims).toEqual(["V", "H", "C"]);
    expect(s.inputs).toEqual(["tokens: index(V)"]);
    expect(s.params.filter((p) => p.startsWith("fwd.") || p.startsWith("head."))).toEqual([
      "fwd.W_ih: [4H, V]", "fwd.W_hh: [4H, H]", "fwd.b_ih: [4H]", "fwd.b_hh: [4H]",
      "head.W: [C, H]", "head.b: [C]",
    ]);
    expect(s.params.some((p) => p.startsWith("_spare."))).toBe(true);
    expect(s.states).toEqual(["fwd.h: [H]", "fwd.c: [H]"]);
    expect(s.outputs).toEqual(["logits: [C] per step"]);
    expect(s.targets).toEqual(["tags: index(C) per step"]);
  });

  it("gives a per-sequence output after `last`", () => {
    const { unit } = compileUnit("examples/classifier.rnn", `import GRU, Linear from std
model Parity(H) {
  input bits: index(2)
  target label: index(2)
  layer gru = GRU(2, H)
  layer head = Linear(H, 2)
  output logits = head(last(gru(bits)))
  loss cross_entropy(logits, label)
}
`);
    expect(shapes(unit!).outputs).toEqual(["logits: [2] per once"]);
    expect(shapes(unit!).targets).toEqual(["label: index(2) per once"]);
  });
});

describe("which unit a command compiles", () => {
  const FILE = `${ELMAN}
model M(I, H) {
  input x: [I]
  layer l = Elman(I, H, H)
  let [_h, y] = l(x)
  output y
}
`;
  it("is the file's first model without a name: its cells are the model's building blocks", () => {
    expect(compileUnit("m.rnn", FILE).unit?.name).toBe("M");
    expect(programUnits(compileFile("m.rnn", FILE)).map((u) => u.name)).toEqual(["M"]);
  });
  it("is the cell or model named", () => {
    expect(compileUnit("m.rnn", FILE, "Elman").unit?.kind).toBe("cell");
  });
  it("is none, with RNN6002 listing what there is, for a name the file does not define", () => {
    const { unit, diagnostics } = compileUnit("m.rnn", FILE, "Nope");
    expect(unit).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toEqual(["RNN6002"]);
    expect(diagnostics[0]!.message).toContain("cell `Elman`, model `M`");
  });
  it("is none after an error: no unit is built from a file with errors", () => {
    const front = compileFile("bad.rnn", ELMAN.replace("W @ x", "W @ h"));
    expect(front.units).toEqual([]);
  });
});

describe("the text form of a unit", () => {
  it("says which file a node inlined from an imported function comes from, with that file's line", () => {
    const files: Record<string, string> = {
      "lib.rnn": `# helpers

fn squash(v: [N]) -> [N] {
  return tanh(v) * sigmoid(v)
}
`,
    };
    const read: ReadText = (path) => {
      const name = path.split("/").pop()!;
      return name in files ? { text: files[name]! } : { error: "no such file" };
    };
    const text = `import squash from "lib.rnn"
cell C(I) {
  input x: [I]
  state h: [I]
  h' = squash(x + h)
  output h'
}
`;
    const { unit, sources } = compileUnit("main.rnn", text, undefined, { read });
    const printed = printUnit(unit!, sources);
    expect(printed).toMatch(/tanh .*# .*line 4 of lib\.rnn/);
    expect(printed).toMatch(/add .*# .*line 5$/m);
  });
});
