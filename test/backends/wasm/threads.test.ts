import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, type CellInstance, type Factory } from "../../helpers/generated.js";

/**
 * Threads split outputs (GEMM panels, rows), never a reduction: results are bit-identical
 * for 1, 2 and 4 threads, and a run repeated gives the same bytes. The sizes make every
 * GEMM large enough to be split (above the pool's work threshold). A cell with two inputs, and
 * one with dropout in training (its masks drawn from the seed, read by rows split between threads).
 */
interface Threaded extends CellInstance {
  ready: Promise<void>;
  dispose(): void;
}

const [I, H, B] = [64, 128, 13];
// VarDropGRU runs 240 steps so that its loops over all T·B rows (the input's dropout, and its
// gradient's) are large enough to be split too: a thread's rows then start mid-batch.
const CASES: { file: string; cell: string; dims: Record<string, number>; T: number; input: (T: number) => unknown; mode: object }[] = [
  { file: "examples/lstm.rnn", cell: "LSTM", dims: { I, H }, T: 4, input: (T) => data(T * B * I, 1), mode: {} },
  { file: "examples/layernorm_lstm.rnn", cell: "LayerNormLSTM", dims: { I, H }, T: 4, input: (T) => data(T * B * I, 1), mode: {} },
  { file: "examples/conditional_gru.rnn", cell: "ConditionalGRU", dims: { I, C: 24, H }, T: 4, input: (T) => ({ x: data(T * B * I, 1), ctx: data(T * B * 24, 3) }), mode: {} },
  { file: "examples/vardrop_gru.rnn", cell: "VarDropGRU", dims: { I, H: 32 }, T: 240, input: (T) => data(T * B * I, 1), mode: { training: true, seed: 12 } },
];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
}

function bytes(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe.each(CASES)("$cell on threads", ({ file, cell, dims, T, input, mode }) => {
  let factory: Factory;
  beforeAll(async () => {
    factory = (await importGenerated(file))[cell] as Factory;
  });

  /** SHA-256 of every result's bytes, in order (a deep comparison of typed arrays is slow). */
  async function run(threads: number): Promise<string> {
    const c = factory(dims, { backend: "wasm", threads }) as unknown as Threaded;
    await c.ready;
    const p = c.init(7);
    const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
    const r = (c.forward as (p: unknown, x: unknown, o: object) => ReturnType<Threaded["forward"]>)(p, input(T), { batch: B, steps: T, lengths, ...mode });
    const g = c.backward(r, { outputs: { h: data(T * B * dims.H!, 2) } }) as ReturnType<Threaded["backward"]> & { inputs?: Record<string, Float32Array> };
    const hash = createHash("sha256");
    const results = [...Object.values(r.outputs), ...Object.values(r.final), ...(g.inputs ? Object.values(g.inputs) : [g.x]), ...Object.values(g.params), ...Object.values(g.initial)];
    for (const a of results) hash.update(bytes(a));
    c.dispose();
    return hash.digest("hex");
  }

  it("gives the same bytes on 1, 2 and 4 threads, and when run again", async () => {
    const one = await run(1);
    expect(await run(1)).toEqual(one);
    expect(await run(2)).toEqual(one);
    expect(await run(4)).toEqual(one);
  });
});
