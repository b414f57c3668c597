// Gradient clipping bounds the update: properties over random gradients (fast-check, fixed seeds).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clipGradNorm, clipGradValue, sgd } from "../../src/runtime/optim.js";

/** The global L2 norm, computed here independently of the runtime. */
function norm(arrays: Iterable<ArrayLike<number>>): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
const gradients = fc.array(fc.array(finite, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 });
const maxNorms = fc.double({ min: 1e-3, max: 100, noNaN: true });

const toGrads = (values: number[][], F: Float32ArrayConstructor | Float64ArrayConstructor) =>
  Object.fromEntries(values.map((v, i) => [`g${i}`, F.from(v)])) as Record<string, Float32Array | Float64Array>;

describe("clipGradNorm", () => {
  it("leaves the global norm ≤ maxNorm, returns the norm before clipping, keeps the direction (float64)", () => {
    fc.assert(
      fc.property(gradients, maxNorms, (values, maxNorm) => {
        const grads = toGrads(values, Float64Array);
        const before = norm(Object.values(grads));
        const copy = values.map((v) => Float64Array.from(v));
        const returned = clipGradNorm(grads, maxNorm);
        expect(returned).toBeCloseTo(before, 9);
        const after = norm(Object.values(grads));
        expect(after).toBeLessThanOrEqual(maxNorm);
        if (before <= maxNorm) {
          // Not above the bound: untouched, bit for bit.
          Object.values(grads).forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(copy[i]!)));
        } else {
          // Above it: every value scaled by the one factor maxNorm / (norm + 1e-6), as PyTorch does.
          const coef = maxNorm / (before + 1e-6);
          Object.values(grads).forEach((g, i) => g.forEach((x, j) => expect(x).toBeCloseTo(copy[i]![j]! * coef, 9)));
        }
      }),
      { seed: 20261122, numRuns: 300 },
    );
  });

  it("float32 gradients: norm ≤ maxNorm up to float32 rounding of each value (relative 2⁻²²)", () => {
    fc.assert(
      fc.property(gradients, maxNorms, (values, maxNorm) => {
        const grads = toGrads(values, Float32Array);
        clipGradNorm(grads, maxNorm);
        expect(norm(Object.values(grads))).toBeLessThanOrEqual(maxNorm * (1 + 2 ** -22));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("then an SGD step (lr) moves the params by at most lr·maxNorm in L2", () => {
    fc.assert(
      fc.property(gradients, maxNorms, fc.double({ min: 1e-4, max: 10, noNaN: true }), (values, maxNorm, lr) => {
        const grads = toGrads(values, Float64Array);
        const params = Object.fromEntries(values.map((v, i) => [`g${i}`, Float64Array.from(v, (_x, j) => Math.sin(i + j))]));
        const start = Object.values(params).map((p) => Float64Array.from(p));
        clipGradNorm(grads, maxNorm);
        sgd({ lr }).step(params, grads);
        const moved = norm(Object.values(params).map((p, i) => p.map((x, j) => x - start[i]![j]!)));
        expect(moved).toBeLessThanOrEqual(lr * maxNorm * (1 + 1e-12));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it("refuses a bound that is not a positive number, and a gradient with NaN or Infinity", () => {
    const g = () => ({ w: Float64Array.of(3, 4) });
    expect(() => clipGradNorm(g(), 0)).toThrow("clipGradNorm: maxNorm must be a finite number > 0, received 0");
    expect(() => clipGradNorm(g(), Number.NaN)).toThrow("clipGradNorm: maxNorm must be a finite number > 0, received NaN");
    expect(() => clipGradNorm({ w: Float64Array.of(1, Infinity) }, 1)).toThrow("clipGradNorm: the gradients' global norm is Infinity");
    expect(() => clipGradNorm({ w: "x" } as never, 1)).toThrow('clipGradNorm: grads.w must be a Float32Array or Float64Array, received "x"');
  });

  it("a worked example: [3, 4] has norm 5; clipped to 1 it becomes [3, 4]·1/(5 + 1e-6)", () => {
    const g = { w: Float64Array.of(3, 4) };
    expect(clipGradNorm(g, 1)).toBe(5);
    expect(g.w[0]).toBeCloseTo(3 / (5 + 1e-6), 15);
    expect(g.w[1]).toBeCloseTo(4 / (5 + 1e-6), 15);
  });
});

describe("clipGradValue", () => {
  it("clamps every value into [−v, v] and leaves the others unchanged", () => {
    fc.assert(
      fc.property(gradients, fc.double({ min: 1e-3, max: 500, noNaN: true }), (values, v) => {
        const grads = toGrads(values, Float64Array);
        clipGradValue(grads, v);
        Object.values(grads).forEach((g, i) =>
          g.forEach((x, j) => expect(x).toBe(Math.min(v, Math.max(-v, values[i]![j]!)))),
        );
      }),
      { seed: 3, numRuns: 200 },
    );
  });

  it("refuses a bound that is not a positive number", () => {
    expect(() => clipGradValue({ w: Float64Array.of(1) }, -1)).toThrow("clipGradValue: clipValue must be a finite number > 0, received -1");
  });
});
