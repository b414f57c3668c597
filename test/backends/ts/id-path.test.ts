import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

/**
 * Embedding as a gather (issue 11): a layer fed `onehot(ids)` whose cell reads its input only
 * through products `W @ x` runs on the cell's id path — a gather forward, a scatter-add into dW
 * backward, the T·B·V one-hot rows never made. The reference is the same model with a vector
 * input fed the one-hot rows by hand (the one-hot path, plain GEMMs): the two must agree
 * (float64 1e-12; the wasm kernels in float32 against it 1e-5), with lengths (one of them 0)
 * and garbage past them, which neither path may read.
 */
type Model = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64"; backend?: "wasm" | "js"; threads?: number }) => {
  init(seed: number): Record<string, Float32Array | Float64Array>;
  ready: Promise<void>;
  dispose(): void;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: Record<string, unknown>): { outputs: Record<string, Float64Array>; final: Record<string, Float64Array>; loss?: number };
  backward(run: unknown, seeds?: Record<string, unknown>): { params: Record<string, Float64Array>; initial: Record<string, Float64Array> };
};
type Cell = (dims: Record<string, number>, options?: Record<string, unknown>) => { forwardIds?: unknown };

const TWO_MATMULS = `import Linear from std
# x in two products: both are gathers, dW1 and dW2 both scatter-adds.
cell Two(V, H) {
  input x: [V]
  state h: [H]
  param W1: [H, V]
  param W2: [H, V]
  param U: [H, H]
  param b: [H] = 0
  h' = tanh(W1 @ x + U @ h + b) * sigmoid(W2 @ x)
  output y = h'
}
model M(V, H) {
  input tokens: index(V)
  target next: index(V)
  layer two = Two(V, H)
  layer once = Two(V, H)
  layer out = Linear(H, V)
  output logits = out(two(tokens))
  output first = once(last(tokens))
  loss cross_entropy(logits, next)
}`;

const MIXED = `import Linear from std
# x is also summed: the one-hot vector is needed, so this cell keeps the one-hot path.
cell Mixed(V, H) {
  input x: [V]
  state h: [H]
  param W: [H, V]
  param U: [H, H]
  h' = tanh(W @ x + U @ h) * sum(x)
  output y = h'
}
model M(V, H) {
  input tokens: index(V)
  target next: index(V)
  layer mixed = Mixed(V, H)
  layer out = Linear(H, V)
  output logits = out(mixed(tokens))
  loss cross_entropy(logits, next)
}`;

const X_AT_W = `import Linear from std
# PyTorch's \`one_hot @ weight\`: x on the left, W [V, E] — a gather of W's rows, a scatter-add into dW's rows.
cell RowEmbed(V, E, H) {
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
  target next: index(V)
  layer rec = RowEmbed(V, E, H)
  layer out = Linear(H, V)
  output logits = out(rec(tokens))
  loss cross_entropy(logits, next)
}`;

const CHAR_MODEL = readFileSync(join(ROOT, "examples/char_model.rnn"), "utf8");

/** The model as written (ids) and its twin with the ids input replaced by a vector of width V. */
async function twins(name: string, text: string, factory: string): Promise<{ ids: Model; dense: Model; module: Record<string, unknown> }> {
  const module = await importGenerated(`test/id-path-${name}.rnn`, text);
  const denseText = text.replace(/input tokens: index\(V\)/, "input tokens: [V]");
  expect(denseText).not.toBe(text);
  const dense = (await importGenerated(`test/id-path-${name}-dense.rnn`, denseText))[factory] as Model;
  return { ids: module[factory] as Model, dense, module };
}

const T = 5;
const B = 3;
const lengths = [5, 2, 0];
const valid = (r: number) => Math.floor(r / B) < lengths[r % B]!;

/** Ids with garbage past each example's length (never read), and their one-hot rows (zero there). */
function data(V: number) {
  const garbage = [-7, 1e9, Number.NaN, 2.5];
  const ids = Array.from({ length: T * B }, (_, r) => (valid(r) ? (r * 7 + 3) % V : garbage[r % garbage.length]!));
  const onehot = new Float64Array(T * B * V);
  ids.forEach((v, r) => {
    if (valid(r)) onehot[r * V + v] = 1;
  });
  const next = ids.map((v, r) => (valid(r) ? (v + 1) % V : 0));
  return { ids, onehot, next };
}

