/**
 * An example of length 0 (defined once, docs/language.md "Examples of length 0"): it has no steps,
 * so it is zero in every output — per step and per sequence alike — keeps its initial state, and is
 * in no loss's mean. The generated module, the ONNX export and the tfjs oracle agree on it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { onnxFromSource } from "../../../src/compiler.js";
import { gradcheckSource } from "../../../src/verify/unit.js";
import { importGenerated, ROOT } from "../../helpers/generated.js";

type Arrays = Record<string, Float64Array>;
interface Model {
  init(seed: number): Arrays;
  forward(params: unknown, input: unknown, options: unknown): { outputs: Arrays; final: Arrays; loss?: number };
  backward(run: unknown, seeds?: unknown): { params: Arrays };
}

const FILE = "examples/classifier.rnn";
const T = 3;
let parity: Model;
beforeAll(async () => {
  parity = ((await importGenerated(FILE, undefined, "-length-zero"))["Parity"] as (d: object, o: object) => Model)({ H: 3 }, { dtype: "float64" });
});

describe("an example of length 0", () => {
  // Batch of 3: examples 0 and 2 are real (lengths 3 and 2), example 1 has length 0.
  const bits = [1, 0, 1, 0, 1, 0, 1, 1, 0];
  const lengths = [3, 0, 2];
  const label = [1, 0, 0];
  /** Example b's bits alone, as a batch of one. */
  const alone = (b: number) => Array.from({ length: T }, (_, t) => bits[t * 3 + b]!);

  it("is zero in a per-sequence output (not the head's bias) and keeps its initial state", () => {
    const p = parity.init(4);
    const initial = { "gru.h": Float64Array.of(0.1, 0.2, 0.3, -0.4, -0.5, -0.6, 0.7, 0.8, 0.9) };
    const run = parity.forward(p, bits, { batch: 3, steps: T, lengths, initial });
    expect(Array.from(run.outputs["logits"]!.subarray(2, 4))).toEqual([0, 0]);
    expect(Array.from(run.final["gru.h"]!.subarray(3, 6))).toEqual([-0.4, -0.5, -0.6]);
    // And the others are what they are without it.
    const first = parity.forward(p, alone(0), { batch: 1, steps: T, initial: { "gru.h": initial["gru.h"].subarray(0, 3) } });
    expect(Array.from(run.outputs["logits"]!.subarray(0, 2))).toEqual(Array.from(first.outputs["logits"]!));
  });

  it("is in no loss's mean: the loss and gradients are those of the other examples", () => {
    const p = parity.init(4);
    const run = parity.forward(p, bits, { batch: 3, steps: T, lengths, targets: { label } });
    // The mean over the two real examples, each computed alone.
    const a = parity.forward(p, alone(0), { batch: 1, steps: T, targets: { label: [label[0]] } });
    const c = parity.forward(p, alone(2), { batch: 1, steps: T, lengths: [2], targets: { label: [label[2]] } });
    expect(run.loss).toBeCloseTo((a.loss! + c.loss!) / 2, 12);
    const g = parity.backward(run).params;
    const ga = parity.backward(a).params;
    const gc = parity.backward(c).params;
    for (const [name, v] of Object.entries(g)) {
      const expected = Array.from(v, (_, i) => (ga[name]![i]! + gc[name]![i]!) / 2);
      for (let i = 0; i < v.length; i++) expect(v[i], `${name}[${i}]`).toBeCloseTo(expected[i]!, 12);
    }
    // A target for the empty example is not even read: an out-of-range id there is no error.
    expect(parity.forward(p, bits, { batch: 3, steps: T, lengths, targets: { label: [1, 7, 0] } }).loss).toBe(run.loss);
  });

  it("is zero in the ONNX export's per-sequence output too, the others as the module computes them", async () => {
    const text = readFileSync(join(ROOT, FILE), "utf8");
    const result = onnxFromSource(FILE, text, { dims: { H: 3 }, recurrence: "scan", weights: { seed: 4 } });
    const session = await ort.InferenceSession.create(result.bytes!, { logSeverityLevel: 3 });
    const out = await session.run({
      bits: new ort.Tensor("int64", BigInt64Array.from(bits, (b) => BigInt(b)), [T, 3]),
      "initial_gru.h": new ort.Tensor("float32", new Float32Array(9), [3, 3]),
      sequence_lens: new ort.Tensor("int32", Int32Array.from(lengths), [3]),
    });
    await session.release();
    const module = ((await importGenerated(FILE, undefined, "-length-zero"))["Parity"] as (d: object) => Model)({ H: 3 });
    const ts = module.forward(module.init(4), bits, { batch: 3, steps: T, lengths }).outputs["logits"]!;
    const onnx = out["logits"]!.data as Float32Array;
    expect(Array.from(onnx.subarray(2, 4))).toEqual([0, 0]);
    for (let i = 0; i < 6; i++) expect(onnx[i]).toBeCloseTo(ts[i]!, 5);
  });

  it("is treated the same by the tfjs oracle: gradcheck passes on a batch with one", async () => {
    const text = readFileSync(join(ROOT, FILE), "utf8");
    const { report } = await gradcheckSource(FILE, text, { batch: 3, steps: T, seed: 2, lengths });
    expect(report?.pass).toBe(true);
  });
});
