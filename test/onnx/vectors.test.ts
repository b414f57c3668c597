/**
 * The PyTorch reference vectors (test/fixtures/vectors, float64, torch.nn.RNN/LSTM/GRU) against
 * the exported models run in ONNX Runtime: per-step output and final states within 1e-4, for the
 * unrolled and the Scan form, with initial states fed and with the zero default.
 *
 * Naming, in the open: the vectors use PyTorch's names — weight_ih → W_ih, weight_hh → W_hh,
 * bias_ih → b_ih, bias_hh → b_hh (TORCH_PARAM_NAMES); initial h0/c0 → model inputs
 * initial_h/initial_c; outputs.y (h_t at every step) → model output `h` (the cells say
 * `output h'`); h_T/c_T → final_h/final_c.
 */
import { describe, expect, it } from "vitest";
import { elman, gru, lstm, type GraphMaker } from "./graphs.js";
import { float, int32, loadVectors, maxAbsDiff, paramsFromVectors, runModel, type Feed, type Vectors } from "./ort.js";
import { exportOnnx } from "../../src/backends/onnx/index.js";
import { referenceRun } from "./reference.js";

const TOLERANCE = 1e-4;
const CELLS: readonly [string, () => GraphMaker][] = [["elman_tanh", elman], ["lstm", lstm], ["gru", gru]];
const FORMS = ["unroll", "scan"] as const;

function initialFeeds(v: Vectors): Record<string, Feed> {
  const feeds: Record<string, Feed> = { initial_h: float(v.initial.h0!.shape, v.initial.h0!.data) };
  if (v.initial.c0) feeds.initial_c = float(v.initial.c0.shape, v.initial.c0.data);
  return feeds;
}

function expectFinals(out: Awaited<ReturnType<typeof runModel>>, v: Vectors): void {
  expect(out.final_h!.dims).toEqual(v.outputs.h_T!.shape);
  expect(maxAbsDiff(out.final_h!.data, v.outputs.h_T!.data)).toBeLessThan(TOLERANCE);
  if (v.outputs.c_T) expect(maxAbsDiff(out.final_c!.data, v.outputs.c_T.data)).toBeLessThan(TOLERANCE);
  else expect(out.final_c).toBeUndefined();
}

describe("the float64 reference interpreter reproduces the PyTorch vectors", () => {
  for (const [name, make] of CELLS) {
    it(name, () => {
      const v = loadVectors(name);
      const ref = referenceRun(make().graph(), v.dims, paramsFromVectors(v), { x: v.x.data }, v.steps, v.batch, { h: v.initial.h0!.data, ...(v.initial.c0 ? { c: v.initial.c0.data } : {}) });
      // The params went through float32 (as they do in ONNX), hence not 1e-15.
      expect(maxAbsDiff(ref.outputs.h!, v.outputs.y!.data)).toBeLessThan(1e-6);
      expect(maxAbsDiff(ref.finals.h!, v.outputs.h_T!.data)).toBeLessThan(1e-6);
    });
  }
});

describe("ONNX Runtime reproduces the PyTorch vectors", () => {
  for (const [name, make] of CELLS) {
    for (const recurrence of FORMS) {
      it(`${name}, ${recurrence}, initial states fed`, async () => {
        const v = loadVectors(name);
        const bytes = exportOnnx(make().graph(), { dims: v.dims, steps: v.steps, recurrence, params: paramsFromVectors(v), sourceFile: "test/hand.rnn", optionalInputs: false });
        const out = await runModel(bytes, {
          x: float(v.x.shape, v.x.data),
          ...initialFeeds(v),
          sequence_lens: int32([v.batch], new Array<number>(v.batch).fill(v.steps)),
        });
        expect(out.h!.dims).toEqual(v.outputs.y!.shape);
        expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(TOLERANCE);
        expectFinals(out, v);
      });
    }
  }

  for (const recurrence of FORMS) {
    it(`lstm_zero_state, ${recurrence}, initial states left to their zero default`, async () => {
      const v = loadVectors("lstm_zero_state");
      expect(new Set([...v.initial.h0!.data, ...v.initial.c0!.data])).toEqual(new Set([0]));
      // Scan without steps: T is symbolic and comes from x.
      const bytes = exportOnnx(lstm().graph(), { dims: v.dims, ...(recurrence === "unroll" ? { steps: v.steps } : {}), recurrence, params: paramsFromVectors(v), sourceFile: "test/hand.rnn", optionalInputs: true });
      const out = await runModel(bytes, { x: float(v.x.shape, v.x.data) });
      expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(TOLERANCE);
      expectFinals(out, v);
    });
  }

  for (const [name, make] of CELLS) {
    for (const recurrence of FORMS) {
      it(`${name}, ${recurrence}, zero default initial state equals the reference from zeros`, async () => {
        const v = loadVectors(name);
        const graph = make().graph();
        const params = paramsFromVectors(v);
        const bytes = exportOnnx(graph, { dims: v.dims, steps: v.steps, recurrence, params, sourceFile: "test/hand.rnn", optionalInputs: true });
        const out = await runModel(bytes, { x: float(v.x.shape, v.x.data) });
        const ref = referenceRun(graph, v.dims, params, { x: v.x.data }, v.steps, v.batch);
        expect(maxAbsDiff(out.h!.data, ref.outputs.h!)).toBeLessThan(TOLERANCE);
        for (const s of graph.states) expect(maxAbsDiff(out[`final_${s.name}`]!.data, ref.finals[s.name]!)).toBeLessThan(TOLERANCE);
        // And the zero default is not the vectors' (non-zero) initial state: the test can tell.
        expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeGreaterThan(1e-3);
      });
    }
  }
});
