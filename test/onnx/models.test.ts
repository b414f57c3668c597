/**
 * Models in ONNX Runtime against the generated TypeScript module (whose driver defines what a
 * model computes): every model file of examples/ and the programs below, exported unrolled, as
 * Scans and with ONNX's LSTM/GRU operators, run on two batches with uneven lengths and random
 * initial states; outputs and every final state within 1e-5 (both float32; the differences seen
 * are ≈1e-7, rounding in a different order of sums). Also: the same bytes for the same request,
 * a symbolic T, the optional-input defaults, the PyTorch reference models, and the errors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { exportModelOnnx } from "../../src/backends/onnx/model.js";
import { decodeModel } from "../../src/backends/onnx/proto.js";
import { OnnxExportError } from "../../src/backends/onnx/errors.js";
import { compileUnit } from "../../src/compiler.js";
import { initUnitParams } from "../../src/weights/unit-params.js";
import { modelUnit } from "../../src/check/unit.js";
import { maxAbsDiff } from "./ort.js";
import { compileBoth, exportFor, largestDifference, randomBatch, runOrt, runTs, type Batch, type CompiledModel } from "./model-harness.js";

const TOLERANCE = 1e-5;
const EXAMPLES = new URL("../../examples/", import.meta.url);
const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".rnn") && compileUnit(`examples/${f}`, readFileSync(new URL(f, EXAMPLES), "utf8")).unit?.kind === "model")
  .sort()
  .map((f) => `examples/${f}`);

/** Programs written here: each exercises a part of the composition the examples do not. */
const PROGRAMS: Record<string, string> = {
  "classifier.rnn": `
    # last, and a stateless layer applied to one value per sequence
    import GRU, Linear from std
    model Classifier(H) {
      input x: [2]
      target label: index(2)
      layer rnn = GRU(2, H)
      layer head = Linear(H, 2)
      output logits = head(last(rnn(x)))
      loss cross_entropy(logits, label)
    }`,
  "char.rnn": `
    # integer ids through an Embedding (one-hot), an LSTM and a readout at every step; the ids'
    # one-hot vectors themselves (zero past each length, where the ids are padding)
    import Embedding, LSTM, Linear from std
    model Char(V, E, H) {
      input tokens: index(V)
      layer emb = Embedding(V, E)
      layer lstm = LSTM(E, H)
      layer out = Linear(H, V)
      output logits = out(lstm(emb(tokens)))
      output hot = onehot(tokens)
    }`,
  "twice.rnn": `
    # a stateless layer applied twice (two runs, one set of params), a recurrent layer applied to
    # a per-sequence value (one step), and the per-step sequence itself as an output
    import GRU, Linear from std
    model Twice(I, H) {
      input x: [I]
      layer rnn = GRU(I, H)
      layer proj = Linear(H, H)
      layer once = GRU(H, H)
      let a = rnn(x)
      output y = proj(proj(a))
      output z = once(last(proj(a)))
      output a
    }`,
  "both.rnn": `
    # both directions' last steps side by side: concat of per-sequence values; and the input
    # itself reversed and at its last step, where the padding past each length is not zero
    import LSTM from std
    model Both(I, H) {
      input x: [I]
      layer f = LSTM(I, H)
      layer b = LSTM(I, H)
      output summary = concat(last(f(x)), last(reverse(b(reverse(x)))))
      output backwards = reverse(x)
      output x_last = last(x)
    }`,
  "arithmetic.rnn": `
    # sequences added, subtracted and multiplied step by step, per step and per sequence
    import GRU, Linear from std
    model Arithmetic(I, H) {
      input x: [I]
      layer f = GRU(I, H)
      layer b = GRU(I, H)
      layer p = Linear(H, H)
      let hf = f(x)
      let hb = reverse(b(reverse(x)))
      output sum = hf + hb
      output gated = p(hf) * hb - hf
      output ends = last(hf) * last(hb)
    }`,
};

