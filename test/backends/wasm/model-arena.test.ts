import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, writeGenerated } from "../../helpers/generated.js";

/**
 * A model's layers share one arena: one WebAssembly memory, one instance of the kernels, one
 * pool of worker threads and one allocator (a model of L layers on N threads starts N − 1
 * workers, not L·(N − 1)). Results stay bit-identical for 1, 2 and 4 threads, the arena's
 * memory does not grow call after call, and dispose() stops the one pool.
 */
interface Arena {
  readonly threads: number;
  readonly bytesInUse: number;
  readonly memory: { readonly buffer: ArrayBufferLike };
}
interface ModelRun {
  readonly outputs: Record<string, Float32Array>;
  readonly final: Record<string, Float32Array>;
  readonly loss?: number;
  readonly tape: { readonly runs: readonly { readonly run: { readonly tape: { readonly heap?: { readonly arena: Arena } } } }[] };
}
interface Model {
  readonly ready: Promise<void>;
  init(seed: number): Record<string, Float32Array>;
  forward(params: unknown, input: unknown, options: object): ModelRun;
  backward(run: ModelRun, seeds?: object): { params: Record<string, Float32Array>; x?: Float32Array; initial: Record<string, Float32Array> };
  dispose(): void;
}
type ModelFactory = (dims: Record<string, number>, options?: object) => Model;

const [B, T] = [19, 6];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
}
function ids(n: number, V: number, seed: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % V);
}
const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));

// Sizes large enough that each layer's products and loops are split between threads.
const CASES: { file: string; model: string; dims: Record<string, number>; input: () => unknown; seeds: object; options: object }[] = [
  { file: "examples/stacked_lstm.rnn", model: "StackedLSTM", dims: { I: 48, H: 96 }, input: () => data(T * B * 48, 1), seeds: { outputs: { y: data(T * B * 96, 2) } }, options: {} },
  { file: "examples/bigru.rnn", model: "BiGRU", dims: { I: 48, H: 96 }, input: () => data(T * B * 48, 1), seeds: { outputs: { y: data(T * B * 192, 2) } }, options: {} },
  {
    file: "examples/conditional_char_model.rnn",
    model: "ConditionalCharModel",
    dims: { V: 300, G: 5, E: 64, S: 16, H: 96 },
    input: () => ({ tokens: ids(T * B, 300, 1), style: ids(B, 5, 2) }),
    seeds: {},
    options: { targets: { next: ids(T * B, 300, 3) } },
  },
];

function bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The arenas of the layer runs on the wasm kernels (a layer fed ids gathers its rows in TypeScript: no heap). */
function arenasOf(run: ModelRun): Arena[] {
  return run.tape.runs.flatMap((r) => (r.run.tape.heap === undefined ? [] : [r.run.tape.heap.arena]));
}

describe.each(CASES)("$model: every layer on one arena", ({ file, model, dims, input, seeds, options }) => {
  let factory: ModelFactory;
  beforeAll(async () => {
    factory = (await importGenerated(file))[model] as ModelFactory;
  });

  /** SHA-256 of every result's bytes, in order. */
  async function digest(threads: number): Promise<string> {
    const m = factory(dims, { backend: "wasm", threads });
    await m.ready;
    const p = m.init(5);
    const r = m.forward(p, input(), { batch: B, steps: T, lengths, ...options });
    const g = m.backward(r, seeds);
    const hash = createHash("sha256");
    for (const a of [...Object.values(r.outputs), ...Object.values(r.final), ...Object.values(g.params), ...Object.values(g.initial), ...(g.x ? [g.x] : [])]) hash.update(bytes(a));
    if (r.loss !== undefined) hash.update(String(r.loss));
    m.dispose();
    return hash.digest("hex");
  }

  it("shares one memory and one pool between the layers", async () => {
    const m = factory(dims, { backend: "wasm", threads: 2 });
    await m.ready;
    const r = m.forward(m.init(5), input(), { batch: B, steps: T, ...options });
    const arenas = arenasOf(r);
    expect(arenas.length).toBeGreaterThan(1);
    for (const a of arenas) expect(a).toBe(arenas[0]);
    const workers = (arenas[0] as unknown as { pool: { workers: unknown[] } }).pool.workers;
    expect(workers.length).toBe(1);
    m.dispose();
    expect((arenas[0] as unknown as { pool: unknown }).pool).toBeUndefined();
    expect(() => m.forward(m.init(5), input(), { batch: B, steps: T, ...options })).toThrowError(new Error(`${model}.forward: this instance was disposed`));
  });

  it("names the model, not a layer's cell, in a mistake in its options", () => {
    expect(() => factory(dims, { threads: 1.5 })).toThrowError(new Error(`${model}: options.threads must be an integer from 1 to 64, received 1.5`));
    expect(() => factory(dims, { backend: "js", simd: "relaxed" })).toThrowError(new Error(`${model}: options.simd "relaxed" chooses the wasm backend's kernels, but options.backend is "js"`));
    expect(() => factory(dims, { backend: "gpu" })).toThrowError(new Error(`${model}: options.backend must be "wasm" or "js", received "gpu"`));
  });

  it("gives the same bytes on 1, 2 and 4 threads", async () => {
    const one = await digest(1);
    expect(await digest(2)).toEqual(one);
    expect(await digest(4)).toEqual(one);
  });

  it("reuses its memory: once each layer holds its last tapes, more steps use no more of it", async () => {
    const m = factory(dims, { backend: "wasm" });
    const p = m.init(5);
    const runs: ModelRun[] = [];
    const step = () => {
      const r = m.forward(p, input(), { batch: B, steps: T, lengths, ...options });
      m.backward(r, seeds);
      runs.push(r); // kept alive: their tapes are freed by eviction, not by the garbage collector
      return arenasOf(r)[0]!;
    };
    for (let i = 0; i < 6; i++) step();
    const arena = step();
    const [inUse, size] = [arena.bytesInUse, arena.memory.buffer.byteLength];
    expect(inUse).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++) step();
    expect(arena.bytesInUse).toBe(inUse);
    expect(arena.memory.buffer.byteLength).toBe(size);
    m.dispose();
  });
});

