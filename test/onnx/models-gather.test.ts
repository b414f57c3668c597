import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildModelOnnx } from "../../src/backends/onnx/model.js";
import { initUnitParams } from "../../src/weights/unit-params.js";
import { modelUnit } from "../../src/check/unit.js";
import { compileBoth, exportFor, largestDifference, randomBatch, runOrt, runTs } from "./model-harness.js";

/**
 * Embedding as a gather in ONNX (issue 11): a layer fed `onehot(ids)` whose cell reads its input
 * only through `W @ x` gets the ids and Gathers W's columns — no OneHot tensor of T·B·V — and
 * computes what the generated module computes (ONNX Runtime float32 against the TypeScript
 * module, 1e-4), with lengths (one 0) and ids past them that are out of range (never read).
 */
const CHAR_MODEL = readFileSync(new URL("../../examples/char_model.rnn", import.meta.url), "utf8");
const TWO_MATMULS = `import Linear from std
cell Two(V, H) {
  input x: [V]
  state h: [H]
  param W1: [H, V]
  param W2: [H, V]
  param U: [H, H]
  h' = tanh(W1 @ x + U @ h) * sigmoid(W2 @ x)
  output y = h'
}
model M(V, H) {
  input tokens: index(V)
  layer two = Two(V, H)
  layer once = Two(V, H)
  output y = two(tokens)
  output first = once(last(tokens))
}`;
const X_AT_W = `cell RowEmbed(V, E, H) {
  input x: [V]
  state h: [H]
  param W: [V, E]
  param U: [H, E]
  param R: [H, H]
  h' = tanh(U @ (x @ W) + R @ h)
  output y = h'
}
model M(V, E, H) {
  input tokens: index(V)
  layer rec = RowEmbed(V, E, H)
  output y = rec(tokens)
}`;
const MIXED = `cell Mixed(V, H) {
  input x: [V]
  state h: [H]
  param W: [H, V]
  param U: [H, H]
  h' = tanh(W @ x + U @ h) * sum(x)
  output y = h'
}
model M(V, H) {
  input tokens: index(V)
  layer mixed = Mixed(V, H)
  output y = mixed(tokens)
}`;

const CASES: { name: string; text: string; dims: Record<string, number>; gathers: boolean; forms: readonly ("unroll" | "scan" | "native")[] }[] = [
  { name: "char_model", text: CHAR_MODEL, dims: { V: 11, E: 4, H: 5 }, gathers: true, forms: ["unroll", "scan", "native"] as const },
  { name: "two_matmuls", text: TWO_MATMULS, dims: { V: 9, H: 4 }, gathers: true, forms: ["unroll", "scan"] as const },
  { name: "x_at_w", text: X_AT_W, dims: { V: 10, E: 3, H: 4 }, gathers: true, forms: ["unroll", "scan"] as const },
  { name: "mixed", text: MIXED, dims: { V: 9, H: 4 }, gathers: false, forms: ["scan"] as const },
];
const STEPS = 5;
const LENGTHS = [5, 2, 0, 3];

describe("a layer fed ids gathers its weights' columns in ONNX", () => {
  for (const c of CASES) {
    for (const recurrence of c.forms) {
      it(`${c.name}, ${recurrence}: ${c.gathers ? "Gather, no OneHot" : "keeps OneHot"}; ONNX Runtime equals the module (1e-4), garbage ids past the lengths`, async () => {
        const m = await compileBoth(`test/${c.name}.rnn`, c.text);
        const params = initUnitParams(modelUnit(m.model), c.dims, 4, "float32") as Record<string, Float32Array>;
        const proto = buildModelOnnx(m.model, { dims: c.dims, steps: STEPS, recurrence, params, sourceFile: m.file });
        const ops = proto.graph!.node!.map((n) => n.opType);
        expect(ops.includes("OneHot")).toBe(!c.gathers);
        if (c.gathers) expect(proto.graph!.node!.some((n) => n.opType === "Gather" && n.input!.some((i) => /\.W1?$/.test(i)))).toBe(true);
        const b = randomBatch(m, c.dims, STEPS, LENGTHS.length, LENGTHS, 17);
        const input = b.input.map((v, r) => (Math.floor(r / LENGTHS.length) < LENGTHS[r % LENGTHS.length]! ? v : r % 2 === 0 ? 100000 : -3));
        const batch = { ...b, input };
        const out = await runOrt(m, exportFor(m, { dims: c.dims, steps: STEPS, recurrence, params }), batch, c.dims);
        expect(largestDifference(m, out, runTs(m, params, batch, c.dims), batch, c.dims)).toBeLessThan(1e-4);
      });
    }
  }
});
