// The CLI on a model with several inputs (examples/conditional_char_model.rnn): `rnnc ir` shows each
// input with its timing and a layer applied to two arguments; `rnnc train` refuses it by name, saying
// what it supports; `rnnc onnx` takes each input by its name.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

function fakeIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
const rnnc = async (io: CliIO, ...args: string[]) => main(["node", "rnnc", ...args], io);
const dir = mkdtempSync(join(tmpdir(), "rnnc-inputs-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = "examples/conditional_char_model.rnn";

describe("rnnc on a model with several inputs", () => {
  it("ir: each input with its timing, the layer applied to two arguments (the style per sequence, the run per step)", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "ir", FILE)).toBe(0);
    const lines = io.out.join("").split("\n");
    expect(lines).toContain("  %0 = input tokens : index(V) per step  # examples/conditional_char_model.rnn:11");
    expect(lines).toContain("  %1 = input style : index(G) per sequence  # examples/conditional_char_model.rnn:12");
    expect(lines).toContain("  %5 = style_embed(%4).y  [run 1] : [S] per sequence  # examples/conditional_char_model.rnn:18");
    expect(lines).toContain("  %6 = gru(%3, %5).h  [run 2] : [H] per step  # examples/conditional_char_model.rnn:18");
  });

  it("train: refuses it by name, saying it trains units of one input and how to train this one (exit 1)", async () => {
    const data = join(dir, "train.jsonl");
    writeFileSync(data, '{"tokens": [1, 2, 3]}\n');
    const io = fakeIO();
    expect(await rnnc(io, "train", FILE, "--data", data, "-o", join(dir, "w.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(
      `error: ${FILE}: model ConditionalCharModel reads 2 inputs (\`tokens\`, \`style\`); rnnc train feeds one input sequence per record, so it trains units with one input. ` +
        "Train it from TypeScript with the generated module's trainStep(params, optimizer, { tokens, style }, options), which takes every input by name\n",
    );
  });

  it("onnx: each input by its name, the per-sequence one [batch]", async () => {
    const out = join(dir, "ccm.onnx");
    expect(await rnnc(fakeIO(), "onnx", FILE, "--dims", "V=5,G=3,E=4,S=2,H=3", "--recurrence", "scan", "--required-inputs", "-o", out)).toBe(0);
    const session = await ort.InferenceSession.create(readFileSync(out), { logSeverityLevel: 3 });
    expect(session.inputNames).toEqual(["tokens", "style", "initial_gru.h", "sequence_lens"]);
    const result = await session.run({
      tokens: new ort.Tensor("int64", BigInt64Array.from([1n, 2n, 3n, 4n]), [2, 2]),
      style: new ort.Tensor("int64", BigInt64Array.from([0n, 2n]), [2]),
      "initial_gru.h": new ort.Tensor("float32", new Float32Array(6), [2, 3]),
      sequence_lens: new ort.Tensor("int32", Int32Array.from([2, 1]), [2]),
    });
    await session.release();
    expect(result.logits!.dims).toEqual([2, 2, 5]);
  });
});
