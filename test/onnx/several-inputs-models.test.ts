/**
 * ONNX export of models with several inputs: each input by its name, a per-sequence one shaped
 * [batch, width], run in ONNX Runtime (float32) against PyTorch's float64 vectors
 * (scripts/torch_reference_inputs_models.py; test/fixtures/models/inputs_models.rnn) to 1e-4,
 * unrolled and as Scan, with and without lengths.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler.js";
import { exportModelOnnx } from "../../src/backends/onnx/model.js";
import { ROOT } from "../helpers/generated.js";
import { INPUTS_FIXTURES, INPUTS_MODELS_FILE, inputsFixture } from "../helpers/torch-inputs.js";
import { maxAbsDiff } from "./ort.js";

const text = readFileSync(join(ROOT, INPUTS_MODELS_FILE), "utf8");

describe("a model with several inputs in ONNX Runtime reproduces PyTorch", () => {
  for (const name of INPUTS_FIXTURES) {
    const f = inputsFixture(name);
    for (const recurrence of ["unroll", "scan"] as const) {
      it(`${name}, ${recurrence}`, async () => {
        const { model, diagnostics, sources } = compileModel(INPUTS_MODELS_FILE, text, f.model);
        expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const params = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, Float32Array.from(t.data)]));
        const bytes = exportModelOnnx(model!, { dims: f.dims, params, recurrence, ...(recurrence === "unroll" ? { steps: f.steps } : {}), sourceFile: INPUTS_MODELS_FILE, sourceText: text, sources });
        const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, extra: { session: { strict_shape_type_inference: "1" } } });
        // Every input by its name, in declaration order, then the state and the lengths.
        expect(session.inputNames).toEqual([...Object.keys(f.inputs), "initial_gru.h", "sequence_lens"]);
        const feeds: Record<string, ort.Tensor> = {
          sequence_lens: new ort.Tensor("int32", Int32Array.from(f.lengths ?? new Array<number>(f.batch).fill(f.steps)), [f.batch]),
          "initial_gru.h": new ort.Tensor("float32", Float32Array.from(f.initial["gru.h"]!.data), f.initial["gru.h"]!.shape),
        };
        for (const [k, t] of Object.entries(f.inputs)) feeds[k] = new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
        const result = await session.run(feeds);
        await session.release();
        for (const [k, want] of Object.entries(f.outputs)) {
          const got = result[k === "gru.h" ? "final_gru.h" : k]!;
          expect(got.dims, k).toEqual(want.shape);
          expect(maxAbsDiff(got.data as Float32Array, want.data), k).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe("a per-sequence input in ONNX", () => {
  it("is declared [batch, width], and zero for an example of length 0 where it is an output", async () => {
    const source = `import GRU from std
model Echo(I, C, H) {
  input x: [I]
  input style: [C] per sequence
  layer rnn = GRU(I, H)
  output h = rnn(x)
  output s = style
}`;
    const { model } = compileModel("echo.rnn", source);
    const dims = { I: 2, C: 3, H: 2 };
    const params = { "rnn.W_ih": new Float32Array(12), "rnn.W_hh": new Float32Array(12), "rnn.b_ih": new Float32Array(6), "rnn.b_hh": new Float32Array(6) };
    const bytes = exportModelOnnx(model!, { dims, params, recurrence: "scan", sourceFile: "echo.rnn", sourceText: source });
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const style = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const result = await session.run({
      x: new ort.Tensor("float32", new Float32Array(3 * 2 * 2), [3, 2, 2]),
      style: new ort.Tensor("float32", style, [2, 3]),
      "initial_rnn.h": new ort.Tensor("float32", new Float32Array(4), [2, 2]),
      sequence_lens: new ort.Tensor("int32", Int32Array.from([0, 3]), [2]),
    });
    await session.release();
    expect(result.s!.dims).toEqual([2, 3]);
    expect(Array.from(result.s!.data as Float32Array)).toEqual([0, 0, 0, 4, 5, 6]);
  });
});
