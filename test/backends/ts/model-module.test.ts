// The generated module of a model: what its driver computes (losses, last, reverse within
// lengths, ids) checked against direct computations from its own layers' outputs, the errors it
// gives a caller, and the training API it exports.
import { describe, expect, it } from "vitest";
import { compileToTypeScript } from "../../../src/compiler.js";
import { loadGeneratedModule } from "../../../src/backends/ts/load.js";

type Arr = Float64Array;
type Model = {
  paramShapes: Record<string, number[]>;
  init(seed: number): Record<string, Arr>;
  forward(p: Record<string, ArrayLike<number>>, x: ArrayLike<number>, o: Record<string, unknown>): { outputs: Record<string, Arr>; final: Record<string, Arr>; loss?: number };
  backward(run: unknown, seeds?: Record<string, unknown>): { params: Record<string, Arr>; x?: Arr; initial: Record<string, Arr> };
};

async function load(source: string): Promise<Record<string, unknown>> {
  const r = compileToTypeScript("m.rnn", source);
  if (!r.code) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return loadGeneratedModule(r.code);
}

const TAGGER = `
import GRU, Linear from std
model Tagger(V, H, C) {
  input tokens: index(V)
  target tags: index(C)
  target score: [1]
  layer rnn = GRU(V, H)
  layer head = Linear(H, C)
  layer value = Linear(H, 1)
  let h = rnn(tokens)
  output logits = head(h)
  output backwards = reverse(h)
  output summary = value(last(h))
  loss cross_entropy(logits, tags)
  loss mse(summary, score)
}`;

