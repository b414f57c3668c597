// `rnnc ir` and `rnnc init` on a model with tied weights (examples/tied_lm.rnn): the tie is shown
// in the dataflow, and the weights file holds the shared matrix once, under its owner's name, with
// the generated module's init(seed) values.
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
const dir = mkdtempSync(join(tmpdir(), "rnnc-tied-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc on a model with a tie", () => {
  it("ir prints the tie after the layers, with the param that stores the array", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "ir", "examples/tied_lm.rnn")).toBe(0);
    const lines = io.out.join("").split("\n");
    expect(lines.slice(3, 5)).toEqual([
      "  layer readout = TiedReadout(V = V, E = E)  # per step, no state  # examples/tied_lm.rnn:12",
      "  tie readout.W = embed.W  # one array, stored as embed.W; gradients summed  # examples/tied_lm.rnn:26",
    ]);
  });

  it("init writes embed.W once (no readout.W), with the module's init(seed) values", async () => {
    const out = join(dir, "tied.safetensors");
    expect(await rnnc(fakeIO(), "init", "examples/tied_lm.rnn", "--dims", "V=6,E=3", "--seed", "4", "-o", out)).toBe(0);
    const { tensors } = readSafetensors(readFileSync(out));
    const expected = ((await importGenerated("examples/tied_lm.rnn"))["TiedLM"] as (d: object) => { init(seed: number): Record<string, Float32Array> })({ V: 6, E: 3 }).init(4);
    expect(Object.keys(tensors).sort()).toEqual(["embed.W", "lstm.W_hh", "lstm.W_ih", "lstm.b_hh", "lstm.b_ih", "readout.b"]);
    expect(Object.keys(expected).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, values] of Object.entries(expected)) expect(Array.from(tensors[name]!.data), name).toEqual(Array.from(values));
  });
});