const CASES: { name: string; file: string; text: string }[] = [
  ...exampleFiles.map((file) => ({ name: file, file, text: readFileSync(new URL(file.slice("examples/".length), EXAMPLES), "utf8") })),
  ...Object.entries(PROGRAMS).map(([name, text]) => ({ name, file: `test/${name}`, text })),
];

/** Distinct sizes per dimension, so a transposed or misread axis cannot go unnoticed. */
const dimsOf = (c: CompiledModel): Record<string, number> => Object.fromEntries(c.model.dims.map((d, i) => [d, 3 + i]));
const STEPS = 6;
const BATCHES: readonly number[][] = [
  [STEPS, STEPS - 2, 1],
  [STEPS - 2, 1, STEPS, 0, STEPS - 1],
];

describe("models in ONNX Runtime compute what the generated module computes", () => {
  it("finds the example models", () => {
    expect(exampleFiles).toEqual(expect.arrayContaining(["examples/bigru.rnn", "examples/stacked_lstm.rnn"]));
  });

  for (const { name, file, text } of CASES) {
    describe(name, () => {
      let c: CompiledModel;
      let dims: Record<string, number>;
      let params: Record<string, Float32Array>;
      beforeAll(async () => {
        c = await compileBoth(file, text);
        dims = dimsOf(c);
        params = initUnitParams(modelUnit(c.model), dims, 5, "float32") as Record<string, Float32Array>;
      });

      for (const recurrence of ["unroll", "scan", "native"] as const) {
        for (const lengths of BATCHES) {
          it(`${recurrence}, batch ${lengths.length}, lengths [${lengths.join(", ")}], initial states fed`, async () => {
            const b = randomBatch(c, dims, STEPS, lengths.length, lengths, 17);
            // ONNX's own GRU and LSTM compute only the textbook cells: another recurrent layer (a
            // conditional GRU reading two inputs) has no native form, and the export says which.
            const other = c.model.layers.find((l) => l.recurrent && !["LSTM", "GRU"].includes(l.cell.cell.def.name.name) && c.model.runs.some((r) => r.layer === l.name));
            if (recurrence === "native" && other) {
              expect(() => exportFor(c, { dims, steps: STEPS, recurrence, params, optionalInputs: false })).toThrow(`layer \`${other.name}\` of model ${c.model.name}: cell ${other.cell.cell.def.name.name} is not recognised as an LSTM or GRU`);
              return;
            }
            const bytes = exportFor(c, { dims, steps: STEPS, recurrence, params, optionalInputs: false });
            const difference = largestDifference(c, await runOrt(c, bytes, b, dims), runTs(c, params, b, dims), b, dims);
            expect(difference).toBeLessThan(TOLERANCE);
          });
        }
      }

      it("gives the same bytes for the same request, and other bytes for other weights", () => {
        for (const recurrence of ["unroll", "scan"] as const) {
          const a = exportFor(c, { dims, steps: STEPS, recurrence, params });
          const b = exportFor(c, { dims, steps: STEPS, recurrence, params });
          expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
          const other = initUnitParams(modelUnit(c.model), dims, 6, "float32") as Record<string, Float32Array>;
          expect(Buffer.from(exportFor(c, { dims, steps: STEPS, recurrence, params: other })).equals(Buffer.from(a))).toBe(false);
        }
      });

      it("keeps T symbolic as Scans, and runs for two different T", async () => {
        const bytes = exportFor(c, { dims, recurrence: "scan", params, optionalInputs: false });
        const input = decodeModel(bytes).graph!.input![0]!;
        expect(input.type!.tensorType!.shape!.dim![0]!.dimParam).toBe("steps");
        for (const steps of [3, 8]) {
          const b = randomBatch(c, dims, steps, 3, [steps, steps - 2, 1], 23 + steps);
          expect(largestDifference(c, await runOrt(c, bytes, b, dims), runTs(c, params, b, dims), b, dims)).toBeLessThan(TOLERANCE);
        }
      });

      it("runs with its optional inputs left out: zero initial states, every example the full length", async () => {
        const bytes = exportFor(c, { dims, steps: STEPS, recurrence: "unroll", params, optionalInputs: true });
        const b = randomBatch(c, dims, STEPS, 2, [STEPS, STEPS], 29);
        const zeros: Batch = { ...b, initial: Object.fromEntries(Object.entries(b.initial).map(([k, v]) => [k, v.map(() => 0)])) };
        const ortOut = await runOrt(c, bytes, b, dims, { inputOnly: true });
        expect(largestDifference(c, ortOut, runTs(c, params, zeros, dims), zeros, dims)).toBeLessThan(TOLERANCE);
      });
    });
  }
});

