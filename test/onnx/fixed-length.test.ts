/**
 * The fixed-length form (`variableLengths: false`, `rnnc onnx --fixed-length`): every example runs
 * all T steps, so the model has no `sequence_lens` input and no masking nodes — a smaller graph
 * (what the traced PyTorch export is) with the same numbers as the masked form run at full length.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildOnnxModel, exportOnnx, OnnxExportError } from "../../src/backends/onnx/index.js";
import { exportModelOnnx } from "../../src/backends/onnx/model.js";
import { compileGraph, compileModel } from "../../src/compiler.js";
import { feedsFor, maxError, randomCase, referenceFor } from "./harness.js";
import { runModel } from "./ort.js";

const CELLS: { file: string; dims: Record<string, number> }[] = [
  { file: "examples/lstm.rnn", dims: { I: 3, H: 4 } },
  { file: "examples/gru.rnn", dims: { I: 3, H: 4 } },
  { file: "examples/elman.rnn", dims: { I: 3, H: 4, O: 2 } },
  { file: "examples/layernorm_lstm.rnn", dims: { I: 3, H: 4 } },
];

describe("the fixed-length ONNX form", () => {
  for (const { file, dims } of CELLS) {
    const text = readFileSync(file, "utf8");
    const graph = compileGraph(file, text).graph!;
    const forms = graph.cell === "LSTM" || graph.cell === "GRU" ? (["unroll", "scan", "native"] as const) : (["unroll", "scan"] as const);
    for (const recurrence of forms) {
      it(`${file}, ${recurrence}: the reference's numbers, without sequence_lens or masking`, async () => {
        const c = randomCase(graph, dims, 5, 3, 21);
        const settings = { steps: 5, recurrence, optionalInputs: false, variableLengths: false, sourceFile: file, sourceText: text } as const;
        const model = buildOnnxModel(graph, { ...settings, dims, params: c.params });
        expect(model.graph!.input!.map((i) => i.name)).not.toContain("sequence_lens");
        const ops = (model.graph!.node ?? []).map((n) => n.opType);
        expect(ops).not.toContain("Where");
        expect(ops).not.toContain("Less");
        const feeds = feedsFor(c, false);
        delete feeds["sequence_lens"];
        const out = await runModel(exportOnnx(graph, { ...settings, dims, params: c.params }), feeds);
        expect(maxError(out, referenceFor(c), c)).toBeLessThan(1e-5);
      });
    }
  }

  it("has fewer nodes than the masked form: the LSTM unrolled over 8 steps", () => {
    const text = readFileSync("examples/lstm.rnn", "utf8");
    const graph = compileGraph("examples/lstm.rnn", text).graph!;
    const dims = { I: 3, H: 4 };
    const c = randomCase(graph, dims, 8, 2, 3);
    const count = (variableLengths: boolean) => buildOnnxModel(graph, { dims, steps: 8, recurrence: "unroll", params: c.params, sourceFile: "lstm.rnn", variableLengths }).graph!.node!.length;
    // Per step: the Less, its Unsqueeze to [B, 1] and a Where per state (2) and per output (1);
    // once: the Expand of sequence_lens to the batch.
    expect(count(true) - count(false)).toBe(8 * 5 + 1);
  });

  it("is refused for a model, whose reversal and last step read the lengths", () => {
    const text = readFileSync("examples/bigru.rnn", "utf8");
    const { model } = compileModel("examples/bigru.rnn", text);
    expect(() => exportModelOnnx(model!, { dims: { I: 3, H: 4 }, steps: 4, recurrence: "unroll", params: {}, sourceFile: "examples/bigru.rnn", variableLengths: false })).toThrow(OnnxExportError);
  });
});
