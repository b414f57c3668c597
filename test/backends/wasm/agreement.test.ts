import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importGenerated, maxRelError, ROOT, type Factory } from "../../helpers/generated.js";
import { exampleCells } from "../../helpers/cells.js";

/**
 * The wasm kernels against the TypeScript kernels (float32 both, the same params and data),
 * on every cell of every example: outputs, final states and every gradient agree to 1e-5
 * (relative where values exceed 1), with and without lengths, for batch 1 and batch 7 (odd
 * sizes that miss every SIMD and tile edge) and a single step. (Cells with several inputs or with
 * dropout run on the js backend only; the last test here says so.)
 */
const SIZES = [3, 5, 6, 4, 7];
const CASES = [
  { batch: 1, steps: 5, lengths: undefined },
  { batch: 7, steps: 4, lengths: [4, 1, 3, 0, 2, 4, 3] },
  { batch: 7, steps: 1, lengths: undefined },
  { batch: 2, steps: 3, lengths: [2, 3] },
];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.37) * 0.9);
}

const EVERY_OP = "test/backends/wasm/every-op.rnn.txt";
const cells = [
  ...exampleCells().filter((c) => c.wasm),
  { file: EVERY_OP, cell: "EveryOp", dims: ["I", "H"], inputSize: (d: Record<string, number>) => d["I"]! },
];

describe.each(cells)("$file: cell $cell runs the same on wasm and js", ({ file, cell, dims, inputSize }) => {
  let factory: Factory;
  beforeAll(async () => {
    const text = file === EVERY_OP ? readFileSync(join(ROOT, file), "utf8") : undefined;
    factory = (await importGenerated(file === EVERY_OP ? "every_op.rnn" : file, text))[cell] as Factory;
  });

  it.each(CASES)("batch $batch, steps $steps, lengths $lengths", ({ batch, steps, lengths }) => {
    const d = Object.fromEntries(dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    const js = factory(d, { dtype: "float32", backend: "js" });
    const wasm = factory(d, { dtype: "float32", backend: "wasm" });
    expect((wasm as unknown as { backend: string }).backend).toBe("wasm");
    const params = js.init(3);
    const x = data(steps * batch * inputSize(d), 1);
    // A first run on other data leaves its values in the memory the second run reuses.
    const warm = wasm.forward(js.init(4), data(x.length, 5), { batch, steps });
    wasm.backward(warm, { outputs: Object.fromEntries(Object.entries(warm.outputs).map(([k, v]) => [k, data(v.length, 6)])) });
    const a = js.forward(params, x, { batch, steps, lengths });
    const b = wasm.forward(params, x, { batch, steps, lengths });
    for (const k of Object.keys(a.outputs)) expect(maxRelError(b.outputs[k]!, a.outputs[k]!), `output ${k}`).toBeLessThan(1e-5);
    for (const k of Object.keys(a.final)) expect(maxRelError(b.final[k]!, a.final[k]!), `final ${k}`).toBeLessThan(1e-5);
    const seeds = {
      outputs: Object.fromEntries(Object.entries(a.outputs).map(([k, v], i) => [k, data(v.length, 2 + i)])),
      final: Object.fromEntries(Object.entries(a.final).map(([k, v], i) => [k, data(v.length, 9 + i)])),
    };
    const ga = js.backward(a, seeds);
    const gb = wasm.backward(b, seeds);
    for (const k of Object.keys(ga.params)) expect(maxRelError(gb.params[k]!, ga.params[k]!), `d${k}`).toBeLessThan(1e-5);
    expect(maxRelError(gb.x, ga.x), "dx").toBeLessThan(1e-5);
    for (const k of Object.keys(ga.initial)) expect(maxRelError(gb.initial[k]!, ga.initial[k]!), `d initial ${k}`).toBeLessThan(1e-5);
  });
});

describe("cells the wasm backend does not run", () => {
  it.each(exampleCells().filter((c) => !c.wasm))("$file: cell $cell runs on js by default and refuses backend wasm", async ({ file, cell, dims }) => {
    const factory = (await importGenerated(file))[cell] as Factory;
    const d = Object.fromEntries(dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    expect((factory(d, { dtype: "float32" }) as unknown as { backend: string }).backend).toBe("js");
    expect(() => factory(d, { dtype: "float32", backend: "wasm" } as never)).toThrow(`${cell}: options.backend "wasm" is not available`);
  });
});
