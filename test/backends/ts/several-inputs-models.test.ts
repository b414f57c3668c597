import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError } from "../../helpers/generated.js";
import { dataOf, INPUTS_FIXTURES, INPUTS_MODELS_FILE, inputsFixture } from "../../helpers/torch-inputs.js";

/**
 * Models with several inputs in the generated module, against PyTorch in float64 (fixtures made by
 * scripts/torch_reference_inputs_models.py; test/fixtures/models/inputs_models.rnn): a conditional
 * GRU whose condition is per sequence ([B, C], the same at every step) or per step, and two per-step
 * inputs concatenated, with and without lengths. `forward(params, { x, style }, options)` takes the
 * inputs by name; `backward(run).inputs` holds each input's gradient (a per-sequence one summed over
 * its example's steps). The objective is loss + sum(out ⊙ R) + sum(h_T ⊙ S), to 1e-9.
 */
type Arrays = Record<string, ArrayLike<number>>;
interface Model {
  forward(params: Arrays, inputs: unknown, options: Record<string, unknown>): { outputs: Record<string, Float64Array>; final: Record<string, Float64Array>; loss?: number };
  backward(run: unknown, seeds: Record<string, unknown>): { params: Record<string, Float64Array>; inputs: Record<string, Float64Array>; x?: unknown; initial: Record<string, Float64Array> };
}
type Factory = (dims: Record<string, number>, options: { dtype: "float64" }) => Model;

let module: Record<string, unknown>;
beforeAll(async () => {
  module = await importGenerated(INPUTS_MODELS_FILE);
});

for (const name of INPUTS_FIXTURES) {
  describe(`${name} matches PyTorch to 1e-9`, () => {
    const f = inputsFixture(name);
    const outName = Object.keys(f.R)[0]!;
    const run = () => {
      const m = (module[f.model] as Factory)(f.dims, { dtype: "float64" });
      const options = {
        batch: f.batch,
        steps: f.steps,
        initial: dataOf(f.initial),
        ...(f.lengths ? { lengths: f.lengths } : {}),
        ...(Object.keys(f.targets).length > 0 ? { targets: dataOf(f.targets) } : {}),
      };
      return { m, r: m.forward(dataOf(f.params), dataOf(f.inputs), options) };
    };

    it("forward: the output, the final state and the loss", () => {
      const { r } = run();
      expect(maxRelError(r.outputs[outName]!, f.outputs[outName]!.data)).toBeLessThan(1e-9);
      expect(maxRelError(r.final["gru.h"]!, f.outputs["gru.h"]!.data)).toBeLessThan(1e-9);
      if (r.loss !== undefined) expect(Math.abs(r.loss - f.loss_value)).toBeLessThan(1e-9);
      else expect(Object.keys(f.targets)).toEqual([]);
    });

    it("backward: every param, each input under `inputs`, the initial state", () => {
      const { m, r } = run();
      const g = m.backward(r, { outputs: dataOf(f.R), final: dataOf(f.S) });
      for (const p of Object.keys(f.params)) expect(maxRelError(g.params[p]!, f.grads[p]!.data), p).toBeLessThan(1e-9);
      expect(g.x).toBeUndefined();
      expect(Object.keys(g.inputs)).toEqual(Object.keys(f.inputs));
      for (const x of Object.keys(f.inputs)) {
        expect(g.inputs[x]!.length, x).toBe(f.inputs[x]!.data.length);
        expect(maxRelError(g.inputs[x]!, f.grads[x]!.data), x).toBeLessThan(1e-9);
      }
      expect(maxRelError(g.initial["gru.h"]!, f.grads["gru.h"]!.data)).toBeLessThan(1e-9);
    });
  });
}

describe("the inputs object of a model with several inputs", () => {
  const f = inputsFixture("inputs_cond_per_sequence");
  const forward = (inputs: unknown) => (module[f.model] as Factory)(f.dims, { dtype: "float64" }).forward(dataOf(f.params), inputs, { batch: f.batch, steps: f.steps });

  it("refuses a plain array, naming the inputs it expects", () => {
    expect(() => forward(f.inputs.x!.data)).toThrow("CondPerSequence.forward: inputs must be an object with x, style, received an array");
  });
  it("refuses a key that is not an input, and a missing input", () => {
    expect(() => forward({ ...dataOf(f.inputs), context: [1] })).toThrow("CondPerSequence.forward: inputs.context is not an input of CondPerSequence; its inputs are x, style");
    expect(() => forward({ x: f.inputs.x!.data })).toThrow("CondPerSequence.forward: inputs.style is missing (one value per example); the inputs of CondPerSequence are x, style");
  });
  it("refuses a per-sequence input given per step, naming its expected length", () => {
    const perStep = new Array(f.steps * f.batch * f.dims.C!).fill(0);
    expect(() => forward({ x: f.inputs.x!.data, style: perStep })).toThrow(`inputs.style must have length ${f.batch * f.dims.C!}`);
  });
});

describe("a per-sequence input and examples of length 0", () => {
  it("is zero for an example without steps, and so is its gradient", () => {
    const f = inputsFixture("inputs_cond_per_sequence");
    const m = (module[f.model] as Factory)(f.dims, { dtype: "float64" });
    const lengths = [3, 0, 5];
    const r = m.forward(dataOf(f.params), dataOf(f.inputs), { batch: f.batch, steps: f.steps, lengths, targets: dataOf(f.targets) });
    const g = m.backward(r, { outputs: dataOf(f.R) });
    const C = f.dims.C!;
    expect(Array.from(g.inputs.style!.subarray(C, 2 * C))).toEqual(new Array(C).fill(0));
    expect(Array.from(g.inputs.style!.subarray(0, C)).some((v) => v !== 0)).toBe(true);
  });
});

describe("checkFinite with several inputs", () => {
  it("names the input object's array and index holding a NaN", () => {
    const f = inputsFixture("inputs_cond_per_sequence");
    const m = (module[f.model] as (d: Record<string, number>, o: object) => Model)(f.dims, { dtype: "float64", checkFinite: true });
    const style = [...f.inputs.style!.data];
    style[3] = NaN;
    expect(() => m.forward(dataOf(f.params), { x: f.inputs.x!.data, style }, { batch: f.batch, steps: f.steps })).toThrow("CondPerSequence.forward: inputs.style[3] is NaN");
  });
});
