/**
 * Golden baselines of exported models as text (src/backends/onnx/text.ts): what the back end
 * emits, node by node, for the hand-built LSTM (unrolled over 2 steps, and as a Scan) and for
 * the op graph with batched scalars at opset 11 (attribute forms) and 18 (input forms).
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/onnx` and read the diff.
 */
import { describe, it } from "vitest";
import { exportOnnx } from "../../src/backends/onnx/index.js";
import { onnxModelText } from "../../src/backends/onnx/text.js";
import { expectGolden } from "../diagnostics/golden-file.js";
import { lstm } from "./graphs.js";
import { randomParams } from "./harness.js";
import { OP_CASES, OP_DIMS } from "./op-graphs.js";

const here = new URL("./baselines/", import.meta.url).pathname;

describe("ONNX text baselines", () => {
  const dims = { I: 3, H: 2 };
  for (const recurrence of ["unroll", "scan"] as const) {
    it(`LSTM, ${recurrence}`, () => {
      const maker = lstm();
      const graph = maker.graph();
      const bytes = exportOnnx(graph, { dims, steps: 2, recurrence, params: randomParams(graph, dims, 1), sourceFile: "test/hand.rnn", sourceText: maker.sourceText() });
      expectGolden(`${here}lstm.${recurrence}.txt`, onnxModelText(bytes));
    });
  }
  for (const opset of [11, 18]) {
    it(`reductions, scan, opset ${opset}`, () => {
      const maker = OP_CASES.find((c) => c.name.startsWith("reductions"))!.make();
      const graph = maker.graph();
      const bytes = exportOnnx(graph, { dims: OP_DIMS, recurrence: "scan", opset, params: randomParams(graph, OP_DIMS, 1), sourceFile: "test/hand.rnn", sourceText: maker.sourceText() });
      expectGolden(`${here}reductions.scan.opset${opset}.txt`, onnxModelText(bytes));
    });
  }
});