describe("the params from a seed", () => {
  for (const file of exampleFiles) {
    it(`are the generated module's init(seed), float32 and float64 (${file})`, async () => {
      const c = await compileBoth(file, readFileSync(new URL(file.slice("examples/".length), EXAMPLES), "utf8"));
      const dims = dimsOf(c);
      for (const dtype of ["float32", "float64"] as const) {
        const module = c.factory(dims, { dtype });
        for (const seed of [0, 7, 2 ** 31 + 5, -3]) {
          const mine = initUnitParams(modelUnit(c.model), dims, seed, dtype);
          const theirs = module.init(seed);
          expect(Object.keys(mine)).toEqual(Object.keys(theirs));
          for (const [name, values] of Object.entries(theirs)) expect(mine[name], `${name}, seed ${seed}`).toEqual(values);
        }
      }
    });
  }
});

describe("models that read ids backwards (reverse and last of index values)", () => {
  // The generated module's driver reverses ids as if they were vectors (reported), so the oracle
  // here is the same layers fed one-hot vectors of the ids reversed by hand, and W·onehot + b.
  const IDS = `
    import GRU, Linear from std
    model Back(V, H) {
      input tokens: index(V)
      layer rnn = GRU(V, H)
      layer head = Linear(V, H)
      output y = rnn(reverse(tokens))
      output w = head(last(tokens))
    }`;
  const VECTORS = `
    import GRU from std
    model Forward(V, H) {
      input x: [V]
      layer rnn = GRU(V, H)
      output y = rnn(x)
    }`;
  for (const recurrence of ["unroll", "scan"] as const) {
    it(`${recurrence}: each example's own steps reversed, its own last id`, async () => {
      const ids = await compileBoth("test/back.rnn", IDS);
      const vectors = await compileBoth("test/forward.rnn", VECTORS);
      const dims = { V: 5, H: 3 };
      const params = initUnitParams(modelUnit(ids.model), dims, 9, "float32") as Record<string, Float32Array>;
      const lengths = [STEPS, STEPS - 2, 1];
      const b = randomBatch(ids, dims, STEPS, 3, lengths, 31);
      const out = await runOrt(ids, exportFor(ids, { dims, steps: STEPS, recurrence, params, optionalInputs: false }), b, dims);

      const B = lengths.length;
      const V = dims.V;
      const reversed = new Array<number>(STEPS * B * V).fill(0);
      lengths.forEach((L, k) => {
        for (let t = 0; t < L; t++) reversed[(t * B + k) * V + b.input[(L - 1 - t) * B + k]!] = 1;
      });
      const want = runTs(vectors, { "rnn.W_ih": params["rnn.W_ih"]!, "rnn.W_hh": params["rnn.W_hh"]!, "rnn.b_ih": params["rnn.b_ih"]!, "rnn.b_hh": params["rnn.b_hh"]! }, { ...b, input: reversed }, dims);
      expect(maxAbsDiff(out.y!.data, want.outputs.y!)).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(out["final_rnn.h"]!.data, want.final["rnn.h"]!)).toBeLessThan(TOLERANCE);

      const W = params["head.W"]!;
      const bias = params["head.b"]!;
      const w = lengths.flatMap((L, k) => Array.from({ length: dims.H }, (_, i) => W[i * V + b.input[(L - 1) * B + k]!]! + bias[i]!));
      expect(maxAbsDiff(out.w!.data, w)).toBeLessThan(TOLERANCE);
    });
  }
});

