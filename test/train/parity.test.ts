// The parity classifier (examples/parity.rnn) learns parity of bit sequences of lengths 1–16, with
// the loss seeded only at each sequence's last step, and gets held-out sequences right.
import { describe, expect, it } from "vitest";
import { adam } from "../../src/runtime/optim.js";
import { ParityData, parityAccuracy } from "../../src/train/parity.js";
import { TbpttTrainer } from "../../src/train/trainer.js";
import { exampleCell } from "./helpers.js";

describe("examples/parity.rnn", () => {
  it("reaches ≥ 95% on 1000 held-out sequences of length 16 after 400 Adam steps of 32 sequences", async () => {
    const compiled = await exampleCell("parity.rnn");
    const cell = compiled.instantiate({ H: 16 }, { dtype: "float32" });
    const params = cell.init(3);
    const trainer = new TbpttTrainer(cell, params, { optimizer: adam({ lr: 0.01 }), clipNorm: 1 });
    const data = new ParityData(1, 32, 1, 16);
    const seen = new Set<string>();
    let lastLoss = Infinity;
    for (let n = 0; n < 400; n++) {
      const batch = data.next();
      batch.sequences.forEach((s) => seen.add(s.join("")));
      lastLoss = trainer.step(batch.chunk).loss;
    }
    // Held out: a different seed, all of length 16, none of them among the sequences trained on.
    const test = new ParityData(999, 1000, 16, 16).next();
    const unseen = test.sequences.filter((s) => !seen.has(s.join(""))).length;
    expect(unseen).toBeGreaterThan(980);
    const accuracy = parityAccuracy(cell, params, test);
    const heldOutOnly = accuracyOnUnseen(cell, params, test, seen);
    // Chance is 50%; measured: 100% (loss at the last step ≈ 0.001).
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(heldOutOnly).toBeGreaterThanOrEqual(0.95);
    expect(lastLoss).toBeLessThan(0.1);
  });

  it("an untrained classifier is at chance, so the accuracy above is learned", async () => {
    const compiled = await exampleCell("parity.rnn");
    const cell = compiled.instantiate({ H: 16 }, { dtype: "float32" });
    const accuracy = parityAccuracy(cell, cell.init(3), new ParityData(999, 1000, 16, 16).next());
    expect(accuracy).toBeGreaterThan(0.4);
    expect(accuracy).toBeLessThan(0.6);
  });

  it("labels are the parity of the bits, and the loss is seeded at the last step of each sequence only", () => {
    const { chunk, labels, sequences } = new ParityData(5, 6, 1, 5, "float64").next();
    sequences.forEach((bits, b) => {
      expect(labels[b]).toBe(bits.filter((v) => v === 1).length % 2);
      expect(chunk.lengths![b]).toBe(bits.length);
      bits.forEach((bit, t) => {
        const row = Array.from(chunk.x.subarray((t * 6 + b) * 4, (t * 6 + b + 1) * 4));
        expect(row).toEqual([bit === 0 ? 1 : 0, bit === 1 ? 1 : 0, labels[b] === 0 ? 1 : 0, labels[b] === 1 ? 1 : 0]);
      });
      for (let t = 0; t < chunk.steps; t++) expect(chunk.lossWeights![t * 6 + b]).toBe(t === bits.length - 1 ? 1 / 6 : 0);
    });
  });
});

function accuracyOnUnseen(
  cell: Parameters<typeof parityAccuracy>[0],
  params: Parameters<typeof parityAccuracy>[1],
  batch: Parameters<typeof parityAccuracy>[2],
  seen: ReadonlySet<string>,
): number {
  const run = cell.forward(params, batch.chunk.x, { batch: batch.chunk.batch, steps: batch.chunk.steps, lengths: batch.chunk.lengths! });
  const logits = run.outputs["logits"]!;
  let total = 0;
  let correct = 0;
  batch.sequences.forEach((bits, b) => {
    if (seen.has(bits.join(""))) return;
    const row = ((bits.length - 1) * batch.chunk.batch + b) * 2;
    total++;
    if ((logits[row + 1]! > logits[row]! ? 1 : 0) === batch.labels[b]) correct++;
  });
  return correct / total;
}
