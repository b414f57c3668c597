import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError } from "../../helpers/generated.js";
import { modelFixture, paramsFor, statesFor, TORCH_MODEL_CASES, TORCH_PARAM_NAMES, type Tensor } from "../../helpers/torch-models.js";

/**
 * Models on the wasm kernels against PyTorch (the float64 fixtures of test/backends/ts/
 * pytorch-models.test.ts: a two-layer LSTM and a bidirectional GRU, with and without packed
 * lengths), in float32 to 1e-4: every layer runs its generated wasm kernels, the driver
 * copies data between layers once per call.
 */
type Model = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64"; backend?: "wasm" | "js" }) => {
  backend: string;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
  backward(run: unknown, seeds: Record<string, unknown>): { params: Record<string, Float32Array>; x: Float32Array; initial: Record<string, Float32Array> };
};

for (const c of TORCH_MODEL_CASES) {
  describe(`${c.example} on wasm matches PyTorch (${c.fixture})`, () => {
    const f = modelFixture(c.fixture);
    let model: Model;
    beforeAll(async () => {
      model = (await importGenerated(c.example))[c.factory] as Model;
    });
    const states = (source: Record<string, Tensor>, key: (state: string) => string) => statesFor(c, source, key);

    it("forward and backward, float32", () => {
      const m = model(f.dims, { dtype: "float32", backend: "wasm" });
      expect(m.backend).toBe("wasm");
      const r = m.forward(paramsFor(c, f), f.x.data, { batch: f.batch, steps: f.steps, initial: states(f.initial, (s) => `${s}0`), ...(f.lengths ? { lengths: f.lengths } : {}) });
      expect(maxRelError(r.outputs["y"]!, f.outputs["y"]!.data)).toBeLessThan(1e-4);
      for (const [name, want] of Object.entries(states(f.outputs, (s) => `${s}_T`))) expect(maxRelError(r.final[name]!, want), name).toBeLessThan(1e-4);
      const g = m.backward(r, { outputs: { y: f.R.data }, final: states(f.S, (s) => `${s}_T`) });
      for (const [layer, { suffix }] of Object.entries(c.layers)) {
        for (const [mine, theirs] of Object.entries(TORCH_PARAM_NAMES)) {
          expect(maxRelError(g.params[`${layer}.${mine}`]!, f.grads[`${theirs}${suffix}`]!.data), `${layer}.${mine}`).toBeLessThan(1e-4);
        }
      }
      expect(maxRelError(g.x, f.grads["x"]!.data)).toBeLessThan(1e-4);
      for (const [name, want] of Object.entries(states(f.grads, (s) => `${s}0`))) expect(maxRelError(g.initial[name]!, want), name).toBeLessThan(1e-4);
    });
  });
}
