/**
 * The default export is safe from every ONNX Runtime binding: every documented input (x,
 * initial_<state>, sequence_lens) is a required input, so onnxruntime-node — which silently drops
 * feeds for inputs that have an initializer default — feeds them all, and each one takes effect.
 * The reference is the generated TypeScript module run with the same initial states and lengths.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { onnxFromSource } from "../../src/compiler.js";
import { importGenerated, ROOT } from "../helpers/generated.js";
import { maxAbsDiff } from "./ort.js";

const TOLERANCE = 1e-5;
const dir = mkdtempSync(join(tmpdir(), "rnnc-default-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Run = { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
type Unit = { init(seed: number): Record<string, Float32Array>; forward(p: object, x: ArrayLike<number>, o: object): Run };

/** A deterministic spread of values in (-0.5, 0.5). */
const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + k) / 2);

const CASES = [
  { file: "examples/lstm.rnn", unit: "LSTM", dims: { I: 3, H: 4 }, input: "x", states: { h: "initial_h", c: "initial_c" }, width: 3, size: 4 },
  { file: "examples/bigru.rnn", unit: "BiGRU", dims: { I: 3, H: 4 }, input: "x", states: { "fwd.h": "initial_fwd.h", "bwd.h": "initial_bwd.h" }, width: 3, size: 4 },
] as const;

describe("the default ONNX export, fed every documented input from onnxruntime-node", () => {
  for (const c of CASES) {
    for (const recurrence of ["unroll", "scan"] as const) {
      it(`${c.file}, ${recurrence}: initial states and lengths take effect`, async () => {
        const T = 4;
        const B = 3;
        const text = readFileSync(join(ROOT, c.file), "utf8");
        const result = onnxFromSource(c.file, text, { dims: c.dims, recurrence, steps: T, weights: { seed: 5 } });
        expect(result.optionError).toBeUndefined();
        const session = await ort.InferenceSession.create(result.bytes!, { logSeverityLevel: 3 });
        // Every documented input is one onnxruntime-node feeds.
        expect([...session.inputNames].sort()).toEqual([c.input, ...Object.values(c.states), "sequence_lens"].sort());

        const x = values(T * B * c.width, 1);
        const initial = Object.fromEntries(Object.keys(c.states).map((s, k) => [s, values(B * c.size, 10 + k)]));
        const lengths = [4, 2, 1];
        const feeds: Record<string, ort.Tensor> = { [c.input]: new ort.Tensor("float32", x, [T, B, c.width]), sequence_lens: new ort.Tensor("int32", Int32Array.from(lengths), [B]) };
        for (const [s, name] of Object.entries(c.states)) feeds[name] = new ort.Tensor("float32", initial[s]!, [B, c.size]);
        const out = await session.run(feeds);
        await session.release();

        const unit = ((await importGenerated(c.file))[c.unit] as (d: object) => Unit)(c.dims);
        const params = unit.init(5);
        const fed = unit.forward(params, x, { batch: B, steps: T, initial, lengths });
        const plain = unit.forward(params, x, { batch: B, steps: T });
        const outputName = Object.keys(fed.outputs)[0]!;
        const onnxOut = out[outputName]!.data as Float32Array;
        expect(maxAbsDiff(onnxOut, fed.outputs[outputName]!)).toBeLessThan(TOLERANCE);
        for (const s of Object.keys(c.states)) expect(maxAbsDiff(out[`final_${s}`]!.data as Float32Array, fed.final[s]!)).toBeLessThan(TOLERANCE);
        // The feeds changed the numbers: the default (zero states, full length) would give these.
        expect(maxAbsDiff(onnxOut, plain.outputs[outputName]!)).toBeGreaterThan(1e-2);
      });
    }
  }

  it("loads without a single ONNX Runtime warning (nothing is an initializer and an input at once)", () => {
    const text = readFileSync(join(ROOT, "examples/lstm.rnn"), "utf8");
    const model = join(dir, "lstm.onnx");
    writeFileSync(model, onnxFromSource("examples/lstm.rnn", text, { dims: { I: 3, H: 4 }, recurrence: "unroll", steps: 3, weights: { seed: 1 } }).bytes!);
    const script = `const ort = require("onnxruntime-node"); ort.InferenceSession.create(require("fs").readFileSync(${JSON.stringify(model)})).then((s) => s.release());`;
    const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({ status: 0, stderr: "", stdout: "" });
  });
});
