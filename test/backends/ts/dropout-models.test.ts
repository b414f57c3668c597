import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { fillDropoutMasks, streamSeed } from "../../../src/runtime/random.js";
import { compileToTypeScript } from "../../../src/compiler.js";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

/**
 * Dropout in models, in training, against PyTorch float64 (fixtures in test/fixtures/models made by
 * scripts/torch_reference_dropout_models.py, which ports the runtime's generator and stores the masks
 * it drew): examples/dropout_lstm.rnn is torch.nn.LSTM(3, 4, num_layers=2, dropout=0.3) with rnnc's
 * mask between the layers, a fresh one per step and example; test/fixtures/models/dropout_classifier.rnn has a
 * variational-dropout GRU layer (its masks from stream 0 of the seed) and dropout on the last step's
 * state (one mask per example, stream 2). Forward, loss and every gradient to 1e-9, with and
 * without lengths; outside training dropout is the identity.
 */
interface Tensor { shape: number[]; data: number[] }
type Arrays = Record<string, Float64Array>;
interface Run { outputs: Arrays; final: Arrays; loss?: number; tape: unknown }
interface Model {
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): Run;
  backward(run: Run, seeds?: Record<string, unknown>): { params: Arrays; x: Float64Array; initial: Arrays };
}
type Factory = (dims: Record<string, number>, options: { dtype: "float64" }) => Model;
const fixture = <T>(name: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as T;
const data = (ts: Record<string, Tensor>) => Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, t.data]));
const slab = (t: Tensor, k: number) => t.data.slice((k * t.data.length) / t.shape[0]!, ((k + 1) * t.data.length) / t.shape[0]!);
const TORCH = { W_ih: "weight_ih", W_hh: "weight_hh", b_ih: "bias_ih", b_hh: "bias_hh" } as const;
const TOL = 1e-9;

interface LstmFixture {
  dims: { I: number; H: number };
  batch: number;
  steps: number;
  lengths?: number[];
  seed: number;
  p: number;
  mask: Tensor;
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Tensor;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}

describe.each(["dropout_lstm_2layer", "dropout_lstm_2layer_lengths"])("examples/dropout_lstm.rnn in training matches PyTorch (%s)", (name) => {
  const f = fixture<LstmFixture>(name);
  let make: Factory;
  beforeAll(async () => {
    make = (await importGenerated("examples/dropout_lstm.rnn")).DropoutLSTM as Factory;
  });
  const params = () => {
    const p: Record<string, number[]> = {};
    for (const k of [0, 1]) for (const [mine, theirs] of Object.entries(TORCH)) p[`l${k}.${mine}`] = f.params[`${theirs}_l${k}`]!.data;
    return p;
  };
  const states = (source: Record<string, Tensor>, key: (s: string) => string) => {
    const out: Record<string, number[]> = {};
    for (const k of [0, 1]) for (const s of ["h", "c"]) out[`l${k}.${s}`] = slab(source[key(s)]!, k);
    return out;
  };
  const options = (training: boolean) => ({
    batch: f.batch,
    steps: f.steps,
    initial: states(f.initial, (s) => `${s}0`),
    ...(f.lengths ? { lengths: f.lengths } : {}),
    ...(training ? { training: true, seed: f.seed } : {}),
  });

  it("the mask is stream 2 of the seed (after the two layers), drawn by the runtime's fillDropoutMasks", () => {
    const mask = new Float64Array(f.mask.data.length);
    fillDropoutMasks(streamSeed(f.seed, 2), [mask], [f.p]);
    expect(Array.from(mask)).toEqual(f.mask.data);
    const dropped = f.mask.data.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(f.mask.data.length);
    // A fresh mask per step: step 0's rows and step 1's differ.
    const perStep = f.batch * f.dims.H;
    expect(f.mask.data.slice(0, perStep)).not.toEqual(f.mask.data.slice(perStep, 2 * perStep));
  });

  it("forward: outputs and final states to 1e-9", () => {
    const r = make(f.dims, { dtype: "float64" }).forward(params(), f.x.data, options(true));
    expect(maxRelError(r.outputs["y"]!, f.outputs["y"]!.data)).toBeLessThan(TOL);
    for (const [k, want] of Object.entries(states(f.outputs, (s) => `${s}_T`))) expect(maxRelError(r.final[k]!, want), k).toBeLessThan(TOL);
  });

  it("backward with the forward's masks: every param, x and initial state to 1e-9", () => {
    const m = make(f.dims, { dtype: "float64" });
    const r = m.forward(params(), f.x.data, options(true));
    const g = m.backward(r, { outputs: { y: f.R.data }, final: states(f.S, (s) => `${s}_T`) });
    for (const k of [0, 1]) for (const [mine, theirs] of Object.entries(TORCH)) expect(maxRelError(g.params[`l${k}.${mine}`]!, f.grads[`${theirs}_l${k}`]!.data), `l${k}.${mine}`).toBeLessThan(TOL);
    expect(maxRelError(g.x, f.grads["x"]!.data)).toBeLessThan(TOL);
    for (const [k, want] of Object.entries(states(f.grads, (s) => `${s}0`))) expect(maxRelError(g.initial[k]!, want), k).toBeLessThan(TOL);
  });

  it("outside training dropout is the identity: the output differs from the training run's", () => {
    const m = make(f.dims, { dtype: "float64" });
    const inference = m.forward(params(), f.x.data, options(false)).outputs["y"]!;
    expect(maxRelError(inference, f.outputs["y"]!.data)).toBeGreaterThan(1e-3);
  });
});

