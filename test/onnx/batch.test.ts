/**
 * Batches and variable lengths: one model file serves any batch size; with sequence_lens each
 * example gets exactly what it gets when run alone at its own length (outputs past the end are
 * zero, the final state is the state at the end); garbage past the end never leaks in.
 */
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/core/dims.js";
import { exportOnnx } from "../../src/backends/onnx/index.js";
import { elman, GraphMaker, gru, lstm } from "./graphs.js";
import { feedsFor, maxError, randomCase, referenceFor, sizeOf, type Case } from "./harness.js";
import { float, int32, loadVectors, maxAbsDiff, paramsFromVectors, runModel } from "./ort.js";

const FORMS = ["unroll", "scan"] as const;

/** Example b of a case, its first `len` steps only, as a batch of one. */
function alone(c: Case, b: number, len: number): Case {
  const pick = (flat: number[], perStep: boolean, n: number): number[] => {
    if (!perStep) return flat.slice(b * n, (b + 1) * n);
    const out: number[] = [];
    for (let t = 0; t < len; t++) out.push(...flat.slice((t * c.batch + b) * n, (t * c.batch + b + 1) * n));
    return out;
  };
  const size = (shape: readonly Dim[]): number => sizeOf(shape.map((d) => d.evaluate(c.dims)));
  return {
    ...c,
    steps: len,
    batch: 1,
    x: Object.fromEntries(c.graph.inputs.map((i) => [i.name, pick(c.x[i.name]!, true, size(i.shape))])),
    ...(c.initial ? { initial: Object.fromEntries(c.graph.states.map((s) => [s.name, pick(c.initial![s.name]!, false, size(s.shape))])) } : {}),
    lengths: [len],
  };
}

describe("one model, any batch size", () => {
  for (const recurrence of FORMS) {
    it(`LSTM, ${recurrence}: batch 2 (the vectors), 1 (each example alone) and 5 (random)`, async () => {
      const v = loadVectors("lstm");
      const graph = lstm().graph();
      const bytes = exportOnnx(graph, { dims: v.dims, steps: v.steps, recurrence, params: paramsFromVectors(v), sourceFile: "test/hand.rnn", optionalInputs: false });
      const vectorCase: Case = {
        graph, dims: v.dims, params: paramsFromVectors(v), steps: v.steps, batch: v.batch,
        x: { x: v.x.data }, initial: { h: v.initial.h0!.data, c: v.initial.c0!.data },
      };
      const two = await runModel(bytes, feedsFor(vectorCase, false));
      expect(maxAbsDiff(two.h!.data, v.outputs.y!.data)).toBeLessThan(1e-4);

      for (let b = 0; b < v.batch; b++) {
        const one = alone(vectorCase, b, v.steps);
        const out = await runModel(bytes, feedsFor(one, false));
        expect(out.h!.dims).toEqual([v.steps, 1, v.dims.H]);
        const expected = Array.from({ length: v.steps }, (_, t) => v.outputs.y!.data.slice((t * v.batch + b) * 4, (t * v.batch + b + 1) * 4)).flat();
        expect(maxAbsDiff(out.h!.data, expected)).toBeLessThan(1e-4);
      }

      const five = { ...randomCase(graph, v.dims, v.steps, 5, 21), params: paramsFromVectors(v) };
      const out5 = await runModel(bytes, feedsFor(five, false));
      expect(maxError(out5, referenceFor(five), five)).toBeLessThan(1e-4);
    });
  }
});

describe("sequence_lens [T, T−2, 1]: each example as if run alone at its own length", () => {
  const T = 5;
  const lengths = [T, T - 2, 1];
  for (const [name, make] of [["Elman", elman], ["LSTM", lstm], ["GRU", gru]] as const) {
    for (const recurrence of FORMS) {
      it(`${name}, ${recurrence}`, async () => {
        const graph = make().graph();
        const dims = { I: 3, H: 4 };
        const c: Case = { ...randomCase(graph, dims, T, 3, 31), lengths };
        // Scan: one model with a symbolic T serves every length; unroll: a model per length.
        const model = (steps: number): Uint8Array =>
          exportOnnx(graph, { dims, params: c.params, recurrence, ...(recurrence === "unroll" ? { steps } : {}), sourceFile: "test/hand.rnn", optionalInputs: false });
        const batched = await runModel(model(T), feedsFor(c, false));
        const H = dims.H;
        for (let b = 0; b < 3; b++) {
          const single = await runModel(model(lengths[b]!), feedsFor(alone(c, b, lengths[b]!), false));
          for (let t = 0; t < T; t++) {
            const row = batched.h!.data.slice((t * 3 + b) * H, (t * 3 + b + 1) * H);
            if (t < lengths[b]!) expect(maxAbsDiff(row, single.h!.data.slice(t * H, (t + 1) * H)), `h at t=${t}, b=${b}`).toBeLessThan(1e-6);
            else expect(Array.from(row), `h at t=${t}, b=${b} (past the end)`).toEqual(new Array<number>(H).fill(0));
          }
          for (const s of graph.states) {
            expect(maxAbsDiff(batched[`final_${s.name}`]!.data.slice(b * H, (b + 1) * H), single[`final_${s.name}`]!.data), `final_${s.name}, b=${b}`).toBeLessThan(1e-6);
          }
        }
        // And the whole batch agrees with the reference semantics.
        expect(maxError(batched, referenceFor(c), c)).toBeLessThan(1e-4);
      });
    }
  }

  for (const recurrence of FORMS) {
    it(`${recurrence}: NaN and Inf computed past an example's end do not leak into its state`, async () => {
      // h' = h + log(x): past the end the padding x = −1 or 0 gives NaN / −Inf, which a
      // blend m·new + (1−m)·old would carry (0·NaN = NaN); Where does not read it.
      const g = new GraphMaker("LogAccumulator", ["N"]);
      const N = Dim.name("N");
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const logx = g.ew("log", [x], "logx");
      g.next(h, g.ew("add", [h, logx], "h'"));
      g.output("y", logx);
      const graph = g.graph();
      const valid = [0.5, 1.5, 2, 3, 0.25, 4];
      // T = 2, B = 3, N = 2: example 0 runs 2 steps, example 1 one step (then x = −1), example 2 none (x = 0).
      const xData = [valid[0]!, valid[1]!, valid[2]!, valid[3]!, 0, 0, valid[4]!, valid[5]!, -1, -1, 0, 0];
      const bytes = exportOnnx(graph, { dims: { N: 2 }, params: {}, recurrence, steps: 2, sourceFile: "test/hand.rnn", optionalInputs: false });
      const out = await runModel(bytes, {
        x: float([2, 3, 2], xData),
        initial_h: float([3, 2], [1, 1, 1, 1, 1, 1]),
        sequence_lens: int32([3], [2, 1, 0]),
      });
      const log = Math.log;
      expect(Array.from(out.final_h!.data).every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(out.final_h!.data, [1 + log(0.5) + log(0.25), 1 + log(1.5) + log(4), 1 + log(2), 1 + log(3), 1, 1])).toBeLessThan(1e-6);
      expect(maxAbsDiff(out.y!.data, [log(0.5), log(1.5), log(2), log(3), 0, 0, log(0.25), log(4), 0, 0, 0, 0])).toBeLessThan(1e-6);
    });
  }
});
