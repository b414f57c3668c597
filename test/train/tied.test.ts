// `rnnc train` on the shipped tied-weight language model (examples/tied_lm.rnn, `tie readout.W =
// embed.W`): its checkpoints hold the one shared matrix under the owner's name, training moves it, and
// a run stopped and resumed from its checkpoint ends with the very weights of one run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/weights/index.js";
import { importGenerated } from "../helpers/generated.js";
import { ALICE, fakeIO, rnnc } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-train-tie-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// 1500 characters: 46 chunks of 4 × 8 per epoch.
const text = join(dir, "alice.txt");
writeFileSync(text, ALICE.slice(0, 1500));
const FLAGS = ["--data", text, "--dims", "E=8", "--steps", "8", "--batch", "4", "--epochs", "2", "--lr", "0.02", "--seed", "1"];
const train = async (out: string, ...more: string[]) => {
  const io = fakeIO();
  const status = await rnnc(io, "train", "examples/tied_lm.rnn", ...FLAGS, ...more, "-o", out);
  expect(status, io.err.join("")).toBe(0);
  return readSafetensors(readFileSync(out)).tensors;
};

describe("rnnc train examples/tied_lm.rnn", () => {
  it("saves one shared matrix, moved by training; a resumed run ends where one run does, bit for bit", async () => {
    const once = await train(join(dir, "once.safetensors"));
    expect(Object.keys(once).sort()).toEqual(["embed.W", "lstm.W_hh", "lstm.W_ih", "lstm.b_hh", "lstm.b_ih", "readout.b"]);
    const V = once["embed.W"]!.shape[1]!;
    const init = ((await importGenerated("examples/tied_lm.rnn"))["TiedLM"] as (d: object) => { init(seed: number): Record<string, Float32Array> })({ V, E: 8 }).init(1);
    expect(Array.from(once["embed.W"]!.data)).not.toEqual(Array.from(init["embed.W"]!));

    const split = join(dir, "split.safetensors");
    await train(split, "--iterations", "30");
    const resumed = await train(join(dir, "resumed.safetensors"), "--resume", split);
    for (const [name, t] of Object.entries(once)) expect(Array.from(resumed[name]!.data), name).toEqual(Array.from(t.data));
  }, 120_000);
});
