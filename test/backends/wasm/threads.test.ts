import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, type CellInstance, type Factory } from "../../helpers/generated.js";

/**
 * Threads split outputs (GEMM panels, rows), never a reduction: results are bit-identical
 * for 1, 2 and 4 threads, and a run repeated gives the same bytes. The sizes make every
 * GEMM large enough to be split (above the pool's work threshold), and the loops of a step
 * too (37 rows × 128 elements of gate math, forward and backward); 37 rows split unevenly.
 */
interface Threaded extends CellInstance {
  ready: Promise<void>;
  dispose(): void;
}

const CASES = [
  { file: "examples/lstm.rnn", cell: "LSTM" },
  { file: "examples/layernorm_lstm.rnn", cell: "LayerNormLSTM" },
];
const [I, H, B, T] = [64, 128, 37, 3];

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
}

function bytes(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe.each(CASES)("$cell on threads", ({ file, cell }) => {
  let factory: Factory;
  beforeAll(async () => {
    factory = (await importGenerated(file))[cell] as Factory;
  });

  /** SHA-256 of every result's bytes, in order (a deep comparison of typed arrays is slow). */
  async function run(threads: number): Promise<string> {
    const c = factory({ I, H }, { backend: "wasm", threads }) as unknown as Threaded;
    await c.ready;
    const p = c.init(7);
    const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
    const r = c.forward(p, data(T * B * I, 1), { batch: B, steps: T, lengths });
    const g = c.backward(r, { outputs: { h: data(T * B * H, 2) } });
    const hash = createHash("sha256");
    for (const a of [r.outputs.h!, r.final.c!, g.x, ...Object.values(g.params), ...Object.values(g.initial)]) hash.update(bytes(a));
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
