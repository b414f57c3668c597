// Truncated BPTT: carrying the state across chunks computes the same forward pass as one long run,
// and each chunk's gradient is that of its own run from the carried state (cut at the boundary).
import { describe, expect, it } from "vitest";
import type { ParamOptimizer } from "../../src/runtime/optim.js";
import { sgd } from "../../src/runtime/optim.js";
import { CharStreams } from "../../src/train/char-streams.js";
import { TbpttTrainer, type Chunk, type NamedArrays } from "../../src/train/trainer.js";
import { buildVocabulary, encodeText } from "../../src/train/vocabulary.js";
import { ALICE, exampleCell } from "./helpers.js";

const TEXT = ALICE.slice(0, 2000);
const K = 6;
const B = 3;

/** An optimizer that changes nothing and records the gradients it is given. */
function recorder(): ParamOptimizer & { seen: Record<string, Float64Array>[] } {
  const seen: Record<string, Float64Array>[] = [];
  return {
    kind: "sgd",
    steps: 0,
    state: {},
    seen,
    step: (_p: NamedArrays, g: NamedArrays) => void seen.push(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Float64Array.from(v)]))),
  };
}

/** Chunks 0..n−1 glued along time into one [n·K, B, 2V] input. */
function concatenate(chunks: readonly Chunk[]): Float64Array {
  const out = new Float64Array(chunks.reduce((n, c) => n + c.x.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c.x, at);
    at += c.x.length;
  }
  return out;
}

describe("truncated BPTT over examples/char_lstm.rnn (float64)", async () => {
  const compiled = await exampleCell("char_lstm.rnn");
  const vocab = buildVocabulary(TEXT);
  const V = vocab.chars.length;
  const streams = new CharStreams(encodeText(TEXT, vocab), V, B, K, "float64");
  const cell = compiled.instantiate({ V, H: 5 }, { dtype: "float64" });
  const params = cell.init(11);

  it("three chunks with the state carried give the outputs and final state of one run over all 3K steps", () => {
    const chunks = [0, 1, 2].map((n) => streams.chunk(n));
    const long = cell.forward(params, concatenate(chunks), { batch: B, steps: 3 * K });
    let initial: NamedArrays | undefined;
    chunks.forEach((chunk, n) => {
      const run = cell.forward(params, chunk.x, { batch: B, steps: K, ...(initial ? { initial } : {}) });
      for (const name of ["logits", "nll"]) {
        const part = run.outputs[name]!;
        const whole = long.outputs[name]!.subarray(n * part.length, (n + 1) * part.length);
        part.forEach((v, i) => expect(v).toBeCloseTo(whole[i]!, 12));
      }
      initial = run.final;
    });
    for (const s of ["h", "c"]) initial![s]!.forEach((v, i) => expect(v).toBeCloseTo(long.final[s]![i]!, 12));
  });

  it("the trainer carries the state: its losses per chunk are the long run's, chunk by chunk", () => {
    const chunks = [0, 1, 2].map((n) => streams.chunk(n));
    const long = cell.forward(params, concatenate(chunks), { batch: B, steps: 3 * K }).outputs["nll"]!;
    const trainer = new TbpttTrainer(cell, params, { optimizer: recorder() });
    chunks.forEach((chunk, n) => {
      let mean = 0;
      for (let i = n * K * B; i < (n + 1) * K * B; i++) mean += long[i]! / (K * B);
      expect(trainer.step(chunk).loss).toBeCloseTo(mean, 12);
    });
  });

  it("a chunk's gradient is its own run's from the carried state, seeded with 1/(K·B): nothing flows into the previous chunk", () => {
    const rec = recorder();
    const trainer = new TbpttTrainer(cell, params, { optimizer: rec });
    const [c0, c1] = [streams.chunk(0), streams.chunk(1)];
    trainer.step(c0);
    trainer.step(c1);
    const first = cell.forward(params, c0.x, { batch: B, steps: K });
    const second = cell.forward(params, c1.x, { batch: B, steps: K, initial: first.final });
    const expected = cell.backward(second, { outputs: { nll: new Float64Array(K * B).fill(1 / (K * B)) } }).params;
    for (const [name, g] of Object.entries(expected)) g.forEach((v, i) => expect(rec.seen[1]![name]![i]).toBeCloseTo(v, 14));
    // Full BPTT through both chunks differs: the truncation is real.
    const both = cell.forward(params, concatenate([c0, c1]), { batch: B, steps: 2 * K });
    const seed = new Float64Array(2 * K * B);
    seed.fill(1 / (K * B), K * B);
    const full = cell.backward(both, { outputs: { nll: seed } }).params;
    const differs = Object.keys(full).some((n) => full[n]!.some((v, i) => Math.abs(v - rec.seen[1]![n]![i]!) > 1e-9));
    expect(differs).toBe(true);
  });

  it("the state starts from zero again at each epoch's first chunk", () => {
    const rec = recorder();
    const trainer = new TbpttTrainer(cell, params, { optimizer: rec });
    const first = trainer.step(streams.chunk(0)).loss;
    trainer.step(streams.chunk(1));
    expect(streams.chunk(streams.chunksPerEpoch).resetState).toBe(true);
    for (let n = 2; n <= streams.chunksPerEpoch; n++) trainer.step(streams.chunk(n));
    // Chunk chunksPerEpoch is chunk 0 again, from zeros, with the same params: the same loss.
    expect(trainer.evaluate(streams.chunk(streams.chunksPerEpoch))).toBe(first);
  });

  it("is deterministic: the same seed and chunks give bit-identical params", () => {
    const train = () => {
      const p = cell.init(4);
      const t = new TbpttTrainer(cell, p, { optimizer: sgd({ lr: 0.5, momentum: 0.9 }), clipNorm: 1 });
      for (let n = 0; n < 4; n++) t.step(streams.chunk(n));
      return cell.saveParams(p);
    };
    expect(Buffer.from(train()).equals(Buffer.from(train()))).toBe(true);
  });
});

