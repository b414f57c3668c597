/**
 * max(a, b), min(a, b), clamp, abs and pow exported to ONNX (Max, Min, Clip, Abs, Pow), run in
 * ONNX Runtime against PyTorch's float64 vectors (scripts/torch_reference_elementwise.py): every
 * output and the final state within 1e-4, unrolled and as Scan, with and without lengths, and (for
 * the cell without a matrix product) at opset 10, where Clip takes its bounds as attributes. The cells use their own param names.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../../src/backends/onnx/index.js";
import { compileGraph } from "../../src/compiler.js";
import { float, int32, loadVectors, maxAbsDiff, runModel } from "./ort.js";

const TOLERANCE = 1e-4;
const CASES = [
  { vector: "bounded_mgu", file: "examples/bounded_mgu.rnn", cell: "BoundedMGU" },
  { vector: "bounded_mgu_lengths", file: "examples/bounded_mgu.rnn", cell: "BoundedMGU" },
  { vector: "elementwise_ties", file: "test/fixtures/cells/elementwise_ties.rnn", cell: "Ties" },
];

describe("ONNX Runtime reproduces the elementwise PyTorch vectors", () => {
  for (const c of CASES) {
    // Opset 10 (Clip's attribute form) only for the cell without a matrix product, which needs Gemm (11).
    const forms = [["unroll", 17], ["scan", 17], ...(c.cell === "Ties" ? [["unroll", 10] as const] : [])] as const;
    for (const [recurrence, opset] of forms) {
      it(`${c.vector}, ${recurrence}, opset ${opset}`, async () => {
        const v = loadVectors(c.vector) as ReturnType<typeof loadVectors> & { lengths?: number[] };
        const text = readFileSync(new URL(`../../${c.file}`, import.meta.url), "utf8");
        const { graph } = compileGraph(c.file, text, c.cell);
        const params = Object.fromEntries(Object.entries(v.params).map(([k, t]) => [k, Float32Array.from(t.data)]));
        const bytes = exportOnnx(graph!, { dims: v.dims, steps: v.steps, recurrence, opset, params, sourceFile: c.file, optionalInputs: false });
        const states = Object.keys(v.initial).map((k) => k.replace(/0$/, ""));
        const out = await runModel(bytes, {
          x: float(v.x.shape, v.x.data),
          ...Object.fromEntries(states.map((s) => [`initial_${s}`, float(v.initial[`${s}0`]!.shape, v.initial[`${s}0`]!.data)])),
          sequence_lens: int32([v.batch], v.lengths ?? new Array<number>(v.batch).fill(v.steps)),
        });
        for (const o of Object.keys(v.outputs).filter((k) => !k.endsWith("_T"))) {
          expect(out[o]!.dims, o).toEqual(v.outputs[o]!.shape);
          expect(maxAbsDiff(out[o]!.data, v.outputs[o]!.data), o).toBeLessThan(TOLERANCE);
        }
        for (const s of states) expect(maxAbsDiff(out[`final_${s}`]!.data, v.outputs[`${s}_T`]!.data), s).toBeLessThan(TOLERANCE);
      });
    }
  }
});
