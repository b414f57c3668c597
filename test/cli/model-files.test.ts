// `rnnc ir` and `rnnc init` on a model file: the model's dataflow as text, and its `layer.param`
// weights with the values the generated module's init(seed) gives.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { readSafetensors } from "../../src/weights/index.js";
import { importGenerated } from "../helpers/generated.js";

function fakeIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
const rnnc = async (io: CliIO, ...args: string[]) => main(["node", "rnnc", ...args], io);
const dir = mkdtempSync(join(tmpdir(), "rnnc-model-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc ir on a model file", () => {
  it("prints the layers with their bound dimensions, one line per node with its type and timing, outputs and losses", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "ir", "examples/classifier.rnn")).toBe(0);
    expect(io.out.join("")).toBe(
      [
        "model Parity(H)  # examples/classifier.rnn",
        "  layer gru = GRU(I = 2, H = H)  # std/gru.rnn:2",
        "  layer head = Linear(I = H, O = 2)  # per step, no state  # std/linear.rnn:3",
        "  target label: index(2) per sequence",
        "  %0 = input bits : index(2) per step  # examples/classifier.rnn:7",
        "  %1 = onehot(%0) : [2] per step  # examples/classifier.rnn:11",
        "  %2 = gru(%1).h  [run 0] : [H] per step  # examples/classifier.rnn:11",
        "  %3 = last(%2) : [H] per sequence  # examples/classifier.rnn:11",
        "  %4 = head(%3).y  [run 1] : [2] per sequence  # examples/classifier.rnn:11",
        "  output logits = %4",
        "  loss cross_entropy(%4, label)",
        "",
      ].join("\n"),
    );
  });

  it("refuses --grad for a model, saying where the gradients are", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "ir", "examples/bigru.rnn", "--grad")).toBe(1);
    expect(io.err.join("")).toContain("--grad prints a cell's gradient graph");
  });
});

describe("rnnc init on a model file", () => {
  it("writes every layer.param with the generated module's init(seed) values", async () => {
    const out = join(dir, "bigru.safetensors");
    expect(await rnnc(fakeIO(), "init", "examples/bigru.rnn", "--dims", "I=3,H=4", "--seed", "7", "-o", out)).toBe(0);
    const { tensors } = readSafetensors(readFileSync(out));
    const model = ((await importGenerated("examples/bigru.rnn"))["BiGRU"] as (d: object) => { init(seed: number): Record<string, Float32Array> })({ I: 3, H: 4 });
    const expected = model.init(7);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, values] of Object.entries(expected)) expect(Array.from(tensors[name]!.data), name).toEqual(Array.from(values));
    expect(tensors["fwd.W_ih"]!.shape).toEqual([12, 3]);
  });

  it("asks for every dimension of the model", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "init", "examples/bigru.rnn", "--dims", "I=3", "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe("error: --dims: no size for dimension H (the dimensions of model BiGRU are I, H)\n");
  });
});