describe("divergence", () => {
  /** A stand-in cell whose loss is whatever the test says: only the trainer's reaction is under test. */
  const fakeCell = (loss: number, grad: number) => ({
    paramShapes: { w: [1] },
    init: () => ({ w: Float64Array.of(0) }),
    forward: () => ({ outputs: { nll: Float64Array.of(loss) }, final: {} }),
    backward: () => ({ params: { w: Float64Array.of(grad) } }),
    saveParams: () => new Uint8Array(),
    loadParams: () => ({ w: Float64Array.of(0) }),
  });
  const chunk: Chunk = { x: new Float64Array(1), steps: 1, batch: 1, resetState: true };

  it("a NaN loss or an infinite gradient stops training with the iteration, and leaves the params alone", () => {
    const p = { w: Float64Array.of(0.5) };
    expect(() => new TbpttTrainer(fakeCell(Number.NaN, 1), p, { optimizer: sgd({ lr: 1 }) }).step(chunk)).toThrow(
      "training diverged at iteration 1: the loss is NaN; try a smaller --lr or --clip-norm 1",
    );
    expect(() => new TbpttTrainer(fakeCell(1, Infinity), p, { optimizer: sgd({ lr: 1 }), clipNorm: 1 }).step(chunk)).toThrow(
      "training diverged at iteration 1: the gradient norm is Infinity",
    );
    expect(p.w[0]).toBe(0.5);
  });

  it("a cell without the loss output is named", () => {
    const cell = { ...fakeCell(1, 1), forward: () => ({ outputs: { y: Float64Array.of(1) }, final: {} }) };
    expect(() => new TbpttTrainer(cell, { w: Float64Array.of(0) }, { optimizer: sgd({ lr: 1 }) }).step(chunk)).toThrow(
      "the cell has no output `nll` (its outputs are y); training needs a per-step scalar loss",
    );
  });
});
