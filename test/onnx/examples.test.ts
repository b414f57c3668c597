/**
 * Every cell of every examples/*.rnn that is not a model file, compiled by the real front end (compileGraph), exported in
 * both forms and run in ONNX Runtime with random weights, random initial states and uneven
 * lengths, against the float64 reference interpreter on the same IR.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSource, compileGraph, compileUnit } from "../../src/compiler.js";
import { maxError, randomCase, referenceFor, runCase } from "./harness.js";

const EXAMPLES = new URL("../../examples/", import.meta.url);
// Model files are exported by model.ts and checked against the generated module in models.test.ts.
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".rnn") && compileUnit(`examples/${f}`, readFileSync(new URL(f, EXAMPLES), "utf8")).unit?.kind !== "model").sort();

describe("examples/*.rnn in ONNX Runtime", () => {
  it("finds the examples", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const file of files) {
    const path = `examples/${file}`;
    const text = readFileSync(new URL(file, EXAMPLES), "utf8");
    const cells = checkSource(path, text).checked?.cells.map((c) => c.def.name.name) ?? [];
    it(`${file} has a cell`, () => {
      expect(cells.length).toBeGreaterThan(0);
    });
    for (const cell of cells) {
      for (const recurrence of ["unroll", "scan"] as const) {
        it(`${file} ${cell}, ${recurrence}`, async () => {
          const { graph, diagnostics } = compileGraph(path, text, cell);
          expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
          // Distinct sizes per dimension, so a transposed or misread axis cannot go unnoticed.
          const dims = Object.fromEntries(graph!.dims.map((d, i) => [d, 3 + i]));
          const c = { ...randomCase(graph!, dims, 4, 3, 11), lengths: [4, 2, 1] };
          const out = await runCase(c, { steps: 4, recurrence, optionalInputs: false, sourceFile: path, sourceText: text });
          expect(maxError(out, referenceFor(c), c)).toBeLessThan(1e-4);
        });
      }
    }
  }
});
