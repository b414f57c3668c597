import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

/**
 * A cell with several inputs in the generated module: `forward(params, { x, ctx }, options)` and
 * `backward(run).inputs.x` / `.inputs.ctx`, against PyTorch (torch.nn.GRU on the concatenated
 * inputs, float64 vectors from scripts/torch_reference_inputs.py; examples/conditional_gru.rnn),
 * with and without lengths, to 1e-9; and a wrong inputs object is refused by name.
 */
interface Tensor { shape: number[]; data: number[] }
interface Vector {
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  inputs: Record<string, Tensor>;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Record<string, Tensor>;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}
type Arrays = Record<string, ArrayLike<number>>;
interface TwoInputCell {
  forward(params: Arrays, inputs: Arrays, options: { batch: number; steps: number; initial?: Arrays; lengths?: number[] }): {
    outputs: Record<string, Float64Array>;
    final: Record<string, Float64Array>;
  };
  backward(run: unknown, seeds: { outputs?: Arrays; final?: Arrays }): { params: Record<string, Float64Array>; inputs: Record<string, Float64Array>; initial: Record<string, Float64Array>; x?: unknown };
}

const vector = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/vectors", `${name}.json`), "utf8")) as Vector;
const data = (r: Record<string, Tensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.data]));

async function makeCell(dims: Record<string, number>): Promise<TwoInputCell> {
  const module = await importGenerated("examples/conditional_gru.rnn");
  return (module.ConditionalGRU as (d: Record<string, number>, o: { dtype: string }) => TwoInputCell)(dims, { dtype: "float64" });
}

describe.each(["conditional_gru", "conditional_gru_lengths"])("ConditionalGRU on %s matches PyTorch to 1e-9", (name) => {
  const v = vector(name);
  const options = { batch: v.batch, steps: v.steps, initial: { h: v.initial.h0!.data }, ...(v.lengths ? { lengths: v.lengths } : {}) };

  it("forward: the output and the final state", async () => {
    const run = (await makeCell(v.dims)).forward(data(v.params), data(v.inputs), options);
    expect(maxRelError(run.outputs.h!, v.outputs.h!.data)).toBeLessThan(1e-9);
    expect(maxRelError(run.final.h!, v.outputs.h_T!.data)).toBeLessThan(1e-9);
  });

  it("backward: every param, each input under `inputs`, the initial state", async () => {
    const cell = await makeCell(v.dims);
    const g = cell.backward(cell.forward(data(v.params), data(v.inputs), options), { outputs: { h: v.R.h!.data }, final: { h: v.S.h_T!.data } });
    for (const p of Object.keys(v.params)) expect(maxRelError(g.params[p]!, v.grads[p]!.data), p).toBeLessThan(1e-9);
    expect(Object.keys(g.inputs)).toEqual(["x", "ctx"]);
    expect(g.x).toBeUndefined();
    for (const x of ["x", "ctx"]) expect(maxRelError(g.inputs[x]!, v.grads[x]!.data), x).toBeLessThan(1e-9);
    expect(maxRelError(g.initial.h!, v.grads.h0!.data)).toBeLessThan(1e-9);
  });
});

describe("the inputs object of a cell with several inputs", () => {
  const v = vector("conditional_gru");
  const options = { batch: v.batch, steps: v.steps };
  const forward = async (inputs: unknown) => (await makeCell(v.dims)).forward(data(v.params), inputs as Arrays, options);

  it("refuses a plain array, naming the inputs it expects", async () => {
    await expect(forward(v.inputs.x!.data)).rejects.toThrow("ConditionalGRU.forward: inputs must be an object with x, ctx, received an array");
  });
  it("refuses a key that is not an input", async () => {
    await expect(forward({ ...data(v.inputs), context: [1] })).rejects.toThrow("inputs.context is not an input of ConditionalGRU; its inputs are x, ctx");
  });
  it("refuses a missing input and one of the wrong length", async () => {
    await expect(forward({ x: v.inputs.x!.data })).rejects.toThrow("inputs.ctx");
    await expect(forward({ x: v.inputs.x!.data, ctx: [1, 2, 3] })).rejects.toThrow("inputs.ctx");
  });
});
