/**
 * `rnnc onnx` on model files: the exported bidirectional GRU and 2-layer LSTM, with PyTorch's
 * weights (test/fixtures/models, float64 fed as float32) in a safetensors file, reproduce
 * torch.nn.GRU(bidirectional=True) with packed lengths and torch.nn.LSTM(num_layers=2) in ONNX
 * Runtime within 1e-4, in every form; a weights file with a misnamed tensor is a diagnostic.
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
import { modelFixture, paramsFor, statesFor, TORCH_MODEL_CASES } from "../helpers/torch-models.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-onnx-models-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc onnx on a model file reproduces PyTorch", () => {
  for (const c of TORCH_MODEL_CASES) {
    const f = modelFixture(c.fixture);
    const text = readFileSync(new URL(`../../${c.example}`, import.meta.url), "utf8");
    const weights = join(dir, `${c.fixture}.safetensors`);
    const params = Object.fromEntries(Object.entries(paramsFor(c, f)).map(([name, data]) => [name, Float32Array.from(data)]));
    writeWeightsFile(weights, params, unitParamShapes(modelUnit(compileModel(c.example, text).model!), f.dims));

    for (const recurrence of ["unroll", "scan", "native"] as const) {
      it(`${c.fixture}, ${recurrence}`, async () => {
        const out = join(dir, `${c.fixture}-${recurrence}.onnx`);
        // Unrolled over T; the Scan and native forms keep T symbolic.
        const steps = recurrence === "unroll" ? ["--steps", String(f.steps)] : [];
        const run = await runOnnxCli("onnx", c.example, "--dims", `I=${f.dims.I},H=${f.dims.H}`, ...steps, "--recurrence", recurrence, "--weights", weights, "--required-inputs", "-o", out);
        expect(run).toEqual({ status: 0, stdout: "", stderr: "" });

        const session = await ort.InferenceSession.create(readFileSync(out), { logSeverityLevel: 3, extra: { session: { strict_shape_type_inference: "1" } } });
        const feeds: Record<string, ort.Tensor> = {
          x: new ort.Tensor("float32", Float32Array.from(f.x.data), f.x.shape),
          sequence_lens: new ort.Tensor("int32", Int32Array.from(f.lengths ?? new Array<number>(f.batch).fill(f.steps)), [f.batch]),
        };
        for (const [name, data] of Object.entries(statesFor(c, f.initial, (s) => `${s}0`))) feeds[`initial_${name}`] = new ort.Tensor("float32", Float32Array.from(data), [f.batch, f.dims.H]);
        const result = await session.run(feeds);
        await session.release();

        expect(result.y!.dims).toEqual(f.outputs.y!.shape);
        expect(maxAbsDiff(result.y!.data as Float32Array, f.outputs.y!.data)).toBeLessThan(1e-4);
        for (const [name, want] of Object.entries(statesFor(c, f.outputs, (s) => `${s}_T`))) {
          expect(maxAbsDiff(result[`final_${name}`]!.data as Float32Array, want), name).toBeLessThan(1e-4);
        }
      });
    }
  }
});

describe("rnnc onnx on a model file: weights and names", () => {
  it("reports a weights file with a misnamed tensor as RNN6001, naming both (exit 1)", async () => {
    const shapes = { "fwd.weight_ih": [12, 3], "fwd.W_hh": [12, 4], "fwd.b_ih": [12], "fwd.b_hh": [12], "bwd.W_ih": [12, 3], "bwd.W_hh": [12, 4], "bwd.b_ih": [12], "bwd.b_hh": [12] };
    const path = join(dir, "misnamed.safetensors");
    writeWeightsFile(path, Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, new Float32Array(s.reduce((a, b) => a * b, 1))])), shapes);
    const out = join(dir, "misnamed.onnx");
    const run = await runOnnxCli("onnx", "examples/bigru.rnn", "--dims", "I=3,H=4", "--steps", "5", "--weights", path, "--format", "short", "-o", out);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      `error RNN6001: cannot read \`${path}\`: missing tensor "fwd.W_ih" (expected shape [12, 3]); unexpected tensor "fwd.weight_ih" ` +
        `(the params are "fwd.W_ih", "fwd.W_hh", "fwd.b_ih", "fwd.b_hh", "bwd.W_ih", "bwd.W_hh", "bwd.b_ih", "bwd.b_hh")\n`,
    );
  });

  it("takes the model by name with --cell, and asks for the model's dimensions", async () => {
    const out = join(dir, "named.onnx");
    expect(await runOnnxCli("onnx", "examples/bigru.rnn", "--cell", "BiGRU", "--dims", "I=3,H=4", "--recurrence", "scan", "-o", out)).toEqual({ status: 0, stdout: "", stderr: "" });
    const session = await ort.InferenceSession.create(readFileSync(out), { logSeverityLevel: 3 });
    // The default export: every input required, so onnxruntime-node lists (and feeds) them all.
    expect(session.inputNames).toEqual(["x", "initial_fwd.h", "initial_bwd.h", "sequence_lens"]);
    expect(session.outputNames).toEqual(["y", "final_fwd.h", "final_bwd.h"]);
    await session.release();
    const missing = await runOnnxCli("onnx", "examples/bigru.rnn", "--dims", "I=3", "--steps", "2", "-o", out);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("error: --dims: no size for dimension H (the dimensions of model BiGRU are I, H)");
  });

  it("reports an opset too old for a layer's cell at the standard library's line (exit 1)", async () => {
    const run = await runOnnxCli("onnx", "examples/bigru.rnn", "--dims", "I=3,H=4", "--recurrence", "scan", "--opset", "10", "--format", "short", "-o", join(dir, "old.onnx"));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("std/gru.rnn:10:28: error RNN6004: the ONNX back end does not support `Gemm` (for the add at std/gru.rnn:10) at opset 10\n");
  });
});
