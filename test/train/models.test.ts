// Training model files: the shipped character model (Embedding → LSTM → Linear, per-step
// cross-entropy) and the shipped sequence classifier (GRU → last step → Linear), through the
// generated module's model driver and the same truncated-BPTT trainer as cells.
import { describe, expect, it } from "vitest";
import { adam } from "../../src/runtime/optim.js";
import { CharStreams } from "../../src/train/char-streams.js";
import { asModelBatch, modelParityAccuracy, ParityData } from "../../src/train/parity.js";
import { TbpttTrainer } from "../../src/train/trainer.js";
import { buildVocabulary, encodeText } from "../../src/train/vocabulary.js";
import { ALICE, exampleCell as exampleModel, unigramEntropy } from "./helpers.js";

describe("examples/char_model.rnn on examples/data/alice.txt", () => {
  it("200 Adam steps (E 16, H 32, K 16, B 8, lr 0.02, clip 5, seed 1) take the loss from ≈ ln V to below 2.35 nats", async () => {
    const compiled = await exampleModel("char_model.rnn");
    const vocab = buildVocabulary(ALICE);
    const V = vocab.chars.length;
    const model = compiled.instantiate({ V, E: 16, H: 32 }, { dtype: "float32" });
    const params = model.init(1);
    const streams = new CharStreams(encodeText(ALICE, vocab), V, 8, 16);
    const trainer = new TbpttTrainer(model, params, { optimizer: adam({ lr: 0.02 }), clipNorm: 5 });
    const epochLoss = () => {
      let sum = 0;
      for (let n = 0; n < streams.chunksPerEpoch; n++) sum += trainer.evaluate(streams.idChunk(n, "next"));
      trainer.resetState();
      return sum / streams.chunksPerEpoch;
    };
    // Untrained, the readout's logits are small: close to the uniform guess, ln 59 ≈ 4.08.
    const initial = epochLoss();
    expect(Math.abs(initial - Math.log(V))).toBeLessThan(0.1);
    const losses: number[] = [];
    for (let n = 0; n < 200; n++) losses.push(trainer.step(streams.idChunk(n, "next")).loss);
    const final = epochLoss();
    // Measured: 4.075 before, 2.085 after (float32, this seed); the character frequencies alone give 3.068 nats.
    expect(final).toBeLessThan(2.35);
    expect(final).toBeLessThan(unigramEntropy(ALICE) - 0.6);
    // Deterministic: the same seed and data give the same losses, bit for bit.
    const again = new TbpttTrainer(model, model.init(1), { optimizer: adam({ lr: 0.02 }), clipNorm: 5 });
    for (let n = 0; n < 5; n++) expect(again.step(streams.idChunk(n, "next")).loss).toBe(losses[n]);
  }, 120_000);

  it("a chunk for a model holds the current characters' ids and, as the target, the next ones", () => {
    const ids = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const streams = new CharStreams(ids, 11, 2, 2);
    const chunk = streams.idChunk(1, "next");
    // Streams of length 5 start at 0 and 5; chunk 1 is their steps 2 and 3, time-major.
    expect(Array.from(chunk.x)).toEqual([2, 7, 3, 8]);
    expect(Array.from(chunk.targets!["next"]!)).toEqual([3, 8, 4, 9]);
    expect(chunk.resetState).toBe(false);
  });
});

describe("examples/classifier.rnn", () => {
  it("reaches ≥ 95% on 1000 held-out sequences of length 16 after 400 Adam steps of 32 sequences", async () => {
    const compiled = await exampleModel("classifier.rnn");
    const model = compiled.instantiate({ H: 16 }, { dtype: "float32" });
    const params = model.init(3);
    const trainer = new TbpttTrainer(model, params, { optimizer: adam({ lr: 0.01 }), clipNorm: 1 });
    const data = new ParityData(1, 32, 1, 16);
    const seen = new Set<string>();
    let lastLoss = Infinity;
    for (let n = 0; n < 400; n++) {
      const batch = asModelBatch(data.next());
      batch.sequences.forEach((s) => seen.add(s.join("")));
      lastLoss = trainer.step(batch.chunk).loss;
    }
    const test = asModelBatch(new ParityData(999, 1000, 16, 16).next());
    expect(test.sequences.filter((s) => !seen.has(s.join(""))).length).toBeGreaterThan(980);
    const untrained = modelParityAccuracy(model, model.init(3), test);
    const accuracy = modelParityAccuracy(model, params, test);
    // Chance is 50% (the untrained model is near it); measured: 47% untrained, 100% after training (last loss 0.0015).
    expect(untrained).toBeGreaterThan(0.4);
    expect(untrained).toBeLessThan(0.6);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(lastLoss).toBeLessThan(0.15);
  }, 120_000);
});