interface ClassifierFixture {
  dims: { I: number; H: number; C: number };
  batch: number;
  steps: number;
  lengths?: number[];
  seed: number;
  params: Record<string, Tensor>;
  x: Tensor;
  labels: number[];
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  cross_entropy: number;
  S: Record<string, Tensor>;
  loss_value: number;
  grads: Record<string, Tensor>;
}

describe.each(["dropout_classifier", "dropout_classifier_lengths"])("test/fixtures/models/dropout_classifier.rnn in training matches PyTorch (%s)", (name) => {
  const f = fixture<ClassifierFixture>(name);
  let make: Factory;
  beforeAll(async () => {
    make = (await importGenerated("test/fixtures/models/dropout_classifier.rnn")).DropoutClassifier as Factory;
  });
  const run = (m: Model, seed = f.seed) =>
    m.forward(data(f.params), f.x.data, { batch: f.batch, steps: f.steps, initial: data(f.initial), targets: { label: f.labels }, training: true, seed, ...(f.lengths ? { lengths: f.lengths } : {}) });

  it("forward: logits, the layer's final state and the loss to 1e-9", () => {
    const r = run(make(f.dims, { dtype: "float64" }));
    expect(maxRelError(r.outputs["logits"]!, f.outputs["logits"]!.data)).toBeLessThan(TOL);
    expect(maxRelError(r.final["l0.h"]!, f.outputs["l0.h"]!.data)).toBeLessThan(TOL);
    expect(Math.abs(r.loss! - f.cross_entropy)).toBeLessThan(TOL);
  });

  it("backward of the loss + Σ h_T ⊙ S: every param, x and the initial state to 1e-9", () => {
    const m = make(f.dims, { dtype: "float64" });
    const g = m.backward(run(m), { final: data(f.S) });
    for (const [k, want] of Object.entries(f.grads)) {
      const mine = k === "x" ? g.x : k === "l0.h" ? g.initial[k] : g.params[k];
      expect(maxRelError(mine!, want.data), k).toBeLessThan(TOL);
    }
  });

  it("the same seed gives the same masks; another seed others", () => {
    const m = make(f.dims, { dtype: "float64" });
    expect(Array.from(run(m).outputs["logits"]!)).toEqual(Array.from(run(m).outputs["logits"]!));
    expect(maxRelError(run(m, f.seed + 1).outputs["logits"]!, f.outputs["logits"]!.data)).toBeGreaterThan(1e-3);
  });
});

describe("the generated module's types", () => {
  // test/backends/ts/module.test.ts type-checks every example's module with tsc --strict.
  const optionsOf = (file: string, model: string) => {
    const code = compileToTypeScript(file, readFileSync(join(ROOT, file), "utf8")).code!;
    const start = code.indexOf(`export interface ${model}ForwardOptions {`);
    return code.slice(start, code.indexOf("\n}", start));
  };
  it("offer training and seed in the forward options exactly when the model has dropout", () => {
    const withDropout = optionsOf("examples/dropout_lstm.rnn", "DropoutLSTM");
    expect(withDropout).toMatch(/\n {4}training\?: boolean;/);
    expect(withDropout).toMatch(/\n {4}seed\?: number;/);
    const without = optionsOf("examples/stacked_lstm.rnn", "StackedLSTM");
    expect(without).toContain("lengths?: ArrayLike<number>;");
    expect(without).not.toContain("training");
    expect(without).not.toContain("seed");
  });
});
