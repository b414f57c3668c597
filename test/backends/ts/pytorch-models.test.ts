import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

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
interface Tensor { shape: number[]; data: number[] }
interface Fixture {
  dims: { I: number; H: number };
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Tensor;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}

type Model = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64" }) => {
  paramShapes: Record<string, number[]>;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Float64Array>; final: Record<string, Float64Array> };
  backward(run: unknown, seeds: Record<string, unknown>): { params: Record<string, Float64Array>; x: Float64Array; initial: Record<string, Float64Array> };
};

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as Fixture;
}

/** Slab k of a [K, B, H] tensor (PyTorch's state layout: index layer·D + direction). */
function slab(t: Tensor, k: number): number[] {
  const n = t.shape[1]! * t.shape[2]!;
  return t.data.slice(k * n, (k + 1) * n);
}

const CELL_PARAMS = { W_ih: "weight_ih", W_hh: "weight_hh", b_ih: "bias_ih", b_hh: "bias_hh" } as const;

interface Case {
  fixture: string;
  example: string;
  factory: string;
  /** model layer → PyTorch suffix and state index (layer·D + direction) */
  layers: Record<string, { suffix: string; index: number }>;
  states: string[];
}

const CASES: Case[] = [
  { fixture: "lstm_2layer", example: "examples/stacked_lstm.rnn", factory: "StackedLSTM", layers: { l0: { suffix: "_l0", index: 0 }, l1: { suffix: "_l1", index: 1 } }, states: ["h", "c"] },
  { fixture: "gru_bidirectional", example: "examples/bigru.rnn", factory: "BiGRU", layers: { fwd: { suffix: "_l0", index: 0 }, bwd: { suffix: "_l0_reverse", index: 1 } }, states: ["h"] },
  { fixture: "gru_bidirectional_lengths", example: "examples/bigru.rnn", factory: "BiGRU", layers: { fwd: { suffix: "_l0", index: 0 }, bwd: { suffix: "_l0_reverse", index: 1 } }, states: ["h"] },
];

for (const c of CASES) {
  describe(`${c.example} matches PyTorch (${c.fixture})`, () => {
    const f = fixture(c.fixture);
    let model: Model;
    beforeAll(async () => {
      model = (await importGenerated(c.example))[c.factory] as Model;
    });

    const params = () => {
      const p: Record<string, number[]> = {};
      for (const [layer, { suffix }] of Object.entries(c.layers)) for (const [mine, theirs] of Object.entries(CELL_PARAMS)) p[`${layer}.${mine}`] = f.params[`${theirs}${suffix}`]!.data;
      return p;
    };
    const perLayerStates = (source: Record<string, Tensor>, key: (state: string) => string) => {
      const out: Record<string, number[]> = {};
      for (const [layer, { index }] of Object.entries(c.layers)) for (const s of c.states) out[`${layer}.${s}`] = slab(source[key(s)]!, index);
      return out;
    };
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
        for (const [mine, theirs] of Object.entries(CELL_PARAMS)) {
          expect(maxRelError(g.params[`${layer}.${mine}`]!, f.grads[`${theirs}${suffix}`]!.data), `${layer}.${mine}`).toBeLessThan(1e-12);
        }
      }
      expect(maxRelError(g.x, f.grads["x"]!.data)).toBeLessThan(1e-12);
      const initial = perLayerStates(f.grads, (s) => `${s}0`);
      for (const [name, want] of Object.entries(initial)) expect(maxRelError(g.initial[name]!, want), name).toBeLessThan(1e-12);
    });
  });
}
