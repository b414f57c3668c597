import { beforeAll, describe, expect, it } from "vitest";
import { oracleGradients } from "../../../src/verify/tfjs-oracle.js";
import { importGenerated, maxRelError, type Factory } from "../../helpers/generated.js";
import { exampleCells } from "../../helpers/cells.js";

/**
 * Gradcheck of the wasm backend: its float32 gradients (every param, x, every initial state)
 * against the float64 TypeScript kernels' — which test/verify checks against central finite
 * differences — and against the tfjs oracle's autodiff of the IR (float32), on every cell of
 * every example, with variable lengths. Tolerance 1e-4 (relative where values exceed 1).
 */
const SIZES = [3, 5, 4, 6, 7];
const [B, T] = [3, 4];
const lengths = [4, 2, 3];

function data(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 3.3 + i * 0.71) * 0.8);
}

describe.each(exampleCells().filter((c) => c.wasm))("$file: cell $cell, wasm float32 gradients", ({ file, cell, dims, graph, inputSize }) => {
  let factory: Factory;
  beforeAll(async () => {
    factory = (await importGenerated(file))[cell] as Factory;
  });

  it("match the float64 kernels and the tfjs oracle", async () => {
    const d = Object.fromEntries(dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    const ref = factory(d, { dtype: "float64", backend: "js" });
    const wasm = factory(d, { dtype: "float32", backend: "wasm" });
    const params = ref.init(11) as Record<string, Float64Array>;
    const x = data(T * B * inputSize(d), 1);
    const run64 = ref.forward(params, x, { batch: B, steps: T, lengths });
    const seeds = {
      outputs: Object.fromEntries(Object.entries(run64.outputs).map(([k, v], i) => [k, data(v.length, 2 + i)])),
      final: Object.fromEntries(Object.entries(run64.final).map(([k, v], i) => [k, data(v.length, 7 + i)])),
    };
    const g64 = ref.backward(run64, seeds);
    const g32 = wasm.backward(wasm.forward(params, x, { batch: B, steps: T, lengths }), seeds);
    const oracle = await oracleGradients(graph, d, params, x, { batch: B, steps: T, lengths }, seeds);
    for (const [name, want] of Object.entries(g64.params)) {
      expect(maxRelError(g32.params[name]!, want), `param ${name} vs float64`).toBeLessThan(1e-4);
      expect(maxRelError(g32.params[name]!, oracle.params[name]!), `param ${name} vs tfjs`).toBeLessThan(1e-4);
    }
    expect(maxRelError(g32.x, g64.x), "x vs float64").toBeLessThan(1e-4);
    expect(maxRelError(g32.x, oracle.x), "x vs tfjs").toBeLessThan(1e-4);
    for (const [name, want] of Object.entries(g64.initial)) {
      expect(maxRelError(g32.initial[name]!, want), `initial ${name} vs float64`).toBeLessThan(1e-4);
      expect(maxRelError(g32.initial[name]!, oracle.initial[name]!), `initial ${name} vs tfjs`).toBeLessThan(1e-4);
    }
  });
});
