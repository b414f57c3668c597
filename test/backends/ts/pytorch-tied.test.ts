import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";
import { dataOf, TIE_FIXTURES, tieFixture } from "../../helpers/torch-tie.js";
import { paramsToSafetensors } from "../../../src/weights/index.js";

/**
 * Tied weights against PyTorch: examples/tied_lm.rnn (`tie readout.W = embed.W`) is the language
 * model whose `decoder.weight = encoder.weight` (scripts/torch_reference_tie.py, float64), with and
 * without packed lengths. The one stored array `embed.W` gets the sum of both uses' gradients.
 */
type Arr = Float64Array;
interface TiedLM {
  paramShapes: Record<string, number[]>;
  init(seed: number): Record<string, Arr>;
  forward(params: Record<string, ArrayLike<number>>, tokens: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Arr>; final: Record<string, Arr>; loss?: number };
  backward(run: unknown, seeds?: Record<string, unknown>): { params: Record<string, Arr>; initial: Record<string, Arr> };
  trainStep(params: Record<string, Arr>, optimizer: unknown, tokens: ArrayLike<number>, options: Record<string, unknown>): { loss: number };
  loadParams(bytes: Uint8Array): Record<string, Arr>;
  saveParams(params: Record<string, Arr>): Uint8Array;
}
let factory: (dims: Record<string, number>, options?: { dtype?: "float32" | "float64" }) => TiedLM;
let sgd: (config: { lr: number }) => unknown;
beforeAll(async () => {
  const mod = await importGenerated("examples/tied_lm.rnn");
  factory = mod["TiedLM"] as typeof factory;
  sgd = mod["sgd"] as typeof sgd;
});

for (const name of TIE_FIXTURES) {
  describe(`examples/tied_lm.rnn matches PyTorch's tied LM (${name})`, () => {
    const f = tieFixture(name);
    const run = () => {
      const m = factory(f.dims, { dtype: "float64" });
      const r = m.forward(dataOf(f.params), f.tokens.data, {
        batch: f.batch,
        steps: f.steps,
        initial: dataOf(f.initial),
        targets: { next: f.next.data },
        ...(f.lengths ? { lengths: f.lengths } : {}),
      });
      return { m, r };
    };

    it("stores the tied matrix once: the params are PyTorch's parameters(), with no readout.W", () => {
      expect(Object.keys(factory(f.dims).paramShapes).sort()).toEqual(Object.keys(f.params).sort());
      expect(factory(f.dims).paramShapes["embed.W"]).toEqual([f.dims.E, f.dims.V]);
    });

    it("forward: logits, final states and the loss", () => {
      const { r } = run();
      expect(maxRelError(r.outputs["logits"]!, f.outputs.logits.data)).toBeLessThan(1e-9);
      for (const [s, want] of Object.entries(f.final)) expect(maxRelError(r.final[s]!, want.data), s).toBeLessThan(1e-9);
      expect(Math.abs(r.loss! - f.loss)).toBeLessThan(1e-9);
    });

    it("backward: every gradient, the tied one the sum of both uses", () => {
      const { m, r } = run();
      const g = m.backward(r, { outputs: { logits: f.R.data }, final: dataOf(f.S) });
      expect(Object.keys(g.params).sort()).toEqual(Object.keys(f.params).sort());
      for (const p of Object.keys(f.params)) expect(maxRelError(g.params[p]!, f.grads[p]!.data), p).toBeLessThan(1e-9);
      for (const s of ["lstm.h", "lstm.c"]) expect(maxRelError(g.initial[s]!, f.grads[`initial.${s}`]!.data), s).toBeLessThan(1e-9);
    });
  });
}

describe("a tied param in the generated module", () => {
  const dims = { V: 7, E: 4 };
  const f = tieFixture("tie_lm");

  it("init draws the owner's values once; the tied layer's other params are as they would be untied", async () => {
    const p = factory(dims, { dtype: "float64" }).init(3);
    expect(Object.keys(p).sort()).toEqual(["embed.W", "lstm.W_hh", "lstm.W_ih", "lstm.b_hh", "lstm.b_ih", "readout.b"]);
    // The same model untied draws the same embed.W and readout.b (a layer still draws its tied param).
    const text = readFileSync(join(ROOT, "examples/tied_lm.rnn"), "utf8");
    expect(text).toContain("  tie readout.W = embed.W\n");
    const untied = (await importGenerated("examples/tied_lm.rnn", text.replace("  tie readout.W = embed.W\n", ""), "-untied"))["TiedLM"] as typeof factory;
    const q = untied(dims, { dtype: "float64" }).init(3);
    expect(Array.from(p["embed.W"]!)).toEqual(Array.from(q["embed.W"]!));
    expect(Array.from(p["readout.b"]!)).toEqual(Array.from(q["readout.b"]!));
    expect(Array.from(q["readout.W"]!)).not.toEqual(Array.from(q["embed.W"]!));
  });

  it("refuses the tied key in params and in a weights file, naming the owner", () => {
    const m = factory(dims, { dtype: "float64" });
    const params = dataOf(f.params);
    expect(() => m.forward({ ...params, "readout.W": params["embed.W"]! }, f.tokens.data, { batch: f.batch, steps: f.steps })).toThrow(
      "TiedLM.forward: params.readout.W is tied to embed.W (`tie readout.W = embed.W`): the one array is params.embed.W; remove readout.W",
    );
    const p = m.init(1);
    expect(Object.keys(m.loadParams(m.saveParams(p))).sort()).toEqual(Object.keys(p).sort());
    expect(() => m.saveParams({ ...p, "readout.W": p["embed.W"]! })).toThrow("TiedLM.saveParams: params.readout.W is tied to embed.W");
    // A file with the tied key too, as the untied model would save it.
    const shapes = { ...m.paramShapes, "readout.W": m.paramShapes["embed.W"]! };
    const file = paramsToSafetensors({ ...p, "readout.W": p["embed.W"]! }, shapes);
    expect(() => m.loadParams(file)).toThrow('tensor "readout.W" is tied to "embed.W" (`tie readout.W = embed.W`): the one array is stored as "embed.W", and "readout.W" must not be in the file');
  });

  it("a training step moves the one stored matrix: both layers read the updated values", () => {
    const m = factory(dims, { dtype: "float64" });
    const params = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, Float64Array.from(t.data)]));
    const before = Float64Array.from(params["embed.W"]!);
    const opts = { batch: f.batch, steps: f.steps, targets: { next: f.next.data } };
    const first = m.trainStep(params, sgd({ lr: 0.5 }), f.tokens.data, opts);
    expect(Object.keys(params).sort()).toEqual(Object.keys(f.params).sort());
    expect(maxRelError(params["embed.W"]!, before)).toBeGreaterThan(1e-3);
    // SGD: the change is −lr × the summed gradient of both uses (PyTorch's, at the fixture's params).
    const g = m.backward(m.forward(dataOf(f.params), f.tokens.data, opts)).params["embed.W"]!;
    expect(maxRelError(params["embed.W"]!, Float64Array.from(before, (v, i) => v - 0.5 * g[i]!))).toBeLessThan(1e-12);
    expect(m.forward(params, f.tokens.data, opts).loss!).toBeLessThan(first.loss);
  });
});
