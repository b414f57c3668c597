import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT, type Factory } from "../../helpers/generated.js";

/**
 * max(a, b), min(a, b), clamp, abs and pow in the generated module against PyTorch (float64
 * vectors from scripts/torch_reference_elementwise.py; format in test/fixtures/vectors/README.md).
 * The cells use their own param names, so the vectors' names are ours; each output has its own
 * loss weight R and each state its own S. The tie vectors sit exactly where these functions have
 * no derivative, so they pin down PyTorch's conventions: a tie of max/min splits the gradient in
 * halves, clamp passes it at its bounds, abs and pow(x, k) have slope 0 at 0, pow(x, 0) has none.
 */
interface Tensor { shape: number[]; data: number[] }
interface Vector {
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Record<string, Tensor>;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}

const vector = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/vectors", `${name}.json`), "utf8")) as Vector;

const CASES = [
  { vector: "bounded_mgu", file: "examples/bounded_mgu.rnn", cell: "BoundedMGU" },
  { vector: "bounded_mgu_lengths", file: "examples/bounded_mgu.rnn", cell: "BoundedMGU" },
  { vector: "elementwise_ties", file: "test/fixtures/cells/elementwise_ties.rnn", cell: "Ties" },
];

describe.each(CASES)("$cell on $vector matches PyTorch to 1e-9", (c) => {
  const v = vector(c.vector);
  const states = Object.keys(v.initial).map((k) => k.replace(/0$/, ""));
  const initial = Object.fromEntries(states.map((s) => [s, v.initial[`${s}0`]!.data]));
  const params = Object.fromEntries(Object.entries(v.params).map(([k, t]) => [k, t.data]));
  const outputs = Object.keys(v.R);
  const run = async () => {
    const cell = ((await importGenerated(c.file))[c.cell] as Factory)(v.dims, { dtype: "float64" });
    return { cell, run: cell.forward(params, v.x.data, { batch: v.batch, steps: v.steps, initial, ...(v.lengths ? { lengths: v.lengths } : {}) }) };
  };

  it("forward: every output and the final states", async () => {
    const { run: r } = await run();
    for (const o of outputs) expect(maxRelError(r.outputs[o]!, v.outputs[o]!.data), o).toBeLessThan(1e-9);
    for (const s of states) expect(maxRelError(r.final[s]!, v.outputs[`${s}_T`]!.data), s).toBeLessThan(1e-9);
  });

  it("backward: every param, the input and the initial states", async () => {
    const { cell, run: r } = await run();
    const g = cell.backward(r, {
      outputs: Object.fromEntries(outputs.map((o) => [o, v.R[o]!.data])),
      final: Object.fromEntries(states.map((s) => [s, v.S[`${s}_T`]!.data])),
    });
    for (const p of Object.keys(v.params)) expect(maxRelError(g.params[p]!, v.grads[p]!.data), p).toBeLessThan(1e-9);
    expect(maxRelError(g.x, v.grads.x!.data)).toBeLessThan(1e-9);
    for (const s of states) expect(maxRelError(g.initial[s]!, v.grads[`${s}0`]!.data), s).toBeLessThan(1e-9);
  });
});
