/**
 * `rnnc onnx`, in process (the command is registered here directly; wiring it into the
 * program's command list is the CLI's business): the written model runs in ONNX Runtime and
 * reproduces the PyTorch vectors; mistakes give diagnostics (exit 1) or usage errors (exit 2).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runOnnxCli } from "./run-onnx-cli.js";
import { writeWeightsFile } from "../../src/weights/index.js";
import { float, int32, loadVectors, maxAbsDiff, paramsFromVectors, runModel } from "./ort.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-onnx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rnnc = runOnnxCli;

describe("rnnc onnx", () => {
  const v = loadVectors("lstm");
  const weights = join(dir, "lstm.safetensors");
  const params = paramsFromVectors(v);
  writeWeightsFile(weights, params, { W_ih: [16, 3], W_hh: [16, 4], b_ih: [16], b_hh: [16] });

  for (const recurrence of ["unroll", "scan"]) {
    it(`writes a ${recurrence} model that reproduces the PyTorch LSTM vectors`, async () => {
      const model = join(dir, `lstm-${recurrence}.onnx`);
      const run = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=4", "--steps", "5", "--recurrence", recurrence, "--weights", weights, "--required-inputs", "-o", model);
      expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
      const out = await runModel(readFileSync(model), {
        x: float(v.x.shape, v.x.data),
        initial_h: float(v.initial.h0!.shape, v.initial.h0!.data),
        initial_c: float(v.initial.c0!.shape, v.initial.c0!.data),
        sequence_lens: int32([2], [5, 5]),
      });
      expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(1e-4);
      expect(maxAbsDiff(out.final_c!.data, v.outputs.c_T!.data)).toBeLessThan(1e-4);
    });
  }

  it("is deterministic for a seed, and the seed matters", async () => {
    const paths = ["a", "b", "c"].map((n) => join(dir, `seed-${n}.onnx`));
    for (const [path, seed] of [[paths[0]!, "3"], [paths[1]!, "3"], [paths[2]!, "4"]] as const) {
      expect((await rnnc("onnx", "examples/gru.rnn", "--dims", "I=3,H=4", "--recurrence", "scan", "--seed", seed, "-o", path)).status).toBe(0);
    }
    const [a, b, c] = paths.map((p) => readFileSync(p));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(c!)).toBe(false);
  });

  it("reports an opset too old for the cell as a diagnostic at the source (exit 1)", async () => {
    const run = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=4", "--steps", "2", "--opset", "10", "--format", "short", "-o", join(dir, "x.onnx"));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("examples/lstm.rnn:11:28: error RNN6004: the ONNX back end does not support `Gemm` (for the add at examples/lstm.rnn:11) at opset 10\n");
  });

  it("reports the program's errors and writes nothing (exit 1)", async () => {
    const model = join(dir, "broken.onnx");
    const run = await rnnc("onnx", "test/cli/fixtures/shape-error.rnn", "--dims", "I=3,H=4,E=2", "--steps", "2", "--format", "short", "-o", model);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("error RNN3004: matrix product `W @ x` has mismatched inner dimensions: I vs E");
    expect(existsSync(model)).toBe(false);
  });

  it("reports an unreadable or mismatched weights file (exit 1)", async () => {
    const missing = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=4", "--steps", "2", "--weights", join(dir, "none.safetensors"), "--format", "short", "-o", join(dir, "x.onnx"));
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain("error RNN6001: cannot read `");
    expect(missing.stdout).toContain("none.safetensors`: no such file or directory");
    const wrongDims = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=5", "--steps", "2", "--weights", weights, "--format", "short", "-o", join(dir, "x.onnx"));
    expect(wrongDims.status).toBe(1);
    expect(wrongDims.stdout).toContain("lstm.safetensors`: tensor \"W_ih\": expected shape [20, 3], found [16, 3];");
  });

  it("reports command-line mistakes as usage errors (exit 2), and dims the cell cannot take as errors (exit 1)", async () => {
    const out = join(dir, "x.onnx");
    const noH = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3", "--steps", "2", "-o", out);
    expect([noH.status, noH.stderr.split("\n")[0]]).toEqual([1, "error: --dims: no size for dimension H (the dimensions of cell LSTM are I, H)"]);
    const badDims = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H", "--steps", "2", "-o", out);
    expect([badDims.status, badDims.stderr.split("\n")[0]]).toEqual([2, "error: option '--dims <I=32,H=64>' argument 'I=3,H' is invalid. expected NAME=SIZE, found `H` (no `=`); like I=32,H=64."]);
    const noSteps = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=4", "-o", out);
    expect([noSteps.status, noSteps.stderr.split("\n")[0]]).toEqual([2, "error: the unrolled form needs a fixed number of steps (--steps T); give one, or use the scan form, which keeps T symbolic"]);
    const badOpset = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=3,H=4", "--steps", "2", "--opset", "30", "-o", out);
    expect([badOpset.status, badOpset.stderr.split("\n")[0]]).toEqual([2, "error: opset must be an integer from 7 to 22 (the newest onnxruntime-node 1.22 loads), found 30"]);
  });
});
