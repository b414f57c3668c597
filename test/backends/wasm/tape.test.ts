import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, type Factory } from "../../helpers/generated.js";

/**
 * The tape of the wasm backend lives in the instance's memory. An instance keeps the last
 * few forward tapes there; an older one is copied out and comes back when backward() asks
 * for it, so a run's gradients never depend on what ran in between. Inference without a
 * tape (`tape: false`) refuses backward() with a message saying why.
 */
const dims = { I: 6, H: 5 };
const [B, T] = [3, 4];
const data = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(s + i * 0.9));

describe("the wasm backend's tapes", () => {
  let LSTM: Factory;
  beforeAll(async () => {
    LSTM = (await importGenerated("examples/lstm.rnn")).LSTM as Factory;
  });

  it("backward of an old run (its tape copied out meanwhile) gives that run's gradients", () => {
    const cell = LSTM(dims, { backend: "wasm" });
    const p = cell.init(1);
    const seeds = { outputs: { h: data(T * B * dims.H, 9) } };
    const first = cell.forward(p, data(T * B * dims.I, 0), { batch: B, steps: T });
    const later = Array.from({ length: 6 }, (_, k) => cell.forward(p, data(T * B * dims.I, k + 1), { batch: B, steps: T }));
    const g = cell.backward(first, seeds);
    const fresh = LSTM(dims, { backend: "wasm" });
    const want = fresh.backward(fresh.forward(p, data(T * B * dims.I, 0), { batch: B, steps: T }), seeds);
    expect(g.params.W_hh).toEqual(want.params.W_hh);
    expect(g.x).toEqual(want.x);
    expect(cell.backward(later[5]!, seeds).params.W_ih).toEqual(fresh.backward(fresh.forward(p, data(T * B * dims.I, 6), { batch: B, steps: T }), seeds).params.W_ih);
  });

  it("refuses backward() of a run made with tape: false", () => {
    const cell = LSTM(dims, { backend: "wasm" });
    const run = cell.forward(cell.init(1), data(T * B * dims.I, 0), { batch: B, steps: T, tape: false });
    expect(run.outputs.h!.length).toBe(T * B * dims.H);
    // Seeded, so that the only thing wrong is the released tape.
    expect(() => cell.backward(run, { outputs: { h: new Float32Array(T * B * dims.H).fill(1) } })).toThrow("LSTM.backward: this run's tape was released (forward with `tape: false`");
  });

  // Blocks come back from the allocator holding an earlier call's values: a forward must write
  // every row it reads (it zeroes only the initial states' rows of each history).
  it.each([
    ["examples/lstm.rnn", "LSTM", { I: 6, H: 5 }, {}],
    ["examples/gru.rnn", "GRU", { I: 6, H: 5 }, {}],
    ["examples/peephole_lstm.rnn", "PeepholeLSTM", { I: 6, H: 5 }, {}],
    ["examples/layernorm_lstm.rnn", "LayerNormLSTM", { I: 6, H: 5 }, {}],
    ["examples/vardrop_gru.rnn", "VarDropGRU", { I: 6, H: 5 }, { training: true, seed: 3 }],
  ])("%s: memory left by earlier calls changes no result", async (file, name, d, mode) => {
    const factory = (await importGenerated(file))[name] as Factory;
    const lengths = [4, 1, 3];
    const seeds = { outputs: { h: data(T * B * d.H, 9) } };
    const used = factory(d, { backend: "wasm" });
    const p = used.init(2);
    type Run = ReturnType<ReturnType<Factory>["forward"]>;
    const call = (cell: ReturnType<Factory>, x: Float32Array, o: object) => (cell.forward as (p: unknown, x: unknown, o: object) => Run)(p, x, { ...mode, ...o });
    const forward = (cell: ReturnType<Factory>, x: Float32Array) => call(cell, x, { batch: B, steps: T, lengths });
    // Other sizes first, so the blocks' rows fall where the earlier calls' other rows were.
    for (const [b, t] of [[B + 2, T + 3], [B + 1, T], [B, T + 1]] as const) call(used, data(t * b * d.I, b * t), { batch: b, steps: t, tape: false });
    const r = forward(used, data(T * B * d.I, 0));
    const g = used.backward(r, seeds);
    const fresh = factory(d, { backend: "wasm" });
    const want = forward(fresh, data(T * B * d.I, 0));
    const wantG = fresh.backward(want, seeds);
    expect(r.outputs.h).toEqual(want.outputs.h);
    expect(r.final).toEqual(want.final);
    expect(g.params).toEqual(wantG.params);
    expect(g.x).toEqual(wantG.x);
    expect(g.initial).toEqual(wantG.initial);
  });
});
