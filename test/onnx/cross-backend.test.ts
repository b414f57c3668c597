/**
 * The two back ends agree: for every example cell, the generated TypeScript module (float64) and
 * the ONNX model written by `onnxFromSource` with the same seed (both draw the params from the
 * cell's initializers with the shared generator) give the same outputs and final states on the
 * same batch, uneven lengths included — in both ONNX forms.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { onnxFromSource } from "../../src/compiler.js";
import { checkSource, compileGraph } from "../../src/compiler.js";
import { importGenerated, type Factory } from "../helpers/generated.js";
import { feedsFor, randomCase, sizeOf } from "./harness.js";
import { maxAbsDiff, runModel } from "./ort.js";

const EXAMPLES = new URL("../../examples/", import.meta.url);
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".rnn")).sort();
const SEED = 7;

describe("the ONNX and TypeScript back ends agree", () => {
  for (const file of files) {
    const path = `examples/${file}`;
    const text = readFileSync(new URL(file, EXAMPLES), "utf8");
    const cells = checkSource(path, text).checked?.cells.map((c) => c.def.name.name) ?? [];
    for (const cell of cells) {
      for (const recurrence of ["unroll", "scan"] as const) {
        it(`${file} ${cell}, ${recurrence}`, async () => {
          const steps = 4;
          const graph = compileGraph(path, text, cell).graph!;
          const dims = Object.fromEntries(graph.dims.map((d, i) => [d, 3 + i]));
          const result = onnxFromSource(path, text, { cell, dims, steps, recurrence, weights: { seed: SEED }, optionalInputs: false });
          expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
          expect(result.optionError).toBeUndefined();

          const ts = ((await importGenerated(path))[cell] as Factory)(dims, { dtype: "float64" });
          // The TS module's init(seed) in float64, rounded to float32 as the ONNX model stores it.
          const params = Object.fromEntries(Object.entries(ts.init(SEED)).map(([k, v]) => [k, Float64Array.from(Float32Array.from(v))]));
          const c = { ...randomCase(graph, dims, steps, 3, 41), lengths: [steps, steps - 2, 1] };
          // One input is an array; several are an object keyed by the inputs' names.
          const x = graph.inputs.length === 1 ? c.x[graph.inputs[0]!.name]! : c.x;
          const run = ts.forward(params, x as never, { batch: 3, steps, initial: c.initial!, lengths: c.lengths });
          const onnx = await runModel(result.bytes!, feedsFor(c, false));

          for (const o of graph.outputs) expect(maxAbsDiff(onnx[o.name]!.data, run.outputs[o.name]!), o.name).toBeLessThan(1e-4);
          for (const s of graph.states) {
            expect(onnx[`final_${s.name}`]!.data.length).toBe(3 * sizeOf(s.shape.map((d) => d.evaluate(dims))));
            expect(maxAbsDiff(onnx[`final_${s.name}`]!.data, run.final[s.name]!), `final_${s.name}`).toBeLessThan(1e-4);
          }
        });
      }
    }
  }
});
