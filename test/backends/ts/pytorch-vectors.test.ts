import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT, type Factory } from "../../helpers/generated.js";

/**
 * The generated kernels against PyTorch (float64 reference vectors in test/fixtures/vectors,
 * copied from shared/vectors; see its README). The .rnn files are the shipped examples. The
 * vectors use torch.nn's parameter names; the mapping to each cell's names is written out
 * below, in the open. The loss is sum(y ⊙ R) + Σ sum(state_T ⊙ S), so the backward pass is
 * seeded with dY = R and dState_T = S.
 */
interface Tensor { shape: number[]; data: number[] }
interface Vector {
  dims: { I: number; H: number };
  batch: number;
  steps: number;
  params: Record<"weight_ih" | "weight_hh" | "bias_ih" | "bias_hh", Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Tensor;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}

function vector(name: string): Vector {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/vectors", `${name}.json`), "utf8")) as Vector;
}

/** PyTorch-layout cells (LSTM, GRU): the names map one to one. */
const torchLayout = {
  params: (v: Vector) => ({ W_ih: v.params.weight_ih.data, W_hh: v.params.weight_hh.data, b_ih: v.params.bias_ih.data, b_hh: v.params.bias_hh.data }),
  grads: { W_ih: "weight_ih", W_hh: "weight_hh", b_ih: "bias_ih", b_hh: "bias_hh" } as Record<string, string>,
  output: "h",
};

/**
 * The textbook Elman cell (examples/elman.rnn) computes h' = act(W_xh x + W_hh h + b_h) and
 * y = W_hy h' + b_y. torch.nn.RNN has two biases and no readout, so: W_xh = weight_ih,
 * W_hh = weight_hh, b_h = bias_ih + bias_hh (whose gradient is each of theirs), O = H with
 * W_hy = identity and b_y = 0, making y = h'.
 */
const elmanLayout = {
  params: (v: Vector) => {
    const H = v.dims.H;
    const eye = Array.from({ length: H * H }, (_, i) => (Math.floor(i / H) === i % H ? 1 : 0));
    return {
      W_xh: v.params.weight_ih.data,
      W_hh: v.params.weight_hh.data,
      b_h: v.params.bias_ih.data.map((b, i) => b + v.params.bias_hh.data[i]!),
      W_hy: eye,
      b_y: new Array<number>(H).fill(0),
    };
  },
  grads: { W_xh: "weight_ih", W_hh: "weight_hh", b_h: "bias_ih" } as Record<string, string>,
  output: "y",
};

const CASES = [
  { vector: "elman_tanh", file: "examples/elman.rnn", cell: "Elman", layout: elmanLayout, extraDims: (v: Vector) => ({ O: v.dims.H }) },
  { vector: "elman_relu", file: "examples/elman_relu.rnn", cell: "ElmanReLU", layout: elmanLayout, extraDims: (v: Vector) => ({ O: v.dims.H }) },
  { vector: "lstm", file: "examples/lstm.rnn", cell: "LSTM", layout: torchLayout, extraDims: () => ({}) },
  { vector: "lstm_zero_state", file: "examples/lstm.rnn", cell: "LSTM", layout: torchLayout, extraDims: () => ({}) },
  { vector: "gru", file: "examples/gru.rnn", cell: "GRU", layout: torchLayout, extraDims: () => ({}) },
];

describe.each(CASES)("$cell on $vector matches PyTorch", (c) => {
  let factory: Factory;
  const v = vector(c.vector);
  beforeAll(async () => {
    factory = (await importGenerated(c.file))[c.cell] as Factory;
  });

  describe.each([
    { dtype: "float64" as const, backend: "js" as const, tol: 1e-9 },
    { dtype: "float32" as const, backend: "js" as const, tol: 1e-4 },
    { dtype: "float32" as const, backend: "wasm" as const, tol: 1e-4 },
  ])("$dtype on $backend", ({ dtype, backend, tol }) => {
    const states = Object.keys(v.initial).map((k) => k.replace(/0$/, ""));
    const initial = Object.fromEntries(states.map((s) => [s, v.initial[`${s}0`]!.data]));

    it("forward: outputs and final states", () => {
      const cell = factory({ ...v.dims, ...c.extraDims(v) }, { dtype, backend });
      const run = cell.forward(c.layout.params(v), v.x.data, { batch: v.batch, steps: v.steps, initial });
      expect(maxRelError(run.outputs[c.layout.output]!, v.outputs.y!.data)).toBeLessThan(tol);
      for (const s of states) expect(maxRelError(run.final[s]!, v.outputs[`${s}_T`]!.data)).toBeLessThan(tol);
    });

    it("backward: every param, the input and the initial states", () => {
      const cell = factory({ ...v.dims, ...c.extraDims(v) }, { dtype, backend });
      const run = cell.forward(c.layout.params(v), v.x.data, { batch: v.batch, steps: v.steps, initial });
      const g = cell.backward(run, {
        outputs: { [c.layout.output]: v.R.data },
        final: Object.fromEntries(states.map((s) => [s, v.S[`${s}_T`]!.data])),
      });
      for (const [ours, theirs] of Object.entries(c.layout.grads)) expect(maxRelError(g.params[ours]!, v.grads[theirs]!.data), ours).toBeLessThan(tol);
      expect(maxRelError(g.x, v.grads.x!.data)).toBeLessThan(tol);
      for (const s of states) expect(maxRelError(g.initial[s]!, v.grads[`${s}0`]!.data), s).toBeLessThan(tol);
    });
  });
});
