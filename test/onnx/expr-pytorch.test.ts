/**
 * `rnnc onnx` on models with pooling over time, numbers and elementwise built-ins between
 * sequences: with PyTorch's weights (test/fixtures/models/expr_*.json, float64 fed as float32) the
 * export reproduces scripts/torch_reference_expr.py's outputs and final states in ONNX Runtime
 * within 1e-4, unrolled, as a Scan and with ONNX's LSTM/GRU — with lengths too, one of them 0
 * (its outputs zero, its states kept).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler.js";
import { writeWeightsFile } from "../../src/weights/index.js";
import { unitParamShapes } from "../../src/weights/unit-params.js";
import { modelUnit } from "../../src/check/unit.js";
import { maxAbsDiff } from "./ort.js";
import { runOnnxCli } from "./run-onnx-cli.js";
import { EXPR_FIXTURES, exprFixture } from "../helpers/torch-expr.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-onnx-expr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc onnx on model expressions reproduces PyTorch", () => {
  for (const name of EXPR_FIXTURES) {
    const f = exprFixture(name);
    const text = readFileSync(new URL(`../../${f.program}`, import.meta.url), "utf8");
    const weights = join(dir, `${name}.safetensors`);
    const params = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, Float32Array.from(t.data)]));
    writeWeightsFile(weights, params, unitParamShapes(modelUnit(compileModel(f.program, text).model!), f.dims));
    const dims = Object.entries(f.dims).map(([k, v]) => `${k}=${v}`).join(",");

    // Every form at the default opset; the reductions' and Unsqueeze's older forms at 11 and 13, the newest at 18.
    const forms = [...(["unroll", "scan", "native"] as const).map((r) => [r, undefined] as const), ...(name.endsWith("_lengths") ? ([11, 13, 18] as const).map((o) => ["scan", o] as const) : [])];
    for (const [recurrence, opset] of forms) {
      it(`${name}, ${recurrence}${opset ? `, opset ${opset}` : ""}`, async () => {
        const out = join(dir, `${name}-${recurrence}-${opset ?? "default"}.onnx`);
        const steps = recurrence === "unroll" ? ["--steps", String(f.steps)] : [];
        const opsetArgs = opset ? ["--opset", String(opset)] : [];
        const run = await runOnnxCli("onnx", f.program, "--dims", dims, ...steps, ...opsetArgs, "--recurrence", recurrence, "--weights", weights, "--required-inputs", "-o", out);
        expect(run).toEqual({ status: 0, stdout: "", stderr: "" });

        const session = await ort.InferenceSession.create(readFileSync(out), { logSeverityLevel: 3, extra: { session: { strict_shape_type_inference: "1" } } });
        const feeds: Record<string, ort.Tensor> = {
          x: new ort.Tensor("float32", Float32Array.from(f.x.data), f.x.shape),
          sequence_lens: new ort.Tensor("int32", Int32Array.from(f.lengths ?? new Array<number>(f.batch).fill(f.steps)), [f.batch]),
        };
        for (const [k, t] of Object.entries(f.initial)) feeds[`initial_${k}`] = new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
        const result = await session.run(feeds);
        await session.release();

        for (const [k, want] of Object.entries(f.outputs)) {
          expect(result[k]!.dims, k).toEqual(want.shape);
          expect(maxAbsDiff(result[k]!.data as Float32Array, want.data), k).toBeLessThan(1e-4);
        }
        for (const [k, want] of Object.entries(f.final)) expect(maxAbsDiff(result[`final_${k}`]!.data as Float32Array, want.data), k).toBeLessThan(1e-4);
      });
    }
  }
});
