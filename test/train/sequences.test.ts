// The JSON Lines reader and the batches: tokens and the vocabulary of the training split, <unk>,
// string labels, the dims the data fixes, bucketing by length, and time-major batches with lengths.
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/core/dims.js";
import { assemble, epochBatches } from "../../src/train/data/batches.js";
import { readJsonLines } from "../../src/train/data/jsonl.js";
import { readSequences } from "../../src/train/data/sequences.js";
import { tokenize } from "../../src/train/data/tokens.js";
import type { UnitSignature } from "../../src/train/unit.js";

const classifier: UnitSignature = {
  kind: "model",
  name: "Clf",
  dims: ["V", "C"],
  input: { name: "tokens", kind: "index", size: Dim.name("V") },
  targets: [{ name: "label", kind: "index", size: Dim.name("C"), timing: "once" }],
  outputs: [{ name: "logits", kind: "vector", size: Dim.name("C"), timing: "once" }],
  losses: [{ kind: "cross_entropy", target: "label", pred: "logits" }],
};

const read = (sig: UnitSignature, lines: string[], val = 0, seed = 0) =>
  readSequences(sig, readJsonLines("d.jsonl", lines.join("\n")), { file: "d.jsonl", val, seed, tokenize: "words" });

describe("reading labelled text", () => {
  it("cuts words (lower-cased, punctuation apart) or characters", () => {
    expect(tokenize("A fine, FINE film!  Isn't it?", "words")).toEqual(["a", "fine", ",", "fine", "film", "!", "isn't", "it", "?"]);
    expect(tokenize("ab c", "chars")).toEqual(["a", "b", " ", "c"]);
  });

  it("builds the vocabulary from the training split: <unk> is 0, validation's new words read as it", () => {
    const lines = ['{"text": "good film", "label": "pos"}', '{"text": "bad film", "label": "neg"}', '{"text": "awful film", "label": "neg"}', '{"text": "good plot", "label": "pos"}'];
    // Seed 0 holds out one example of four; which one the seed decides.
    const set = read(classifier, lines, 0.25, 0);
    expect(set.train.length).toBe(3);
    expect(set.val.length).toBe(1);
    const held = set.examples[set.val[0]!]!;
    const trainWords = new Set(set.train.flatMap((i) => JSON.parse(lines[i]!).text.split(" ") as string[]));
    expect(set.vocab).toEqual(["<unk>", ...[...trainWords].sort()]);
    const heldWords = (JSON.parse(lines[set.val[0]!]!).text as string).split(" ");
    expect(Array.from(held.input)).toEqual(heldWords.map((w) => (trainWords.has(w) ? set.vocab!.indexOf(w) : 0)));
    expect(set.unknownInVal).toBe(heldWords.filter((w) => !trainWords.has(w)).length);
    // String labels are numbered in sorted order; C is their count, V the vocabulary's size.
    expect(set.labels).toEqual({ label: ["neg", "pos"] });
    expect(set.constraints.map((c) => [c.dim.toString(), c.value, c.exact])).toEqual([
      ["V", set.vocab!.length, true],
      ["C", 2, true],
    ]);
  });

  it("ids fix a lower bound: the largest id + 1", () => {
    const set = read(classifier, ['{"tokens": [4, 17, 9], "label": 2}', '{"tokens": [1], "label": 0}']);
    expect(set.constraints.map((c) => [c.dim.toString(), c.value, c.exact, c.what])).toEqual([
      ["V", 18, false, "d.jsonl:1 has token id 17"],
      ["C", 3, false, "d.jsonl:1 has class id 2 for `label`"],
    ]);
  });
});

describe("batches", () => {
  const lengths = [5, 1, 3, 8, 2, 7, 4, 6, 1, 9];
  const set = read(
    classifier,
    lengths.map((n, i) => JSON.stringify({ tokens: Array.from({ length: n }, (_, t) => t + 1), label: i % 2 })),
  );

  it("cover every training example once per epoch, in an order the seed and epoch decide", () => {
    const e0 = epochBatches(set.train, (i) => lengths[i]!, 3, 7, 0);
    expect(e0.flat().sort((a, b) => a - b)).toEqual(set.train);
    expect(e0.map((b) => b.length).sort()).toEqual([1, 3, 3, 3]);
    expect(epochBatches(set.train, (i) => lengths[i]!, 3, 7, 0)).toEqual(e0);
    expect(epochBatches(set.train, (i) => lengths[i]!, 3, 7, 1)).not.toEqual(e0);
    // Bucketed: within a pool the examples are sorted by length, so consecutive batches do not overlap in length.
    const ranges = e0.map((b) => [Math.min(...b.map((i) => lengths[i]!)), Math.max(...b.map((i) => lengths[i]!))]).sort((a, b) => a[0]! - b[0]!);
    for (let k = 1; k < ranges.length; k++) expect(ranges[k]![0]).toBeGreaterThanOrEqual(ranges[k - 1]![1]!);
  });

  it("are time-major with lengths, zero past each example's length", () => {
    const chunk = assemble(classifier, set.examples, [1, 2], "float32");
    // Example 1 is [1], example 2 is [1, 2, 3]: T = 3, B = 2.
    expect(chunk.steps).toBe(3);
    expect(chunk.lengths).toEqual([1, 3]);
    expect(Array.from(chunk.x)).toEqual([1, 1, 0, 2, 0, 3]);
    expect(Array.from(chunk.targets!["label"]!)).toEqual([1, 0]);
    expect(chunk.resetState).toBe(true);
  });
});
