import { beforeAll, describe, expect, it } from "vitest";
import { oracleGradients } from "../../../src/verify/tfjs-oracle.js";
import { importGenerated, maxRelError, type Factory } from "../../helpers/generated.js";
import { exampleCells, inputGradients, inputsOf } from "../../helpers/cells.js";
import { pack, packedInputs } from "../../../src/verify/packed-inputs.js";

/**
 * Gradcheck of the wasm backend: its float32 gradients (every param, x, every initial state)
 * against the float64 TypeScript kernels' — which test/verify checks against central finite
 * differences — and against the tfjs oracle's autodiff of the IR (float32), on every cell of
 * every example, with variable lengths — a cell with several inputs gives each input's gradient
 * (the oracle takes them packed side by side), a cell with dropout runs in training with a seed
 * (the oracle draws the same masks). Tolerance 1e-4 (relative where values exceed 1).
 */
const SIZES = [3, 5, 4, 6, 7];
const [B, T] = [3, 4];
const lengths = [4, 2, 3];

function data(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 3.3 + i * 0.71) * 0.8);
}

describe.each(exampleCells())("$file: cell $cell, wasm float32 gradients", (c) => {
  const { file, cell, dims, graph } = c;
  let factory: Factory;
  beforeAll(async () => {
    factory = (await importGenerated(file))[cell] as Factory;
  });

  it("match the float64 kernels and the tfjs oracle", async () => {
    const d = Object.fromEntries(dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    const ref = factory(d, { dtype: "float64", backend: "js" });
    const wasm = factory(d, { dtype: "float32", backend: "wasm" });
    const params = ref.init(11) as Record<string, Float64Array>;
    const x = inputsOf(c, d, T * B, 1, data);
    const options = { batch: B, steps: T, lengths, ...(c.dropout ? { training: true, seed: 3 } : {}) };
    const run64 = (ref.forward as (p: unknown, x: unknown, o: unknown) => ReturnType<typeof ref.forward>)(params, x, options);
    const seeds = {
      outputs: Object.fromEntries(Object.entries(run64.outputs).map(([k, v], i) => [k, data(v.length, 2 + i)])),
      final: Object.fromEntries(Object.entries(run64.final).map(([k, v], i) => [k, data(v.length, 7 + i)])),
    };
    const g64 = ref.backward(run64, seeds);
    const g32 = wasm.backward((wasm.forward as (p: unknown, x: unknown, o: unknown) => ReturnType<typeof wasm.forward>)(params, x, options), seeds);
    const layout = packedInputs(graph, d);
    const packed = (parts: Record<string, ArrayLike<number>>) => pack(layout, parts, T * B);
    const xParts = c.inputs.length === 1 ? { [c.inputs[0]!.name]: x as Float64Array } : (x as Record<string, Float64Array>);
    const oracle = await oracleGradients(graph, d, params, packed(xParts), options, seeds);
    for (const [name, want] of Object.entries(g64.params)) {
      expect(maxRelError(g32.params[name]!, want), `param ${name} vs float64`).toBeLessThan(1e-4);
      expect(maxRelError(g32.params[name]!, oracle.params[name]!), `param ${name} vs tfjs`).toBeLessThan(1e-4);
    }
    const [dx32, dx64] = [inputGradients(c, g32), inputGradients(c, g64)];
    for (const [name, want] of Object.entries(dx64)) expect(maxRelError(dx32[name]!, want), `input ${name} vs float64`).toBeLessThan(1e-4);
    expect(maxRelError(packed(dx32), oracle.x), "inputs vs tfjs").toBeLessThan(1e-4);
    for (const [name, want] of Object.entries(g64.initial)) {
      expect(maxRelError(g32.initial[name]!, want), `initial ${name} vs float64`).toBeLessThan(1e-4);
      expect(maxRelError(g32.initial[name]!, oracle.initial[name]!), `initial ${name} vs tfjs`).toBeLessThan(1e-4);
    }
  });
});
