import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError, type Factory } from "../../helpers/generated.js";

/**
 * Variable-length batches: an example of length L in a batch padded to T steps must give the
 * same outputs (zero past L), final state and gradients as that example run alone for L steps.
 */
function rand(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Rows [t, b] of a [T, B, n] array for one example, its first `steps` steps. */
function example(a: ArrayLike<number>, b: number, B: number, n: number, steps: number): Float64Array {
  const out = new Float64Array(steps * n);
  for (let t = 0; t < steps; t++) for (let j = 0; j < n; j++) out[t * n + j] = a[(t * B + b) * n + j]!;
  return out;
}

interface Case { file: string; cell: string; dims: Record<string, number> & { I: number }; states: Record<string, number>; outputs: Record<string, number> }

describe.each<Case>([
  { file: "examples/lstm.rnn", cell: "LSTM", dims: { I: 3, H: 4 }, states: { h: 4, c: 4 }, outputs: { h: 4 } },
  { file: "examples/elman.rnn", cell: "Elman", dims: { I: 3, H: 4, O: 2 }, states: { h: 4 }, outputs: { y: 2 } },
  { file: "examples/layernorm_lstm.rnn", cell: "LayerNormLSTM", dims: { I: 3, H: 4 }, states: { h: 4, c: 4 }, outputs: { h: 4 } },
])("$cell with lengths [5, 3, 1]", (c) => {
  let factory: Factory;
  beforeAll(async () => {
    factory = (await importGenerated(c.file))[c.cell] as Factory;
  });
  const T = 5;
  const B = 3;
  const lengths = [5, 3, 1];
  const I = c.dims.I;

  it("matches each example run alone at its own length", () => {
    const cell = factory(c.dims, { dtype: "float64" });
    const params = cell.init(11);
    const x = rand(T * B * I, 1);
    const initial = Object.fromEntries(Object.entries(c.states).map(([s, n], i) => [s, rand(B * n, 10 + i)]));
    const seedsOut = Object.fromEntries(Object.entries(c.outputs).map(([o, n], i) => [o, rand(T * B * n, 20 + i)]));
    const seedsFinal = Object.fromEntries(Object.entries(c.states).map(([s, n], i) => [s, rand(B * n, 30 + i)]));
    const run = cell.forward(params, x, { batch: B, steps: T, initial, lengths });
    const g = cell.backward(run, { outputs: seedsOut, final: seedsFinal });

    // Each example alone, at its own length.
    const alone = lengths.map((L, b) => {
      const run1 = cell.forward(params, example(x, b, B, I, L), {
        batch: 1,
        steps: L,
        initial: Object.fromEntries(Object.entries(c.states).map(([s, n]) => [s, example(initial[s]!, b, B, n, 1)])),
      });
      const grads1 = cell.backward(run1, {
        outputs: Object.fromEntries(Object.entries(c.outputs).map(([o, n]) => [o, example(seedsOut[o]!, b, B, n, L)])),
        final: Object.fromEntries(Object.entries(c.states).map(([s, n]) => [s, example(seedsFinal[s]!, b, B, n, 1)])),
      });
      return { run: run1, grads: grads1 };
    });

    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      const { run: one, grads: ga } = alone[b]!;
      for (const [o, n] of Object.entries(c.outputs)) {
        const padded = example(run.outputs[o]!, b, B, n, T);
        expect(maxRelError(padded.subarray(0, L * n), one.outputs[o]!)).toBeLessThan(1e-12);
        expect(Math.max(...padded.subarray(L * n).map(Math.abs), 0)).toBe(0);
      }
      for (const [s, n] of Object.entries(c.states)) {
        expect(maxRelError(example(run.final[s]!, b, B, n, 1), one.final[s]!)).toBeLessThan(1e-12);
        expect(maxRelError(example(g.initial[s]!, b, B, n, 1), ga.initial[s]!)).toBeLessThan(1e-12);
      }
      const dx = example(g.x, b, B, I, T);
      expect(maxRelError(dx.subarray(0, L * I), ga.x)).toBeLessThan(1e-12);
      expect(Math.max(...dx.subarray(L * I).map(Math.abs), 0)).toBe(0);
    }

    // Param gradients of the batch are the sums of the examples' own.
    const sums: Record<string, Float64Array> = {};
    for (const { grads: ga } of alone) {
      for (const [p, v] of Object.entries(ga.params)) {
        sums[p] ??= new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) sums[p]![i]! += v[i]!;
      }
    }
    for (const [p, v] of Object.entries(g.params)) expect(maxRelError(v, sums[p]!), p).toBeLessThan(1e-12);
  });
});
