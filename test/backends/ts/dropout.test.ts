import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fillDropoutMasks } from "../../../src/runtime/random.js";
import { gradcheckSource } from "../../../src/verify/check-source.js";
import { importGenerated, maxRelError, ROOT, type Factory } from "../../helpers/generated.js";

/**
 * Variational dropout in a cell (examples/vardrop_gru.rnn): in training, one mask per example for
 * the whole sequence, drawn from options.seed; otherwise the identity. Against PyTorch's float64
 * vectors (scripts/torch_reference_dropout.py, which re-implements the runtime's generator and
 * stores the masks it drew), to 1e-9, forward and backward, with and without lengths.
 */
interface Tensor { shape: number[]; data: number[] }
interface Vector {
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  seed: number;
  masks: Tensor[];
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Record<string, Tensor>;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}
const vector = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/vectors", `${name}.json`), "utf8")) as Vector;
const FILE = "examples/vardrop_gru.rnn";
type Cell = ReturnType<Factory> & { forward(p: unknown, x: unknown, o: Record<string, unknown>): ReturnType<ReturnType<Factory>["forward"]> };
const make = async (dims: Record<string, number>, text?: string, tag = "") =>
  ((await importGenerated(FILE, text, tag)).VarDropGRU as Factory)(dims, { dtype: "float64" }) as Cell;
const params = (v: Vector) => Object.fromEntries(Object.entries(v.params).map(([k, t]) => [k, t.data]));

describe.each(["vardrop_gru", "vardrop_gru_lengths"])("VarDropGRU in training on %s matches PyTorch", (name) => {
  const v = vector(name);
  const options = { batch: v.batch, steps: v.steps, initial: { h: v.initial.h0!.data }, training: true, seed: v.seed, ...(v.lengths ? { lengths: v.lengths } : {}) };

  it("the runtime draws the masks the script's port of it drew", () => {
    const masks = v.masks.map((m) => new Float64Array(m.data.length));
    fillDropoutMasks(v.seed, masks, [0.25, 0.5]);
    masks.forEach((m, k) => expect(Array.from(m)).toEqual(v.masks[k]!.data));
    expect(masks.flatMap((m) => Array.from(m)).filter((e) => e === 0).length).toBeGreaterThan(0);
  });

  it("forward and backward to 1e-9, the backward with the forward's masks", async () => {
    const cell = await make(v.dims);
    const run = cell.forward(params(v), v.x.data, options);
    expect(maxRelError(run.outputs.h!, v.outputs.h!.data)).toBeLessThan(1e-9);
    expect(maxRelError(run.final.h!, v.outputs.h_T!.data)).toBeLessThan(1e-9);
    const g = cell.backward(run, { outputs: { h: v.R.h!.data }, final: { h: v.S.h_T!.data } });
    for (const p of Object.keys(v.params)) expect(maxRelError(g.params[p]!, v.grads[p]!.data), p).toBeLessThan(1e-9);
    expect(maxRelError(g.x, v.grads.x!.data)).toBeLessThan(1e-9);
    expect(maxRelError(g.initial.h!, v.grads.h0!.data)).toBeLessThan(1e-9);
  });
});

describe("dropout outside training, and the training options", () => {
  const v = vector("vardrop_gru");
  const base = { batch: v.batch, steps: v.steps, initial: { h: v.initial.h0!.data } };

  it("is the identity without training: the same numbers as the cell without dropout", async () => {
    const text = readFileSync(join(ROOT, FILE), "utf8");
    const plain = text.replace("dropout(x, 0.25)", "x").replace("dropout(h, 0.5)", "h");
    expect(plain).not.toContain("dropout(");
    const without = (await make(v.dims, plain, "_plain")).forward(params(v), v.x.data, base);
    const cell = await make(v.dims);
    for (const opts of [base, { ...base, training: false }]) expect(Array.from(cell.forward(params(v), v.x.data, opts).outputs.h!)).toEqual(Array.from(without.outputs.h!));
  });

  it("the same seed gives the same masks, another seed others", async () => {
    const cell = await make(v.dims);
    const a = cell.forward(params(v), v.x.data, { ...base, training: true, seed: 1 }).outputs.h!;
    const b = cell.forward(params(v), v.x.data, { ...base, training: true, seed: 1 }).outputs.h!;
    const c = cell.forward(params(v), v.x.data, { ...base, training: true, seed: 2 }).outputs.h!;
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(maxRelError(c, a)).toBeGreaterThan(1e-3);
  });

  it("training needs a seed, and a boolean", async () => {
    const cell = await make(v.dims);
    expect(() => cell.forward(params(v), v.x.data, { ...base, training: true })).toThrow("VarDropGRU.forward: options.seed is required when options.training is true");
    expect(() => cell.forward(params(v), v.x.data, { ...base, training: "yes" })).toThrow("options.training must be true or false");
    expect(() => cell.forward(params(v), v.x.data, { ...base, training: true, seed: 0.5 })).toThrow("options.seed must be an integer");
  });

  it("a mask on a param or a scalar is per example too: gradcheck holds in training", async () => {
    const text = [
      "cell DropConnect(I, H) {",
      "  input x: [I]",
      "  state h: [H]",
      "  param W: [H, I]",
      "  param U: [H, H]",
      "  param s: []",
      "  h' = tanh(dropout(W, 0.3) @ x + U @ h * dropout(s, 0.5) + dropout(sum(x), 0.2))",
      "  output h'",
      "}",
    ].join("\n");
    const { report } = await gradcheckSource("dropconnect.rnn", text, { batch: 3, steps: 4, seed: 2, lengths: [4, 1, 3], training: true });
    expect([...report!.forward, ...report!.gradients].filter((t) => !t.pass).map((t) => t.name)).toEqual([]);
  });

  it("gradcheck holds in training (finite differences and the oracle with the same masks)", async () => {
    const { report, diagnostics } = await gradcheckSource(FILE, readFileSync(join(ROOT, FILE), "utf8"), { batch: 3, steps: 4, seed: 5, lengths: [4, 2, 3], training: true });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect([...report!.forward, ...report!.gradients].filter((t) => !t.pass).map((t) => t.name)).toEqual([]);
  });
});
