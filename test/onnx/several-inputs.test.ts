/**
 * A cell with two inputs exported to ONNX: each input is a graph input under its own name
 * ([steps, batch, size]), and ONNX Runtime reproduces PyTorch's float64 vectors
 * (scripts/torch_reference_inputs.py: torch.nn.GRU on the concatenated inputs) within 1e-4,
 * unrolled and as Scan, with and without lengths.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exportOnnx } from "../../src/backends/onnx/index.js";
import { compileGraph } from "../../src/compiler.js";
import { float, int32, maxAbsDiff, runModel, type VectorTensor } from "./ort.js";

const FILE = "examples/conditional_gru.rnn";
interface Vector {
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, VectorTensor>;
  inputs: Record<string, VectorTensor>;
  initial: Record<string, VectorTensor>;
  outputs: Record<string, VectorTensor>;
}
const load = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/vectors/${name}.json`, import.meta.url), "utf8")) as Vector;

describe("ONNX Runtime reproduces the two-input PyTorch vectors", () => {
  for (const name of ["conditional_gru", "conditional_gru_lengths"]) {
    for (const recurrence of ["unroll", "scan"] as const) {
      it(`${name}, ${recurrence}`, async () => {
        const v = load(name);
        const { graph } = compileGraph(FILE, readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8"), "ConditionalGRU");
        const params = Object.fromEntries(Object.entries(v.params).map(([k, t]) => [k, Float32Array.from(t.data)]));
        const bytes = exportOnnx(graph!, { dims: v.dims, steps: v.steps, recurrence, params, sourceFile: FILE, optionalInputs: false });
        const out = await runModel(bytes, {
          x: float(v.inputs.x!.shape, v.inputs.x!.data),
          ctx: float(v.inputs.ctx!.shape, v.inputs.ctx!.data),
          initial_h: float(v.initial.h0!.shape, v.initial.h0!.data),
          sequence_lens: int32([v.batch], v.lengths ?? new Array<number>(v.batch).fill(v.steps)),
        });
        expect(out.h!.dims).toEqual(v.outputs.h!.shape);
        expect(maxAbsDiff(out.h!.data, v.outputs.h!.data)).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.final_h!.data, v.outputs.h_T!.data)).toBeLessThan(1e-4);
      });
    }
  }
});
