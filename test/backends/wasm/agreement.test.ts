import { beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileFile } from "../../../src/compiler.js";
import { unitGraphs } from "../../../src/ir/unit.js";
import { importGenerated, maxRelError, ROOT, type Factory } from "../../helpers/generated.js";
import { exampleCells, inputGradients, inputsOf, testCell, type TestCell } from "../../helpers/cells.js";

/**
 * The wasm kernels against the TypeScript kernels (float32 both, the same params and data),
 * on every cell of every example — cells with several inputs and with dropout included: outputs,
 * final states and every gradient (each input's) agree to 1e-5 (relative where values exceed 1),
 * with and without lengths, for batch 1 and batch 7 (odd sizes that miss every SIMD and tile
 * edge) and a single step. A cell with dropout runs each case outside training and in training
 * with a seed: the same seed draws the same masks on both back ends.
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

/** Test cells of a file kept beside the tests (not an example). */
function fileCells(path: string, name: string): TestCell[] {
  const front = compileFile(name, readFileSync(join(ROOT, path), "utf8"));
  if (front.units.length === 0) throw new Error(`${path} does not check`);
  return front.units.flatMap((u) => unitGraphs(u)).map((g) => ({ ...testCell(path, g), file: path }));
}

const EVERY_OP = "test/backends/wasm/every-op.rnn.txt";
const THREE_INPUTS = "test/backends/wasm/three-inputs.rnn.txt";
const cells = [...exampleCells(), ...fileCells(EVERY_OP, "every_op.rnn"), ...fileCells(THREE_INPUTS, "three_inputs.rnn")];

type AnyCell = ReturnType<Factory> & { forward(p: unknown, x: unknown, o: Record<string, unknown>): ReturnType<ReturnType<Factory>["forward"]> };

