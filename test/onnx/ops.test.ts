/**
 * Every IR op through ONNX Runtime against the float64 reference interpreter, in both forms
 * and at the opsets where the emitted form changes (11: Gemm/Pad inputs; 13: Unsqueeze, Squeeze,
 * ReduceSum take axes as inputs; 18: ReduceMean/ReduceMax too; 22: the newest ORT 1.22 loads).
 */
import { describe, expect, it } from "vitest";
import { feedsFor, randomCase, referenceFor, exportCase } from "./harness.js";
import { OP_CASES, OP_DIMS } from "./op-graphs.js";
import { maxAbsDiff, runModel } from "./ort.js";

const TOLERANCE = 1e-4;
const OPSETS = [11, 13, 17, 18, 22];

describe("IR ops in ONNX Runtime", () => {
  for (const opCase of OP_CASES) {
    for (const recurrence of ["unroll", "scan"] as const) {
      for (const opset of OPSETS) {
        it(`${opCase.name}, ${recurrence}, opset ${opset}`, async () => {
          const graph = opCase.make().graph();
          const c = { ...randomCase(graph, OP_DIMS, 3, 4, 5), lengths: [3, 1, 2, 3] };
          const out = await runModel(exportCase(c, { steps: 3, recurrence, opset, optionalInputs: false }), feedsFor(c, false));
          const ref = referenceFor(c);
          for (const o of graph.outputs) {
            expect(out[o.name]!.dims, o.name).toEqual([3, 4, ...graph.nodes[o.node]!.shape.map((d) => d.evaluate(OP_DIMS))]);
            expect(maxAbsDiff(out[o.name]!.data, ref.outputs[o.name]!), o.name).toBeLessThan(TOLERANCE);
          }
          for (const s of graph.states) {
            expect(maxAbsDiff(out[`final_${s.name}`]!.data, ref.finals[s.name]!), `final_${s.name}`).toBeLessThan(TOLERANCE);
          }
        });
      }
    }
  }
});
