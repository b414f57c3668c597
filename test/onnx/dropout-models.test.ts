/**
 * Dropout in an exported model is the identity (an exported model is for inference): the model's
 * own `dropout(…)` becomes an Identity node, a layer's cell's dropout too, and ONNX Runtime computes
 * what the generated module computes outside training, within 1e-4 (float32 both), unrolled and as
 * Scans, with uneven lengths. examples/dropout_lstm.rnn (also in models.test.ts's sweep, with the
 * native form) and test/fixtures/models/dropout_classifier.rnn (a cell with dropout as a layer,
 * dropout of a per-sequence value).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModel } from "../../src/backends/onnx/proto.js";
import { initUnitParams } from "../../src/weights/unit-params.js";
import { modelUnit } from "../../src/check/unit.js";
import { compileBoth, exportFor, largestDifference, randomBatch, runOrt, runTs, type CompiledModel } from "./model-harness.js";

const TOLERANCE = 1e-4;
const FILES = ["examples/dropout_lstm.rnn", "test/fixtures/models/dropout_classifier.rnn"];

describe.each(FILES)("%s exported: dropout is the identity", (file) => {
  let c: CompiledModel;
  let dims: Record<string, number>;
  let params: Record<string, Float32Array>;
  beforeAll(async () => {
    c = await compileBoth(file, readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"));
    dims = Object.fromEntries(c.model.dims.map((d, i) => [d, 3 + i]));
    params = initUnitParams(modelUnit(c.model), dims, 3, "float32") as Record<string, Float32Array>;
  });

  for (const recurrence of ["unroll", "scan"] as const) {
    it(`${recurrence}: ONNX Runtime agrees with the module outside training (lengths 5, 2, 0)`, async () => {
      const b = randomBatch(c, dims, 5, 3, [5, 2, 0], 11);
      const bytes = exportFor(c, { dims, steps: 5, recurrence, params, optionalInputs: false });
      expect(largestDifference(c, await runOrt(c, bytes, b, dims), runTs(c, params, b, dims), b, dims)).toBeLessThan(TOLERANCE);
    });
  }

  it("has one Identity node per dropout of the model, named after it", () => {
    const graph = decodeModel(exportFor(c, { dims, steps: 3, recurrence: "unroll", params })).graph!;
    const sites = c.model.nodes.filter((n) => n.op === "dropout").map((n) => `model/dropout_${n.id}`);
    expect(sites.length).toBe(1);
    const identities = graph.node!.filter((n) => n.opType === "Identity" && sites.includes(n.output![0]!));
    expect(identities.length).toBe(sites.length);
  });
});