describe("StackedLSTM: l0's output reaches l1 inside the arena, its gradient comes back there", () => {
  type Cell = (dims: Record<string, number>, options?: object) => {
    forward(p: object, x: ArrayLike<number>, o: object): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
    backward(run: unknown, seeds: object): { params: Record<string, Float32Array>; x: Float32Array; initial: Record<string, Float32Array> };
  };
  const [I, H] = [48, 96];

  it("keeps no array for it, and gives the bytes of the two layers chained through arrays", async () => {
    const mod = await importGenerated("examples/stacked_lstm.rnn");
    const model = (mod["StackedLSTM"] as ModelFactory)({ I, H }, { backend: "wasm" });
    const cell = mod["LSTM"] as Cell;
    const [l0, l1] = [cell({ I, H }, { backend: "wasm" }), cell({ I: H, H }, { backend: "wasm" })];
    const p = model.init(5);
    const layer = (l: string) => Object.fromEntries(["W_ih", "W_hh", "b_ih", "b_hh"].map((k) => [k, p[`${l}.${k}`]!]));
    const state = (seed: number) => data(B * H, seed);
    const x = data(T * B * I, 1);
    const dy = data(T * B * H, 2);
    const r = model.forward(p, x, { batch: B, steps: T, lengths, initial: { "l0.h": state(3), "l1.c": state(4) } });
    // The model's nodes: x, l0(x), l1(l0(x)); the middle one lives in the arena only.
    const values = (r.tape as unknown as { values: unknown[] }).values;
    expect(Array.from(values, (v) => v === undefined)).toEqual([false, true, false]);

    const r0 = l0.forward(layer("l0"), x, { batch: B, steps: T, lengths, initial: { h: state(3) } });
    const r1 = l1.forward(layer("l1"), r0.outputs["h"]!, { batch: B, steps: T, lengths, initial: { c: state(4) } });
    expect(bytes(r.outputs["y"]!)).toEqual(bytes(r1.outputs["h"]!));
    for (const s of ["h", "c"]) {
      expect(bytes(r.final[`l0.${s}`]!)).toEqual(bytes(r0.final[s]!));
      expect(bytes(r.final[`l1.${s}`]!)).toEqual(bytes(r1.final[s]!));
    }

    const g = model.backward(r, { outputs: { y: dy }, final: { "l0.c": state(5), "l1.h": state(6) } });
    const g1 = l1.backward(r1, { outputs: { h: dy }, final: { h: state(6) } });
    const g0 = l0.backward(r0, { outputs: { h: g1.x }, final: { c: state(5) } });
    for (const [l, gl] of [["l0", g0], ["l1", g1]] as const) {
      for (const [k, v] of Object.entries(gl.params)) expect(bytes(g.params[`${l}.${k}`]!), `${l}.${k}`).toEqual(bytes(v));
      for (const [k, v] of Object.entries(gl.initial)) expect(bytes(g.initial[`${l}.${k}`]!), `initial ${l}.${k}`).toEqual(bytes(v));
    }
    expect(bytes(g.x!)).toEqual(bytes(g0.x));
    model.dispose();
  });
});

describe("a model's one pool never keeps Node alive", () => {
  it("a process that forgets dispose() exits, as does one that disposes, with the numbers of one thread", async () => {
    const file = writeGenerated("examples/stacked_lstm.rnn");
    const script = fileURLToPath(new URL("./fixtures/model-exit.ts", import.meta.url));
    // The same run on one thread, here: the child's sum must be these bytes' sum.
    const m = ((await importGenerated("examples/stacked_lstm.rnn"))["StackedLSTM"] as ModelFactory)({ I: 48, H: 96 }, { backend: "wasm" });
    const p = m.init(5);
    const x = Float32Array.from({ length: T * B * 48 }, (_, i) => Math.sin(i * 0.37));
    const r = m.forward(p, x, { batch: B, steps: T });
    const g = m.backward(r, { outputs: { y: Float32Array.from({ length: T * B * 96 }, (_, i) => Math.cos(i)) } });
    let s = 0;
    for (const v of r.outputs["y"]!) s += v;
    for (const v of g.params["l0.W_ih"]!) s += v;
    for (const mode of ["forget", "dispose"]) {
      const child = spawnSync(process.execPath, ["--import", "tsx", script, file, mode], { encoding: "utf8", timeout: 60_000 });
      expect(child.stderr).toBe("");
      expect(child.stdout.trim()).toBe(`sum ${s}`);
      expect(child.status).toBe(0);
    }
    m.dispose();
  });
});
