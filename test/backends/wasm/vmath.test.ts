import { describe, expect, it } from "vitest";
import type { VMathOp } from "../../../src/backends/wasm/vmap.js";
import { apply, log1p, maxUlp, sigmoid } from "./ulp.js";

// Bounds in float32 ulps over the whole range. Measured maxima (bench/wasm-math-ulp.ts, 2^16 points per
// binade and sign): exp 1.01, expm1 1.71, log 0.77, log1p 1.44, tanh 2.37, sigmoid 2.14.
const CASES: [VMathOp, (x: number) => number, number][] = [
  ["exp", Math.exp, 1.5],
  ["expm1", Math.expm1, 2],
  ["log", Math.log, 1],
  ["log1p", log1p, 2],
  ["tanh", Math.tanh, 3],
  ["sigmoid", sigmoid, 3],
];

describe("vectorised float32 math over the whole float range", () => {
  for (const [op, ref, bound] of CASES) {
    it(`${op} is within ${bound} ulp of float64 Math on every binade`, () => {
      const { max, at } = maxUlp(op, ref, 1024);
      expect(max, `${op}: ${max.toFixed(3)} ulp at x = ${at}`).toBeLessThanOrEqual(bound);
    });
  }

  it("keeps the special values", () => {
    const xs = Float32Array.from([Infinity, -Infinity, NaN, 0, -0, 100, -100, 1e-30, -1e-30]);
    const out = (op: VMathOp) => [...apply(op, xs)];
    expect(out("exp")).toEqual([Infinity, 0, NaN, 1, 1, Infinity, Math.fround(Math.exp(-100)), 1, 1]);
    expect(out("tanh")).toEqual([1, -1, NaN, 0, -0, 1, -1, Math.fround(1e-30), Math.fround(-1e-30)]);
    const s = out("sigmoid");
    expect(s.slice(0, 6)).toEqual([1, 0, NaN, 0.5, 0.5, 1]);
    expect(s[6]).toBeCloseTo(Math.fround(sigmoid(-100)), 50);
    expect(s[6]).toBeGreaterThan(0);
    expect(out("log").slice(0, 5)).toEqual([Infinity, NaN, NaN, -Infinity, -Infinity]);
    expect(apply("log1p", Float32Array.from([-1, -2, Infinity, 1e-30]))).toEqual(Float32Array.from([-Infinity, NaN, Infinity, 1e-30]));
  });

  it("gives the same result for an element whether it falls in a full vector or the tail", () => {
    const xs = Float32Array.from({ length: 11 }, (_, i) => i * 0.37 - 2);
    const all = apply("tanh", xs);
    for (let i = 0; i < 11; i++) expect(apply("tanh", xs.subarray(i, i + 1))[0]).toBe(all[i]);
  });
});