function compare(ids: Model, dense: Model, dims: Record<string, number>, options: { dtype: "float32" | "float64"; backend: "wasm" | "js" }, tol: number) {
  const a = ids(dims, options);
  const b = dense(dims, { dtype: "float64", backend: "js" });
  const params = b.init(3);
  const { ids: x, onehot, next } = data(dims["V"]!);
  const opts = { batch: B, steps: T, lengths, targets: { next } };
  const ra = a.forward(params, x, opts);
  const rb = b.forward(params, onehot, opts);
  expect(Math.abs(ra.loss! - rb.loss!)).toBeLessThan(tol);
  for (const k of Object.keys(rb.outputs)) expect(maxRelError(ra.outputs[k]!, rb.outputs[k]!), `outputs.${k}`).toBeLessThan(tol);
  for (const k of Object.keys(rb.final)) expect(maxRelError(ra.final[k]!, rb.final[k]!), `final.${k}`).toBeLessThan(tol);
  const ga = a.backward(ra);
  const gb = b.backward(rb);
  for (const k of Object.keys(gb.params)) expect(maxRelError(ga.params[k]!, gb.params[k]!), `params.${k}`).toBeLessThan(tol);
  for (const k of Object.keys(gb.initial)) expect(maxRelError(ga.initial[k]!, gb.initial[k]!), `initial.${k}`).toBeLessThan(tol);
  a.dispose();
  return ga;
}

const CASES: { name: string; text: string; factory: string; cell: string; dims: Record<string, number>; cellDims: Record<string, number>; idPath: boolean }[] = [
  { name: "char-model", text: CHAR_MODEL, factory: "CharModel", cell: "Embedding", dims: { V: 13, E: 4, H: 6 }, cellDims: { V: 13, E: 4 }, idPath: true },
  { name: "two-matmuls", text: TWO_MATMULS, factory: "M", cell: "Two", dims: { V: 9, H: 5 }, cellDims: { V: 9, H: 5 }, idPath: true },
  { name: "x-at-w", text: X_AT_W, factory: "M", cell: "RowEmbed", dims: { V: 11, E: 4, H: 5 }, cellDims: { V: 11, E: 4, H: 5 }, idPath: true },
  { name: "mixed", text: MIXED, factory: "M", cell: "Mixed", dims: { V: 9, H: 5 }, cellDims: { V: 9, H: 5 }, idPath: false },
];

