/**
 * The tfjs model oracle against values worked out by hand: its reverse, last, concat and one-hot
 * (of vectors and of ids, within each example's length) and its two losses. The oracle is the
 * reference the generated driver is held to, so it is checked on its own, without the driver.
 */
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler.js";
import { modelLayout } from "../../src/verify/model-layout.js";
import { modelOracleRun, type ModelData } from "../../src/verify/model-oracle.js";

function layoutOf(text: string, dims: Record<string, number>) {
  const { model, diagnostics } = compileModel("oracle.rnn", text);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return modelLayout(model!, dims);
}

const run = (text: string, dims: Record<string, number>, data: Omit<ModelData, "initial" | "targets"> & Partial<ModelData>) =>
  modelOracleRun(layoutOf(text, dims), { initial: {}, targets: {}, ...data });

/** Rounds float32 results so they compare with exact expectations (−0 as 0). */
const round = (a: ArrayLike<number>) => Array.from(a, (v) => Math.round(v * 1e5) / 1e5 + 0);

const IDENTITY = `cell Id(N) {
  input x: [N]
  output y = x
}
`;

describe("the model oracle", () => {
  // T = 3, B = 2, lengths [3, 2]; x[t][b] = [10t + b, −(10t + b)], time-major.
  const x = Float64Array.from([0, 0, 1, -1, 10, -10, 11, -11, 20, -20, 21, -21]);

  it("reverses each example within its length (zero past it), takes its last step, concatenates features", async () => {
    const text = `${IDENTITY}model Wiring(W) {
  input x: [W]
  layer id = Id(W)
  layer id2 = Id(2W)
  output r = id(reverse(x))
  output l = id(last(x))
  output c = id2(concat(x, reverse(x)))
}`;
    const out = await run(text, { W: 2 }, { batch: 2, steps: 3, lengths: [3, 2], params: {}, inputs: { x } });
    // Example 0 (length 3): steps 20, 10, 0. Example 1 (length 2): steps 11, 1, then zero.
    expect(round(out.outputs.r!)).toEqual([20, -20, 11, -11, 10, -10, 1, -1, 0, 0, 0, 0]);
    expect(round(out.outputs.l!)).toEqual([20, -20, 11, -11]);
    // Rows (t, b) of [x, reverse(x)]; past example 1's length the layer's output is zero, x's half included.
    expect(round(out.outputs.c!)).toEqual([0, 0, 20, -20, 1, -1, 11, -11, 10, -10, 10, -10, 11, -11, 1, -1, 20, -20, 0, 0, 0, 0, 0, 0]);
  });

  it("reverses ids and takes the last id, as one-hot vectors through a layer", async () => {
    const text = `import Embedding from std
model Ids(V) {
  input tokens: index(V)
  layer emb = Embedding(V, V)
  output r = emb(reverse(tokens))
  output l = emb(last(tokens))
}`;
    const eye = Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // tokens[t][b]: example 0 reads 0, 1, 2; example 1 reads 2, 0 (then a step past its length).
    const out = await run(text, { V: 3 }, { batch: 2, steps: 3, lengths: [3, 2], params: { "emb.W": eye }, inputs: { tokens: [0, 2, 1, 0, 2, 1] } });
    expect(round(out.outputs.r!)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(round(out.outputs.l!)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it("averages mse over valid steps × examples × features and cross-entropy over valid positions", async () => {
    const text = `${IDENTITY}model Losses(W) {
  input x: [W]
  target y: [W]
  target k: index(W)
  layer id = Id(W)
  let p = id(x)
  loss mse(p, y)
  loss cross_entropy(p, k)
}`;
    // T = 2, B = 2, lengths [2, 1]: valid rows (t, b) = (0, 0), (0, 1), (1, 0).
    const input = [0, 0, 1, 0, 0, 1, 5, 5];
    const y = [1, 0, 1, 2, 0, 1, 9, 9];
    const k = [0, 1, 1, 0];
    const out = await run(text, { W: 2 }, { batch: 2, steps: 2, lengths: [2, 1], params: {}, inputs: { x: input }, targets: { y, k } });
    const mse = (1 + 0 + 0 + 4 + 0 + 0) / 6;
    const lse = (a: number, b: number) => Math.log(Math.exp(a) + Math.exp(b));
    const ce = (lse(0, 0) - 0 + (lse(1, 0) - 0) + (lse(0, 1) - 1)) / 3;
    expect(out.loss).toBeCloseTo(mse + ce, 6);
  });
});
