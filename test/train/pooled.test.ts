// `rnnc train` on a classifier that pools an LSTM's outputs over time (examples/pooled_sentiment.rnn):
// masked mean and max over each sentence's own words, a linear readout, trained from the shipped
// examples/data/sentiment.jsonl to a stated validation accuracy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeIO, readLog, rnnc, ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-pooled-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a sentence classifier pooling over time, from examples/data/sentiment.jsonl", () => {
  it("reaches ≥ 85% validation accuracy in 6 epochs (chance 50%), with V and C filled in from the data", async () => {
    const io = fakeIO();
    const out = join(dir, "pooled.safetensors");
    const args = ["--data", `${ROOT}examples/data/sentiment.jsonl`, "--dims", "E=8,H=16", "--epochs", "6", "--batch", "16", "--lr", "0.02", "--val", "0.1", "--seed", "1", "-o", out];
    expect(await rnnc(io, "train", `${ROOT}examples/pooled_sentiment.rnn`, ...args)).toBe(0);
    expect(io.out.join("")).toMatch(/^training PooledSentiment \(V=60, E=8, H=16, C=2\) on 360 sequences of .*sentiment\.jsonl \(40 more held out for validation\)/);
    const log = readLog(join(dir, "pooled.log.jsonl"));
    expect(log.map((e) => e["epoch"])).toEqual([1, 2, 3, 4, 5, 6]);
    // Measured (float32, seed 1): 50% after epoch 1, 82.5% after epoch 5, 90% after epoch 6 (val loss 0.723 → 0.232).
    expect(log[0]!["val_accuracy"]).toBeLessThan(0.7);
    expect(log[5]!["val_accuracy"]).toBeGreaterThanOrEqual(0.85);
    expect(log[5]!["val_loss"]).toBeLessThan(log[0]!["val_loss"]! / 2);
  });
});
