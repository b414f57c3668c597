import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated, type Factory } from "../../helpers/generated.js";
import { harness } from "./harness.js";

/**
 * A wasm instance keeps its params' weights packed for the GEMMs between calls and packs them
 * again only when the params' contents changed (f32_sync compares them bit for bit with a kept
 * copy). So results never depend on the cache: params updated in place, swapped for other
 * arrays, or a backward pass of a run made with older params all give what a fresh instance
 * (which packs everything) gives, bit for bit.
 */
const dims = { I: 6, H: 5 };
const [B, T] = [3, 4];
const data = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(s + i * 0.9));
const opts = { batch: B, steps: T };

describe("f32_zero", () => {
  it("zeroes exactly n floats from the address, whatever n's remainder by four", () => {
    const h = harness(4);
    const zero = h.exports.f32_zero as (dst: number, n: number) => void;
    for (const n of [0, 1, 3, 4, 9, 37]) {
      const at = h.put(data(n + 2, n), n % 4);
      zero(4 * at, n);
      expect(Array.from(h.f32().subarray(at, at + n))).toEqual(new Array(n).fill(0));
      expect(h.f32()[at + n]).toBe(Math.fround(Math.sin(n + n * 0.9)));
      expect(h.f32()[at + n + 1]).toBe(Math.fround(Math.sin(n + (n + 1) * 0.9)));
    }
  });
});

describe("f32_sync", () => {
  it("copies src over dst and says whether anything differed (bitwise: -0 ≠ +0, a NaN equals itself)", () => {
    const h = harness(4);
    const sync = h.exports.f32_sync as (src: number, dst: number, n: number) => number;
    for (const n of [1, 3, 4, 9, 37]) {
      const src = h.put(data(n, n));
      const dst = h.put(data(n, n));
      expect(sync(4 * src, 4 * dst, n)).toBe(0);
      for (const at of [0, n - 1, n >> 1]) {
        for (const [a, b] of [[0, -0], [NaN, 1], [1.5, 1.5000001]]) {
          h.f32()[src + at] = a!;
          h.f32()[dst + at] = b!;
          expect(sync(4 * src, 4 * dst, n)).toBe(1);
          expect(Array.from(h.f32().subarray(dst, dst + n))).toEqual(Array.from(h.f32().subarray(src, src + n)));
          expect(sync(4 * src, 4 * dst, n)).toBe(0);
        }
      }
      // Floats past n are neither compared nor copied.
      h.f32()[src + n] = 7;
      h.f32()[dst + n] = 8;
      expect(sync(4 * src, 4 * dst, n)).toBe(0);
      expect(h.f32()[dst + n]).toBe(8);
    }
  });
});

describe("the wasm backend's packed weights kept between calls", () => {
  let LSTM: Factory;
  beforeAll(async () => {
    LSTM = (await importGenerated("examples/lstm.rnn")).LSTM as Factory;
  });
  const seeds = { outputs: { h: data(T * B * dims.H, 9) } };
  const fresh = (p: Record<string, Float32Array | Float64Array>, x: Float32Array) => {
    const cell = LSTM(dims, { backend: "wasm" });
    const run = cell.forward(p, x, opts);
    return { run, grads: cell.backward(run, seeds) };
  };

  it("follows params updated in place, one element at a time, between calls", () => {
    const cell = LSTM(dims, { backend: "wasm" });
    const p = cell.init(1);
    const x = data(T * B * dims.I, 0);
    cell.forward(p, x, opts);
    for (const [name, at] of [["W_hh", 0], ["W_ih", 7], ["W_hh", 4 * dims.H * dims.H - 1], ["b_ih", 2]] as const) {
      p[name]![at]! += 0.25;
      const run = cell.forward(p, x, opts);
      const want = fresh(p, x);
      expect(run.outputs.h).toEqual(want.run.outputs.h);
      expect(cell.backward(run, seeds).params.W_hh).toEqual(want.grads.params.W_hh);
    }
  });

  it("backward of a run made with other params than the latest forward's uses that run's params", () => {
    const cell = LSTM(dims, { backend: "wasm" });
    const p1 = cell.init(1);
    const p2 = cell.init(2);
    const x = data(T * B * dims.I, 3);
    const run1 = cell.forward(p1, x, opts);
    const run2 = cell.forward(p2, x, opts);
    const g1 = cell.backward(run1, seeds);
    const g2 = cell.backward(run2, seeds);
    const w1 = fresh(p1, x).grads;
    const w2 = fresh(p2, x).grads;
    expect(g1.x).toEqual(w1.x);
    expect(g1.params.W_ih).toEqual(w1.params.W_ih);
    expect(g2.x).toEqual(w2.x);
    expect(g2.params.W_hh).toEqual(w2.params.W_hh);
    expect(g1.params.W_hh).not.toEqual(g2.params.W_hh);
  });
});
