import { describe, expect, it } from "vitest";
import type { CheckedModel } from "../../src/check/model-types.js";
import { checkSource } from "../../src/compiler.js";

/**
 * Models with several inputs, by example: the inputs the checker records (name, type, timing), and
 * the runs of a layer applied to several arguments — one argument node per cell input, in the
 * cell's order, the run per step when any argument is. Malformed uses are in test/cases (160–167).
 */
const COND = `cell Cond(I, C, H) {
  input x: [I]
  input ctx: [C]
  state h: [H]
  param W: [H, I]
  param U: [H, C]
  h' = tanh(W @ x + U @ ctx + h)
  output h'
}
`;

function model(text: string): CheckedModel {
  const r = checkSource("model.rnn", text);
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return r.checked!.models[0]!;
}

const inputs = (m: CheckedModel) => m.inputs.map((i) => `${i.name} ${i.type.kind === "vector" ? `[${i.type.width}]` : `index(${i.type.size})`} ${i.timing}`);
const runs = (m: CheckedModel) => m.runs.map((r) => `${r.layer}(${r.args.map((a) => `${m.nodes[a]!.op} ${m.nodes[a]!.timing}`).join(", ")}) ${r.timing}`);

describe("a model's inputs", () => {
  it("are per step by default, per sequence when declared so, in declaration order", () => {
    const m = model(`${COND}model M(I, C, H, G) {
  input x: [I]
  input style: [C] per sequence
  input genre: index(G) per sequence
  input mark: [C] per step
  layer a = Cond(I, C, H)
  layer b = Cond(I, C, H)
  layer c = Cond(I, G, H)
  output y = a(x, style) + b(x, mark)
  output z = c(x, genre)
}`);
    expect(inputs(m)).toEqual(["x [I] step", "style [C] once", "genre index(G) once", "mark [C] step"]);
    expect(m.inputs.map((i) => m.nodes[i.node]!.op)).toEqual(["input", "input", "input", "input"]);
  });
});

describe("a layer applied to several arguments", () => {
  it("runs per step when one argument is; per-sequence ids arrive one-hot, once per sequence", () => {
    const m = model(`${COND}model M(V, G, H) {
  input tokens: index(V)
  input genre: index(G) per sequence
  layer dec = Cond(V, G, H)
  output h = dec(tokens, genre)
}`);
    expect(runs(m)).toEqual(["dec(onehot step, onehot once) step"]);
    expect(m.nodes[m.outputs[0]!.node]!.timing).toBe("step");
  });

  it("runs once per sequence when every argument is per sequence", () => {
    const m = model(`${COND}import GRU from std
model M(I, C, H) {
  input x: [I]
  input style: [C] per sequence
  layer enc = GRU(I, I)
  layer dec = Cond(I, C, H)
  output h = dec(last(enc(x)), style)
}`);
    expect(runs(m)).toEqual(["enc(input step) step", "dec(last once, input once) once"]);
    expect(m.nodes[m.outputs[0]!.node]!.timing).toBe("once");
  });

  it("takes its arguments in the cell's input order, each checked against its own input's width", () => {
    const m = model(`${COND}model M(I, C, H) {
  input a: [C] per sequence
  input b: [I]
  layer dec = Cond(I, C, H)
  output h = dec(b, a)
}`);
    expect(m.runs[0]!.args.map((n) => (m.nodes[n] as { name?: string }).name)).toEqual(["b", "a"]);
  });
});
