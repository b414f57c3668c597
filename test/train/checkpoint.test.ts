// Checkpoints: a run stopped part-way and resumed writes the very weights an uninterrupted run
// writes (Adam's moments, the data order and a text's carried state included); a NaN stops the
// run naming the step and leaves the last good weights on disk.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stateFileOf } from "../../src/train/checkpoint.js";
import { train, type TrainOptions } from "../../src/train/train.js";
import { ALICE, fakeIO, readLog, rnnc, ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

describe("--resume", () => {
  it("after a run stopped mid-epoch, gives the weights, training state and log of an uninterrupted run, bit for bit (Adam, JSON Lines)", async () => {
    const setup = [`${ROOT}examples/regressor.rnn`, "--data", `${ROOT}examples/data/signals.jsonl`, "--dims", "H=6", "--epochs", "3", "--batch", "32", "--lr", "0.02", "--seed", "4"];
    const [part, resumed, straight] = ["part", "resumed", "straight"].map((n) => join(dir, `${n}.safetensors`)) as [string, string, string];
    // 9 batches per epoch: 13 steps stop in the middle of the second epoch.
    expect(await rnnc(fakeIO(), "train", ...setup, "--iterations", "13", "-o", part)).toBe(0);
    const io = fakeIO();
    expect(await rnnc(io, "train", ...setup, "--resume", part, "-o", resumed)).toBe(0);
    expect(io.out.join("")).toContain(`9 batches of up to 32 per epoch, 3 epochs, 14 iterations from iteration 13 of ${part}\n`);
    expect(await rnnc(fakeIO(), "train", ...setup, "-o", straight)).toBe(0);
    expect(same(resumed, straight)).toBe(true);
    expect(same(stateFileOf(resumed), stateFileOf(straight))).toBe(true);
    expect(readFileSync(join(dir, "resumed.log.jsonl"), "utf8")).toBe(readFileSync(join(dir, "straight.log.jsonl"), "utf8"));
    expect(readLog(join(dir, "straight.log.jsonl")).map((e) => e["step"])).toEqual([9, 18, 27]);
    expect(same(part, straight)).toBe(false);
  });

  it("from the last checkpoint a crashed run left on disk, goes on to the same weights (a text: the carried state is in the checkpoint)", async () => {
    const text = ALICE.slice(0, 3000);
    const base: TrainOptions = {
      file: "examples/char_model.rnn",
      source: readFileSync(`${ROOT}examples/char_model.rnn`, "utf8"),
      dataFile: "alice.txt",
      data: Buffer.from(text),
      dims: { E: 4, H: 8 },
      steps: 8,
      batch: 4,
      epochs: 2,
      optimizer: { name: "adam", lr: 0.01 },
      clipNorm: 5,
      seed: 2,
      saveEvery: 7,
      output: join(dir, "lm.safetensors"),
    };
    // 93 chunks per epoch. At step 25 "the machine crashes": what is on disk is the checkpoint of step 21.
    const crashed = join(dir, "crash");
    mkdirSync(crashed);
    const run = await train({
      ...base,
      onProgress: (p) => {
        if (p.iteration !== 25) return;
        copyFileSync(base.output, join(crashed, "lm.safetensors"));
        copyFileSync(stateFileOf(base.output), join(crashed, "lm.state.safetensors"));
      },
    });
    expect(run.result!.position.step).toBe(186);
    const from = join(crashed, "lm.safetensors");
    const again = await train({ ...base, output: join(dir, "lm2.safetensors"), resume: { file: from, bytes: readFileSync(from) } });
    expect(again.result!.losses.length).toBe(186 - 21);
    expect(same(join(dir, "lm2.safetensors"), base.output)).toBe(true);
  });

  it("refuses a checkpoint without its training state, or one for another seed", async () => {
    const setup = [`${ROOT}examples/regressor.rnn`, "--data", `${ROOT}examples/data/signals.jsonl`, "--dims", "H=4", "--epochs", "1", "--batch", "64"];
    const w = join(dir, "one.safetensors");
    expect(await rnnc(fakeIO(), "train", ...setup, "--seed", "1", "-o", w)).toBe(0);
    let io = fakeIO();
    expect(await rnnc(io, "train", ...setup, "--seed", "2", "--resume", w, "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(`error: --resume ${w}: the run used --seed 1, this one --seed 2 (the seed decides the data's order: resume with --seed 1)\n`);
    rmSync(stateFileOf(w));
    io = fakeIO();
    expect(await rnnc(io, "train", ...setup, "--seed", "1", "--resume", w, "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toContain(`error: --resume ${w}: there is no ${stateFileOf(w)} beside it`);
  });
});

describe("a NaN in a batch", () => {
  it("stops the run with a message naming the step (exit 1) and keeps the last good weights on disk", async () => {
    // Line 40's first x is 1e39: finite in the file, Infinity as float32 — the GRU's gates saturate, so
    // the loss stays finite, but the gradient becomes NaN (∞ · 0) at the step whose batch holds it.
    const lines = readFileSync(`${ROOT}examples/data/signals.jsonl`, "utf8").trimEnd().split("\n");
    const bad = JSON.parse(lines[39]!) as { x: number[][]; y: number[][] };
    bad.x[0]![0] = 1e39;
    lines[39] = JSON.stringify(bad);
    const file = join(dir, "nan.jsonl");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const setup = [`${ROOT}examples/regressor.rnn`, "--data", file, "--dims", "H=4", "--epochs", "2", "--batch", "16", "--lr", "0.01", "--seed", "3"];
    const out = join(dir, "nan.safetensors");
    const io = fakeIO();
    expect(await rnnc(io, "train", ...setup, "-o", out)).toBe(1);
    const match = /^error: training diverged at iteration (\d+): the gradient norm is NaN; try a smaller --lr or --clip-norm 1\nkept the weights of the last good step \((\d+)\) in (.*)\n$/.exec(io.err.join(""));
    expect(match).not.toBeNull();
    const step = Number(match![1]);
    expect(Number(match![2])).toBe(step - 1);
    expect(match![3]).toBe(out);
    expect(step).toBeGreaterThan(1);
    // The weights on disk are those of a run that stopped just before that step.
    const before = join(dir, "before.safetensors");
    expect(await rnnc(fakeIO(), "train", ...setup, "--iterations", String(step - 1), "-o", before)).toBe(0);
    expect(same(out, before)).toBe(true);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });
});