describe("export errors", () => {
  let bigru: CompiledModel;
  let params: Record<string, Float32Array>;
  const dims = { I: 3, H: 4 };
  beforeAll(async () => {
    bigru = await compileBoth("examples/bigru.rnn", readFileSync(new URL("bigru.rnn", EXAMPLES), "utf8"));
    params = initUnitParams(modelUnit(bigru.model), dims, 1, "float32") as Record<string, Float32Array>;
  });
  const error = (run: () => unknown): OnnxExportError => {
    try {
      run();
    } catch (e) {
      if (e instanceof OnnxExportError) return e;
      throw e;
    }
    throw new Error("no error");
  };

  it("refuses the native form for a recurrent layer that is not an LSTM or GRU, naming the layer", async () => {
    const c = await compileBoth("test/elman.rnn", "import Elman from std\nmodel M(I, H) {\n  input x: [I]\n  layer rnn = Elman(I, H)\n  output y = rnn(x)\n}\n");
    const e = error(() => exportFor(c, { dims, recurrence: "native", params: initUnitParams(modelUnit(c.model), dims, 1, "float32") as Record<string, Float32Array> }));
    expect(e.message).toMatch(/^layer `rnn` of model M: cell Elman is not recognised as an LSTM or GRU, so it has no native ONNX form/);
  });

  it("names a missing, a misnamed and a wrongly sized param by its layer", () => {
    const { ["bwd.b_hh"]: _dropped, ...missing } = params;
    expect(error(() => exportFor(bigru, { dims, steps: 2, recurrence: "unroll", params: missing })).message).toBe(
      "no values for param `bwd.b_hh` of model BiGRU: expected 12 numbers (shape [3H] = [12])",
    );
    expect(error(() => exportFor(bigru, { dims, steps: 2, recurrence: "unroll", params: { ...params, "bwd.bias": new Float32Array(12) } })).message).toBe(
      "model BiGRU has no param `bwd.bias`; its params are `fwd.W_ih`, `fwd.W_hh`, `fwd.b_ih`, `fwd.b_hh`, `bwd.W_ih`, `bwd.W_hh`, `bwd.b_ih`, `bwd.b_hh`",
    );
    expect(error(() => exportFor(bigru, { dims, steps: 2, recurrence: "unroll", params: { ...params, "fwd.W_ih": new Float32Array(3) } })).message).toBe(
      "param `fwd.W_ih` has 3 numbers, but its shape [3H, I] = [12, 3] needs 36",
    );
  });

  it("names a missing or an extra dimension of the model", () => {
    expect(error(() => exportFor(bigru, { dims: { I: 3 }, steps: 2, recurrence: "unroll", params })).message).toBe("no value for dimension H of model BiGRU (it needs I, H)");
    expect(error(() => exportFor(bigru, { dims: { ...dims, E: 2 }, steps: 2, recurrence: "unroll", params })).message).toBe("model BiGRU has no dimension E; its dimensions are I, H");
  });

  it("reports two model values with one name as RNN6004 at the output", async () => {
    const c = await compileBoth("test/clash.rnn", "import GRU from std\nmodel M(I, H) {\n  input x: [I]\n  layer rnn = GRU(I, H)\n  output sequence_lens = rnn(x)\n}\n");
    const e = error(() => exportModelOnnx(c.model, { dims, steps: 2, recurrence: "unroll", params: initUnitParams(modelUnit(c.model), dims, 1, "float32") as Record<string, Float32Array>, sourceFile: c.file }));
    expect(e.message).toBe("the ONNX model would have two values named `sequence_lens`: the sequence lengths and the output `sequence_lens`; rename one of them in the model");
    expect(e.diagnostic?.code).toBe("RNN6004");
  });
});
