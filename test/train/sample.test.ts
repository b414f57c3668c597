// `rnnc sample` for any model whose per-step output is a distribution over its input's ids: here a
// model trained on JSON Lines of ids (no vocabulary) learns to count modulo 5 and continues a prime.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeIO, rnnc, ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-sample-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc sample on a model trained on ids", () => {
  // 200 runs of counting modulo 5 from a random start; each step's target is the next number.
  const lines: string[] = [];
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
  for (let i = 0; i < 200; i++) {
    const start = next() % 5;
    const n = 4 + (next() % 8);
    const t = Array.from({ length: n + 1 }, (_, k) => (start + k) % 5);
    lines.push(JSON.stringify({ tokens: t.slice(0, -1), y: t.slice(1) }));
  }
  const data = join(dir, "count.jsonl");
  writeFileSync(data, `${lines.join("\n")}\n`);
  const weights = join(dir, "count.safetensors");
  const trained = (async () => {
    const io = fakeIO();
    expect(await rnnc(io, "train", `${ROOT}examples/char_model.rnn`, "--data", data, "--dims", "E=4,H=8", "--epochs", "3", "--lr", "0.05", "--seed", "1", "-o", weights)).toBe(0);
    return io.out.join("");
  })();

  it("fills V from the ids and continues a prime given as ids (greedy: the count goes on)", async () => {
    expect(await trained).toMatch(/^training CharModel \(V=5, E=4, H=8\) on 180 sequences/);
    const io = fakeIO();
    expect(await rnnc(io, "sample", `${ROOT}examples/char_model.rnn`, "--weights", weights, "--prime", "2 3", "--length", "8", "--temperature", "0")).toBe(0);
    expect(io.out.join("")).toBe("2 3 4 0 1 2 3 4 0 1\n");
  });

  it("refuses a prime that is not ids, and a model whose output is not a distribution over its input's ids", async () => {
    await trained;
    let io = fakeIO();
    expect(await rnnc(io, "sample", `${ROOT}examples/char_model.rnn`, "--weights", weights, "--prime", "two")).toBe(1);
    expect(io.err.join("")).toBe('error: --prime: the model was trained on ids, so the prime is ids like "4 17 9"; found "two"\n');
    const sentiment = join(dir, "s.safetensors");
    const setup = ["--data", `${ROOT}examples/data/sentiment.jsonl`, "--dims", "E=2,H=2", "--epochs", "1", "--batch", "400"];
    expect(await rnnc(fakeIO(), "train", `${ROOT}examples/sentiment.rnn`, ...setup, "-o", sentiment)).toBe(0);
    io = fakeIO();
    expect(await rnnc(io, "sample", `${ROOT}examples/sentiment.rnn`, "--weights", sentiment)).toBe(1);
    expect(io.err.join("")).toBe(
      "error: model Sentiment: sampling draws the next id from a per-step output of V scores (a distribution over the input's ids); its outputs are logits: [C] per sequence\n",
    );
  });
});
