import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileFile } from "../../../src/compiler.js";
import type { CheckedModel } from "../../../src/check/model-types.js";
import { modelLayout } from "../../../src/verify/model-layout.js";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

/**
 * Every example model on the wasm kernels against the same model on the TypeScript kernels
 * (float32 both, the same params and data): outputs, final states, the loss and every gradient
 * agree to 1e-5 (relative where values exceed 1), batch 7 with lengths. Layers whose cells have
 * several inputs or dropout run on wasm like the rest; a model with dropout (its own or a layer's)
 * runs in training with a seed, so both back ends must draw the same masks.
 */
const SIZES = [3, 5, 6, 4, 7];
const [B, T] = [7, 4];
const lengths = [4, 1, 3, 2, 2, 4, 3];

type Arrays = Record<string, ArrayLike<number>>;
interface Model {
  readonly backend: string;
  init(seed: number): Record<string, Float32Array>;
  forward(params: Arrays, input: unknown, options: Record<string, unknown>): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array>; loss?: number };
  backward(run: unknown, seeds: Record<string, unknown>): Record<string, unknown>;
}
type Make = (dims: Record<string, number>, options: object) => Model;

const models = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".rnn"))
  .sort()
  .flatMap((f) => {
    const file = `examples/${f}`;
    const units = compileFile(file, readFileSync(join(ROOT, file), "utf8")).units;
    return units.flatMap((u) => (u.kind === "model" ? [{ file, name: u.name, model: (u as { model: CheckedModel }).model }] : []));
  });

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 5.3 + i * 1.13) * 0.9);
}

/** Every numeric array in a result, by its path (gradients of params, inputs, initial states). */
function arrays(value: unknown, path = ""): [string, ArrayLike<number>][] {
  if (ArrayBuffer.isView(value)) return [[path, value as unknown as ArrayLike<number>]];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => arrays(v, `${path}.${k}`));
}

describe.each(models)("$file: model $name runs the same on wasm and js", ({ file, name, model }) => {
  it("forward and backward, batch 7 with lengths", async () => {
    const dims = Object.fromEntries(model.dims.map((d, i) => [d, SIZES[i % SIZES.length]!]));
    const layout = modelLayout(model, dims);
    const make = (await importGenerated(file))[name] as Make;
    const js = make(dims, { dtype: "float32", backend: "js" });
    const wasm = make(dims, { dtype: "float32", backend: "wasm" });
    expect(wasm.backend).toBe("wasm");
    const params = js.init(2);
    const rows = (once: boolean) => (once ? B : T * B);
    const ids = (n: number, size: number, seed: number) => Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % size);
    const values = layout.inputs.map((x, k) => (x.kind === "vector" ? data(rows(x.once) * x.size, 1 + k) : ids(rows(x.once), x.size, k)));
    const input = layout.inputs.length === 1 ? values[0] : Object.fromEntries(layout.inputs.map((x, k) => [x.name, values[k]]));
    const targets = Object.fromEntries(layout.targets.map((t, k) => [t.name, t.kind === "vector" ? data(rows(t.once) * t.size, 9 + k) : ids(rows(t.once), t.size, 3 + k)]));
    const dropout = model.nodes.some((n) => n.op === "dropout") || layout.layers.some((l) => l.graph.nodes.some((n) => n.op === "dropout"));
    const options = { batch: B, steps: T, lengths, ...(layout.targets.length > 0 ? { targets } : {}), ...(dropout ? { training: true, seed: 4 } : {}) };
    const a = js.forward(params, input, options);
    const b = wasm.forward(params, input, options);
    for (const k of Object.keys(a.outputs)) expect(maxRelError(b.outputs[k]!, a.outputs[k]!), `output ${k}`).toBeLessThan(1e-5);
    for (const k of Object.keys(a.final)) expect(maxRelError(b.final[k]!, a.final[k]!), `final ${k}`).toBeLessThan(1e-5);
    if (a.loss !== undefined) expect(Math.abs(b.loss! - a.loss) / Math.max(1, Math.abs(a.loss)), "loss").toBeLessThan(1e-5);
    const seeds = {
      outputs: Object.fromEntries(Object.entries(a.outputs).map(([k, v], i) => [k, data(v.length, 20 + i)])),
      ...(a.loss !== undefined ? { loss: 1 } : {}),
    };
    const ga = arrays(js.backward(a, seeds));
    const gb = new Map(arrays(wasm.backward(b, seeds)));
    expect(ga.length).toBeGreaterThan(0);
    expect([...gb.keys()]).toEqual(ga.map(([k]) => k));
    for (const [k, v] of ga) expect(maxRelError(gb.get(k)!, v), k).toBeLessThan(1e-5);
  });
});