describe.each(cells)("$file: cell $cell runs the same on wasm and js", (c) => {
  let factory: Factory;
  beforeAll(async () => {
    const local = c.file.startsWith("test/");
    factory = (await importGenerated(local ? c.file.replace(/\.rnn\.txt$/, ".rnn").replace(/.*\//, "") : c.file, local ? readFileSync(join(ROOT, c.file), "utf8") : undefined))[c.cell] as Factory;
  });
  const modes = c.dropout ? [{ training: false }, { training: true, seed: 5 }] : [{}];

  it.each(CASES.flatMap((k) => modes.map((m) => ({ ...k, mode: m }))))("batch $batch, steps $steps, lengths $lengths, $mode", ({ batch, steps, lengths, mode }) => {
    const d = Object.fromEntries(c.dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    const js = factory(d, { dtype: "float32", backend: "js" }) as AnyCell;
    const wasm = factory(d, { dtype: "float32", backend: "wasm" }) as AnyCell;
    expect((wasm as unknown as { backend: string }).backend).toBe("wasm");
    const params = js.init(3);
    const x = inputsOf(c, d, steps * batch, 1, data);
    // A first run on other data leaves its values in the memory the second run reuses.
    const warm = wasm.forward(js.init(4), inputsOf(c, d, steps * batch, 5, data), { batch, steps, ...(c.dropout ? { training: true, seed: 99 } : {}) });
    wasm.backward(warm, { outputs: Object.fromEntries(Object.entries(warm.outputs).map(([k, v]) => [k, data(v.length, 6)])) });
    const a = js.forward(params, x, { batch, steps, lengths, ...mode });
    const b = wasm.forward(params, x, { batch, steps, lengths, ...mode });
    for (const k of Object.keys(a.outputs)) expect(maxRelError(b.outputs[k]!, a.outputs[k]!), `output ${k}`).toBeLessThan(1e-5);
    for (const k of Object.keys(a.final)) expect(maxRelError(b.final[k]!, a.final[k]!), `final ${k}`).toBeLessThan(1e-5);
    const seeds = {
      outputs: Object.fromEntries(Object.entries(a.outputs).map(([k, v], i) => [k, data(v.length, 2 + i)])),
      final: Object.fromEntries(Object.entries(a.final).map(([k, v], i) => [k, data(v.length, 9 + i)])),
    };
    const ga = js.backward(a, seeds);
    const gb = wasm.backward(b, seeds);
    for (const k of Object.keys(ga.params)) expect(maxRelError(gb.params[k]!, ga.params[k]!), `d${k}`).toBeLessThan(1e-5);
    const [dxa, dxb] = [inputGradients(c, ga), inputGradients(c, gb)];
    expect(Object.keys(dxb)).toEqual(c.inputs.map((i) => i.name));
    for (const k of Object.keys(dxa)) expect(maxRelError(dxb[k]!, dxa[k]!), `d input ${k}`).toBeLessThan(1e-5);
    for (const k of Object.keys(ga.initial)) expect(maxRelError(gb.initial[k]!, ga.initial[k]!), `d initial ${k}`).toBeLessThan(1e-5);
  });
});

describe("dropout on wasm draws the masks JS draws", () => {
  it("training changes the result; the same seed repeats it, another seed does not; outside training it is the identity", async () => {
    const factory = (await importGenerated("three_inputs.rnn", readFileSync(join(ROOT, THREE_INPUTS), "utf8"))).Tri as Factory;
    const plain = (await importGenerated("three_inputs.rnn", readFileSync(join(ROOT, THREE_INPUTS), "utf8").replace(/dropout\(([^,]+), [0-9.]+\)/g, "$1"), "_plain")).Tri as Factory;
    const c = fileCells(THREE_INPUTS, "three_inputs.rnn")[0]!;
    const d = { I: 3, U: 5, H: 6 };
    const wasm = factory(d, { backend: "wasm" }) as AnyCell;
    const none = plain(d, { backend: "wasm" }) as AnyCell;
    const params = wasm.init(1);
    const x = inputsOf(c, d, 4 * 3, 2, data);
    const run = (m: AnyCell, mode: Record<string, unknown>) => Array.from(m.forward(params, x, { batch: 3, steps: 4, ...mode }).outputs.h!);
    const seeded = run(wasm, { training: true, seed: 1 });
    expect(run(wasm, { training: true, seed: 1 })).toEqual(seeded);
    expect(maxRelError(run(wasm, { training: true, seed: 2 }), seeded)).toBeGreaterThan(1e-3);
    expect(maxRelError(seeded, run(none, {}))).toBeGreaterThan(1e-3);
    // Ones multiply exactly; only the order of sums differs (a masked W_h is a per-example product, not a GEMM).
    expect(maxRelError(run(wasm, {}), run(none, {}))).toBeLessThan(1e-6);
    expect(run(wasm, { training: false })).toEqual(run(wasm, {}));
  });

  it("refuses training without a seed, with the JS backend's words", async () => {
    const factory = (await importGenerated("examples/vardrop_gru.rnn")).VarDropGRU as Factory;
    for (const backend of ["js", "wasm"] as const) {
      const cell = factory({ I: 3, H: 4 }, { backend }) as AnyCell;
      expect(() => cell.forward(cell.init(1), new Float32Array(3), { batch: 1, steps: 1, training: true })).toThrow("VarDropGRU.forward: options.seed is required when options.training is true");
      expect(() => cell.forward(cell.init(1), new Float32Array(3), { batch: 1, steps: 1, training: "yes" })).toThrow("options.training must be true or false");
      expect(() => cell.forward(cell.init(1), new Float32Array(3), { batch: 1, steps: 1, training: true, seed: 0.5 })).toThrow("options.seed must be an integer");
    }
  });
});

describe("every cell runs on wasm", () => {
  it.each(exampleCells())("$file: cell $cell defaults to wasm in float32", async ({ file, cell, dims }) => {
    const factory = (await importGenerated(file))[cell] as Factory;
    const d = Object.fromEntries(dims.map((n, i) => [n, SIZES[i % SIZES.length]!]));
    expect((factory(d, { dtype: "float32" }) as unknown as { backend: string }).backend).toBe("wasm");
  });
});
