/**
 * `rnnc onnx` on examples/tied_lm.rnn (`tie readout.W = embed.W`) with PyTorch's tied LM weights
 * (scripts/torch_reference_tie.py, float64 fed as float32): ONNX Runtime reproduces the logits and
 * final states within 1e-4 in every form, and the graph holds the tied matrix as one initializer,
 * `embed.W`, read by both layers' nodes. A weights file that also has `readout.W` is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { decodeModel } from "../../src/backends/onnx/proto.js";
import { writeWeightsFile } from "../../src/weights/index.js";
import { maxAbsDiff } from "./ort.js";
import { runOnnxCli } from "./run-onnx-cli.js";
import { TIE_FIXTURES, tieFixture } from "../helpers/torch-tie.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-onnx-tie-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLE = "examples/tied_lm.rnn";

describe("rnnc onnx on a model with tied weights reproduces PyTorch's tied LM", () => {
  for (const name of TIE_FIXTURES) {
    const f = tieFixture(name);
    const weights = join(dir, `${name}.safetensors`);
    writeWeightsFile(
      weights,
      Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, Float32Array.from(t.data)])),
      Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, t.shape])),
    );

    for (const recurrence of ["unroll", "scan", "native"] as const) {
      it(`${name}, ${recurrence}`, async () => {
        const out = join(dir, `${name}-${recurrence}.onnx`);
        const steps = recurrence === "unroll" ? ["--steps", String(f.steps)] : [];
        const run = await runOnnxCli("onnx", EXAMPLE, "--dims", `V=${f.dims.V},E=${f.dims.E}`, ...steps, "--recurrence", recurrence, "--weights", weights, "--required-inputs", "-o", out);
        expect(run).toEqual({ status: 0, stdout: "", stderr: "" });

        const bytes = readFileSync(out);
        const graph = decodeModel(bytes).graph!;
        const params = graph.initializer!.map((t) => t.name!).filter((n) => n.includes("."));
        expect(params.filter((n) => n === "embed.W")).toHaveLength(1);
        expect(params.filter((n) => n.startsWith("readout."))).toEqual(["readout.b"]);
        // The native form feeds ONNX's LSTM its weights regrouped (under other names); the others keep each param's.
        if (recurrence !== "native") expect(params.sort()).toEqual(["embed.W", "lstm.W_hh", "lstm.W_ih", "lstm.b_hh", "lstm.b_ih", "readout.b"]);
        // One initializer, two readers: the embedding's product and the readout's.
        const readers = graph.node!.filter((n) => n.input!.includes("embed.W")).map((n) => n.name!.split("/")[0]);
        expect(readers.sort()).toEqual(["embed", "readout"]);

        const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
        const feeds: Record<string, ort.Tensor> = {
          tokens: new ort.Tensor("int64", BigInt64Array.from(f.tokens.data, (v) => BigInt(v)), f.tokens.shape),
          sequence_lens: new ort.Tensor("int32", Int32Array.from(f.lengths ?? new Array<number>(f.batch).fill(f.steps)), [f.batch]),
          "initial_lstm.h": new ort.Tensor("float32", Float32Array.from(f.initial["lstm.h"]!.data), [f.batch, f.dims.E]),
          "initial_lstm.c": new ort.Tensor("float32", Float32Array.from(f.initial["lstm.c"]!.data), [f.batch, f.dims.E]),
        };
        const result = await session.run(feeds);
        await session.release();
        expect(result["logits"]!.dims).toEqual(f.outputs.logits.shape);
        expect(maxAbsDiff(result["logits"]!.data as Float32Array, f.outputs.logits.data)).toBeLessThan(1e-4);
        for (const s of ["lstm.h", "lstm.c"]) expect(maxAbsDiff(result[`final_${s}`]!.data as Float32Array, f.final[s]!.data), s).toBeLessThan(1e-4);
      });
    }
  }

  it("refuses a weights file holding the tied key, naming its owner (RNN6001, exit 1)", async () => {
    const f = tieFixture("tie_lm");
    const params = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, Float32Array.from(t.data)]));
    const shapes = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, t.shape]));
    const path = join(dir, "with-tied-key.safetensors");
    writeWeightsFile(path, { ...params, "readout.W": params["embed.W"]! }, { ...shapes, "readout.W": shapes["embed.W"]! });
    const run = await runOnnxCli("onnx", EXAMPLE, "--dims", "V=7,E=4", "--recurrence", "scan", "--weights", path, "--format", "short", "-o", join(dir, "refused.onnx"));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(`error RNN6001: cannot read \`${path}\`: tensor "readout.W" is tied to "embed.W" (\`tie readout.W = embed.W\`): the one array is stored as "embed.W", and "readout.W" must not be in the file\n`);
  });
});
