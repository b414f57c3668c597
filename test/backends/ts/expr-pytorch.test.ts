import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError } from "../../helpers/generated.js";
import { dataOf, dataOfAll, EXPR_FIXTURES, exprFixture } from "../../helpers/torch-expr.js";

/**
 * Model expressions against PyTorch in float64 (test/fixtures/models/expr_*.json, made by
 * scripts/torch_reference_expr.py): pooling over time (masked mean and max), numbers and elementwise
 * built-ins between sequences, a per-sequence value broadcast over the steps — with every length,
 * one of them 0 — through the generated module: outputs, final states, the loss, and the gradient of
 * loss + Σ output ⊙ R + Σ final ⊙ S for every param, the input and every initial state; and
 * (expr_ties) inputs sitting exactly on ties, kinks and bounds, where PyTorch's conventions decide.
 */
type Model = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64" }) => {
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Float64Array>; final: Record<string, Float64Array>; loss?: number };
  backward(run: unknown, seeds: Record<string, unknown>): { params: Record<string, Float64Array>; x: Float64Array; initial: Record<string, Float64Array> };
};

for (const name of EXPR_FIXTURES) {
  describe(`${name}: the generated module matches PyTorch (float64)`, () => {
    const f = exprFixture(name);
    let model: Model;
    beforeAll(async () => {
      model = (await importGenerated(f.program))[f.model] as Model;
    });
    const run = () => {
      const m = model(f.dims, { dtype: "float64" });
      const targets = Object.fromEntries(Object.entries(f.targets).map(([k, v]) => [k, dataOf(v)]));
      const r = m.forward(dataOfAll(f.params), f.x.data, { batch: f.batch, steps: f.steps, initial: dataOfAll(f.initial), targets, ...(f.lengths ? { lengths: f.lengths } : {}) });
      return { m, r };
    };

    it("forward: every output, every final state and the loss", () => {
      const { r } = run();
      for (const [k, want] of Object.entries(f.outputs)) expect(maxRelError(r.outputs[k]!, want.data), k).toBeLessThan(1e-9);
      for (const [k, want] of Object.entries(f.final)) expect(maxRelError(r.final[k]!, want.data), k).toBeLessThan(1e-9);
      if (f.loss === null) expect(r.loss).toBeUndefined();
      else expect(Math.abs(r.loss! - f.loss)).toBeLessThan(1e-9);
    });

    it("backward: the gradient of every param, of the input and of every initial state", () => {
      const { m, r } = run();
      const g = m.backward(r, { outputs: dataOfAll(f.seeds.outputs), final: dataOfAll(f.seeds.final) });
      for (const [k, want] of Object.entries(f.grads.params)) expect(maxRelError(g.params[k]!, want.data), k).toBeLessThan(1e-9);
      expect(maxRelError(g.x, f.grads.x.data)).toBeLessThan(1e-9);
      for (const [k, want] of Object.entries(f.grads.initial)) expect(maxRelError(g.initial[k]!, want.data), k).toBeLessThan(1e-9);
    });
  });
}
