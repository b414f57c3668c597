import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError } from "../../helpers/generated.js";
import { modelFixture, paramsFor, statesFor, TORCH_MODEL_CASES, TORCH_PARAM_NAMES, type Tensor } from "../../helpers/torch-models.js";

/**
 * Models against PyTorch: torch.nn.LSTM(3, 4, num_layers=2) and torch.nn.GRU(3, 4,
 * bidirectional=True), with and without packed variable lengths, in float64 (fixtures in
 * test/fixtures/models, made by scripts/torch_reference_models.py; see the README there). The
 * models are the shipped examples/stacked_lstm.rnn and examples/bigru.rnn, built from the
 * standard library's LSTM and GRU. PyTorch's names map to the models' as written below: layer k
 * of the stack is `l{k}`, the reverse direction is `bwd`; initial and final states are indexed
 * layer·D + direction. The loss is sum(y ⊙ R) + Σ sum(state_T ⊙ S): backward is seeded with
 * dY = R and dState_T = S.
 */
type Model = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64" }) => {
  paramShapes: Record<string, number[]>;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Float64Array>; final: Record<string, Float64Array> };
  backward(run: unknown, seeds: Record<string, unknown>): { params: Record<string, Float64Array>; x: Float64Array; initial: Record<string, Float64Array> };
};

for (const c of TORCH_MODEL_CASES) {
  describe(`${c.example} matches PyTorch (${c.fixture})`, () => {
    const f = modelFixture(c.fixture);
    let model: Model;
    beforeAll(async () => {
      model = (await importGenerated(c.example))[c.factory] as Model;
    });

    const params = () => paramsFor(c, f);
    const perLayerStates = (source: Record<string, Tensor>, key: (state: string) => string) => statesFor(c, source, key);
    const run = () => {
      const m = model(f.dims, { dtype: "float64" });
      const r = m.forward(params(), f.x.data, {
        batch: f.batch,
        steps: f.steps,
        initial: perLayerStates(f.initial, (s) => `${s}0`),
        ...(f.lengths ? { lengths: f.lengths } : {}),
      });
      return { m, r };
    };

    it("forward: outputs and every layer's final states", () => {
      const { r } = run();
      expect(maxRelError(r.outputs["y"]!, f.outputs["y"]!.data)).toBeLessThan(1e-12);
      const finals = perLayerStates(f.outputs, (s) => `${s}_T`);
      for (const [name, want] of Object.entries(finals)) expect(maxRelError(r.final[name]!, want), name).toBeLessThan(1e-12);
    });

    it("backward: the gradient of every param, of x and of every initial state", () => {
      const { m, r } = run();
      const g = m.backward(r, { outputs: { y: f.R.data }, final: perLayerStates(f.S, (s) => `${s}_T`) });
      for (const [layer, { suffix }] of Object.entries(c.layers)) {
        for (const [mine, theirs] of Object.entries(TORCH_PARAM_NAMES)) {
          expect(maxRelError(g.params[`${layer}.${mine}`]!, f.grads[`${theirs}${suffix}`]!.data), `${layer}.${mine}`).toBeLessThan(1e-12);
        }
      }
      expect(maxRelError(g.x, f.grads["x"]!.data)).toBeLessThan(1e-12);
      const initial = perLayerStates(f.grads, (s) => `${s}0`);
      for (const [name, want] of Object.entries(initial)) expect(maxRelError(g.initial[name]!, want), name).toBeLessThan(1e-12);
    });
  });
}