describe("a model's generated module", () => {
  const dims = { V: 5, H: 3, C: 4 };
  const B = 2;
  const T = 4;
  const lengths = [4, 2];
  const tokens = [0, 4, 1, 3, 2, 0, 3, 0];
  const tags = [1, 0, 3, 2, 0, 0, 2, 0];
  const score = [0.5, -1];

  it("computes the mean cross-entropy over valid steps plus the MSE of the per-sequence value", async () => {
    const m = ((await load(TAGGER))["Tagger"] as (d: object, o: object) => Model)(dims, { dtype: "float64" });
    const run = m.forward(m.init(1), tokens, { batch: B, steps: T, lengths, targets: { tags, score } });
    const logits = run.outputs["logits"]!;
    let ce = 0;
    let n = 0;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        if (t >= lengths[b]!) {
          // Past its length an example's outputs are zero.
          expect(Array.from(logits.subarray((t * B + b) * 4, (t * B + b + 1) * 4))).toEqual([0, 0, 0, 0]);
          continue;
        }
        const row = Array.from(logits.subarray((t * B + b) * 4, (t * B + b + 1) * 4));
        ce += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[tags[t * B + b]!]!;
        n++;
      }
    }
    const summary = run.outputs["summary"]!;
    const mse = ((summary[0]! - 0.5) ** 2 + (summary[1]! + 1) ** 2) / 2;
    expect(run.loss!).toBeCloseTo(ce / n + mse, 12);
  });

  it("reverses each example within its own length, and `last` reads its own last step", async () => {
    const mod = await load(TAGGER);
    const m = (mod["Tagger"] as (d: object, o: object) => Model)(dims, { dtype: "float64" });
    const gru = (mod["GRU"] as (d: object, o: object) => Model)({ I: 5, H: 3 }, { dtype: "float64" });
    const p = m.init(2);
    const run = m.forward(p, tokens, { batch: B, steps: T, lengths });
    const onehot = new Float64Array(T * B * 5);
    tokens.forEach((id, r) => (onehot[r * 5 + id] = 1));
    const h = gru.forward({ W_ih: p["rnn.W_ih"]!, W_hh: p["rnn.W_hh"]!, b_ih: p["rnn.b_ih"]!, b_hh: p["rnn.b_hh"]! }, onehot, { batch: B, steps: T, lengths }).outputs["h"]!;
    const back = run.outputs["backwards"]!;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const got = Array.from(back.subarray((t * B + b) * 3, (t * B + b + 1) * 3));
        const L = lengths[b]!;
        const want = t < L ? Array.from(h.subarray(((L - 1 - t) * B + b) * 3, ((L - 1 - t) * B + b + 1) * 3)) : [0, 0, 0];
        expect(got).toEqual(want);
      }
    }
    // The GRU's final state is each example's state at its own last step, = its last output.
    const final = run.final["rnn.h"]!;
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      expect(Array.from(final.subarray(b * 3, b * 3 + 3))).toEqual(Array.from(h.subarray(((L - 1) * B + b) * 3, ((L - 1) * B + b + 1) * 3)));
    }
  });

  it("reverses ids and takes the last id per example (one id per row, not vectors)", async () => {
    const source = `
import Embedding from std
model R(V) {
  input tokens: index(V)
  layer emb = Embedding(V, V)
  output y = emb(reverse(tokens))
  output z = emb(last(tokens))
}`;
    const m = ((await load(source))["R"] as (d: object, o: object) => Model)({ V: 3 }, { dtype: "float64" });
    const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    // B = 2, T = 3, time-major: example 0 reads 0, 1, 2; example 1 (length 2) reads 2, 1.
    const run = m.forward({ "emb.W": eye }, [0, 2, 1, 1, 2, 0], { batch: 2, steps: 3, lengths: [3, 2] });
    expect(Array.from(run.outputs["y"]!)).toEqual([0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(run.outputs["z"]!)).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it("gives the caller precise errors", async () => {
    const m = ((await load(TAGGER))["Tagger"] as (d: object, o: object) => Model)(dims, { dtype: "float64" });
    const p = m.init(1);
    expect(() => m.forward(p, [0, 9, 1, 3, 2, 0, 3, 0], { batch: B, steps: T })).toThrow("Tagger.forward: tokens[1] must be an integer id between 0 and 4, received 9");
    expect(() => m.forward(p, [0, 1], { batch: B, steps: T })).toThrow("Tagger.forward: tokens must have length 8 (steps 4 × batch 2), received length 2");
    expect(() => m.forward(p, tokens, { batch: B, steps: T, targets: { tags } })).toThrow("Tagger.forward: options.targets.score is missing (batch 2 × 1)");
    expect(() => m.forward(p, tokens, { batch: B, steps: T, initial: { "rnn.c": [0, 0, 0, 0, 0, 0] } })).toThrow('Tagger.forward: options.initial has an unknown key "rnn.c"; the accepted keys are rnn.h');
    const { ["head.W"]: _dropped, ...missing } = p;
    expect(() => m.forward(missing, tokens, { batch: B, steps: T })).toThrow("Tagger.forward: params.head.W is missing (expected shape [4, 3])");
    expect(() => m.backward({})).toThrow("Tagger.backward: run must be the result of forward() of this instance");
  });

  it("forwards for inference only with `tape: false`: the same numbers, and backward refuses that run", async () => {
    // float32 runs on the wasm kernels, where a tape's memory is what `tape: false` gives back.
    const m = ((await load(TAGGER))["Tagger"] as (d: object, o: object) => Model)(dims, { dtype: "float32" });
    const p = m.init(3);
    const opts = { batch: B, steps: T, lengths, targets: { tags, score } };
    const kept = m.forward(p, tokens, opts);
    // More inference runs than the heap keeps tapes for: none of them holds memory, and a later run still differentiates.
    for (let i = 0; i < 6; i++) {
      const free = m.forward(p, tokens, { ...opts, tape: false });
      for (const k of Object.keys(kept.outputs)) expect(Array.from(free.outputs[k]!)).toEqual(Array.from(kept.outputs[k]!));
      expect(Array.from(free.final["rnn.h"]!)).toEqual(Array.from(kept.final["rnn.h"]!));
      expect(free.loss).toBe(kept.loss);
      expect(() => m.backward(free)).toThrow("Tagger.backward: this run was forwarded with `tape: false` (inference only); run forward without it to differentiate");
    }
    const g = m.backward(m.forward(p, tokens, opts)).params;
    const again = m.backward(kept).params;
    for (const k of Object.keys(g)) expect(Array.from(again[k]!)).toEqual(Array.from(g[k]!));
    expect(() => m.forward(p, tokens, { ...opts, tape: "no" })).toThrow("Tagger.forward: options.tape must be true or false, received no");
  });

  it("trainStep is forward with targets, backward of the loss, clipping, one optimizer step — and carries the state", async () => {
    const mod = await load(TAGGER);
    const factory = mod["Tagger"] as (d: object, o: object) => Model & {
      trainStep(p: object, opt: object, x: ArrayLike<number>, o: object, clip?: object): { loss: number; gradNorm: number; final: Record<string, Arr> };
    };
    const adam = mod["adam"] as (c: object) => { step(p: object, g: object): void };
    const clipGradNorm = mod["clipGradNorm"] as (g: object, n: number) => number;
    const m = factory(dims, { dtype: "float64" });
    const a = m.init(4);
    const b = m.init(4);
    const optA = adam({ lr: 0.05 });
    const optB = adam({ lr: 0.05 });
    let state: Record<string, Arr> | undefined;
    for (let i = 0; i < 3; i++) {
      const options = { batch: B, steps: T, lengths, targets: { tags, score }, ...(state ? { initial: state } : {}) };
      const step = m.trainStep(a, optA, tokens, options, { clipNorm: 0.5 });
      // The same by hand.
      const run = m.forward(b, tokens, options);
      const grads = m.backward(run).params;
      const norm = clipGradNorm(grads, 0.5);
      optB.step(b, grads);
      expect(step.loss).toBe(run.loss);
      expect(step.gradNorm).toBe(norm);
      state = step.final;
    }
    for (const name of Object.keys(a)) expect(Array.from(a[name]!), name).toEqual(Array.from(b[name]!));
    expect(() => m.trainStep(a, optA, tokens, { batch: B, steps: T })).toThrow("Tagger.trainStep: options.targets must hold tags, score (the model's loss needs them)");
  });

  it("exports the optimizers and clipping for training", async () => {
    const mod = await load(TAGGER);
    for (const name of ["adam", "sgd", "clipGradNorm", "clipGradValue"]) expect(typeof mod[name], name).toBe("function");
    const m = (mod["Tagger"] as (d: object, o: object) => Model)(dims, { dtype: "float64" });
    const p = m.init(1);
    const opt = (mod["adam"] as (c: object) => { step(p: object, g: object): void })({ lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const run = m.forward(p, tokens, { batch: B, steps: T, lengths, targets: { tags, score } });
      losses.push(run.loss!);
      opt.step(p, m.backward(run).params);
    }
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
  });
});