describe("a layer fed ids runs its cell's id path when its input only multiplies weights", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.cell} ${c.idPath ? "has" : "has no"} id path`, async () => {
      const { module } = await twins(c.name, c.text, c.factory);
      const inst = (module[c.cell] as Cell)(c.cellDims, { dtype: "float64" });
      expect(typeof inst.forwardIds).toBe(c.idPath ? "function" : "undefined");
    });
    it(`${c.name}: float64 equals the one-hot path (1e-12), lengths and garbage past them`, async () => {
      const { ids, dense } = await twins(c.name, c.text, c.factory);
      compare(ids, dense, c.dims, { dtype: "float64", backend: "js" }, 1e-12);
    });
    it(`${c.name}: wasm float32 agrees with it (1e-5)`, async () => {
      const { ids, dense } = await twins(c.name, c.text, c.factory);
      compare(ids, dense, c.dims, { dtype: "float32", backend: "wasm" }, 1e-5);
      compare(ids, dense, c.dims, { dtype: "float32", backend: "js" }, 1e-5);
    });
  }

  it("the wasm id path gives the same bits on 1 and 2 threads", async () => {
    const { ids } = await twins("char-model", CHAR_MODEL, "CharModel");
    const dims = { V: 37, E: 16, H: 8 };
    const runs = [];
    for (const threads of [1, 2]) {
      const m = ids(dims, { dtype: "float32", backend: "wasm", threads });
      await m.ready;
      const { ids: x, next } = data(dims.V);
      const r = m.forward(m.init(5), x, { batch: B, steps: T, lengths, targets: { next } });
      runs.push({ r, g: m.backward(r) });
      m.dispose();
    }
    expect(Array.from(runs[1]!.r.outputs["logits"]!)).toEqual(Array.from(runs[0]!.r.outputs["logits"]!));
    for (const k of Object.keys(runs[0]!.g.params)) expect(Array.from(runs[1]!.g.params[k]!), k).toEqual(Array.from(runs[0]!.g.params[k]!));
  });

  it("on the wasm backend the id path runs in the instance's memory (gathers and scatter-adds in wasm)", async () => {
    const { module } = await twins("two-matmuls", TWO_MATMULS, "M");
    const cell = (module["Two"] as (d: Record<string, number>, o: object) => { init(s: number): Record<string, Float32Array>; forwardIds(p: unknown, ids: Int32Array, o: object): { tape: { heap?: unknown; ids?: boolean } }; dispose(): void })({ V: 9, H: 5 }, { backend: "wasm" });
    const run = cell.forwardIds(cell.init(1), Int32Array.from({ length: 6 }, (_, i) => i % 9), { batch: 2, steps: 3 });
    expect(run.tape.ids).toBe(true);
    expect(run.tape.heap).toBeDefined();
    cell.dispose();
  });

  it("the wasm id path splits its gathers and scatter-adds between threads with the same bits, and equals the one-hot path", async () => {
    // T·B·E = 2048 × 768 floats: above the pool's work threshold, so the E columns are split.
    const { ids, dense } = await twins("char-model", CHAR_MODEL, "CharModel");
    const dims = { V: 50, E: 768, H: 8 };
    const [T2, B2] = [64, 32];
    const len2 = Array.from({ length: B2 }, (_, b) => (b === 3 ? 0 : 1 + ((b * 13) % T2)));
    const ok = (r: number) => Math.floor(r / B2) < len2[r % B2]!;
    const x = Array.from({ length: T2 * B2 }, (_, r) => (ok(r) ? (r * 31 + 7) % dims.V : -1));
    const next = x.map((v, r) => (ok(r) ? (v + 3) % dims.V : 0));
    const opts = { batch: B2, steps: T2, lengths: len2, targets: { next } };
    const runs = [];
    for (const threads of [1, 2]) {
      const m = ids(dims, { dtype: "float32", backend: "wasm", threads });
      await m.ready;
      const r = m.forward(m.init(5), x, opts);
      runs.push({ r, g: m.backward(r) });
      m.dispose();
    }
    expect(Array.from(runs[1]!.r.outputs["logits"]!)).toEqual(Array.from(runs[0]!.r.outputs["logits"]!));
    for (const k of Object.keys(runs[0]!.g.params)) expect(Array.from(runs[1]!.g.params[k]!), k).toEqual(Array.from(runs[0]!.g.params[k]!));
    // The reference: float64 one-hot rows through plain products.
    const ref = dense(dims, { dtype: "float64", backend: "js" });
    const onehot = new Float64Array(T2 * B2 * dims.V);
    x.forEach((v, r) => {
      if (ok(r)) onehot[r * dims.V + v] = 1;
    });
    const p = ids(dims, { dtype: "float32", backend: "js" }).init(5);
    const rr = ref.forward(p, onehot, opts);
    const gr = ref.backward(rr);
    expect(maxRelError(runs[0]!.r.outputs["logits"]!, rr.outputs["logits"]!)).toBeLessThan(1e-5);
    for (const k of Object.keys(gr.params)) expect(maxRelError(runs[0]!.g.params[k]!, gr.params[k]!), k).toBeLessThan(1e-4);
  });

  it("an id out of range at a valid step is refused, naming the element", async () => {
    const { ids } = await twins("char-model", CHAR_MODEL, "CharModel");
    const m = ids({ V: 13, E: 4, H: 6 }, { dtype: "float64" });
    const { ids: x, next } = data(13);
    x[1] = 13;
    expect(() => m.forward(m.init(1), x, { batch: B, steps: T, lengths, targets: { next } })).toThrow(/tokens\[1\] must be an integer id between 0 and 12, received 13/);
  });
});
