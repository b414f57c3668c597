/**
 * Finite differences on functions with known gradients: a quadratic (central differences
 * are exact up to rounding), a smooth non-polynomial (truncation error), sampled mode with
 * its random projections, and the params/x/initial wrapper.
 */
import { describe, expect, it } from "vitest";
import { checkLossGradients, finiteDifferenceCheck, FD_TOLERANCE, type LossInputs } from "../../src/verify/finite-diff.js";
import { SeededRandom } from "../../src/core/random.js";

/** L(θ) = ½ θᵀAθ + bᵀθ with A = [[2, 1, 0], [1, 3, −1], [0, −1, 4]]; ∇L = Aθ + b. */
const A = [[2, 1, 0], [1, 3, -1], [0, -1, 4]];
const bq = [0.5, -1, 2];
const quadratic = (t: Float64Array) => {
  let s = 0;
  for (let i = 0; i < 3; i++) {
    s += bq[i]! * t[i]!;
    for (let j = 0; j < 3; j++) s += 0.5 * t[i]! * A[i]![j]! * t[j]!;
  }
  return s;
};
const quadraticGrad = (t: Float64Array) => Float64Array.from([0, 1, 2], (i) => bq[i]! + A[i]!.reduce((s, a, j) => s + a * t[j]!, 0));

describe("finiteDifferenceCheck", () => {
  it("agrees with the analytic gradient of a quadratic to rounding", () => {
    const theta = Float64Array.from([0.3, -1.7, 25]);
    const [r] = finiteDifferenceCheck([{ name: "θ", shape: [3], value: theta, analytic: quadraticGrad(theta) }], () => quadratic(theta));
    expect(r!.mode).toBe("full");
    expect(r!.elements.checked).toBe(3);
    expect(r!.elements.maxRel).toBeLessThan(1e-8);
    expect(r!.pass).toBe(true);
    expect(Array.from(theta)).toEqual([0.3, -1.7, 25]); // restored bit for bit
    expect(r!.numeric[2]).toBeCloseTo(2 - 1.7 * -1 + 4 * 25, 6);
  });

  it("flags a wrong element and points at it", () => {
    const theta = Float64Array.from([0.3, -1.7, 2.5]);
    const wrong = quadraticGrad(theta);
    wrong[1] = wrong[1]! * 1.001;
    const [r] = finiteDifferenceCheck([{ name: "θ", shape: [3], value: theta, analytic: wrong }], () => quadratic(theta));
    expect(r!.pass).toBe(false);
    expect(r!.elements.worstIndex).toBe(1);
    expect(r!.elements.maxRel).toBeCloseTo(0.001 / 1.001, 6);
  });

  it("keeps truncation error far below the tolerance on a smooth function", () => {
    // L = Σ sin(θ_i) · exp(θ_{i+1}); ∂L/∂θ_i = cos θ_i · e^{θ_{i+1}} + sin θ_{i−1} · e^{θ_i}
    const theta = Float64Array.from([0.4, -1.1, 2.0, 0.7, -0.2]);
    const loss = () => theta.reduce((s, v, i) => (i + 1 < theta.length ? s + Math.sin(v) * Math.exp(theta[i + 1]!) : s), 0);
    const grad = Float64Array.from(theta, (v, i) =>
      (i + 1 < theta.length ? Math.cos(v) * Math.exp(theta[i + 1]!) : 0) + (i > 0 ? Math.sin(theta[i - 1]!) * Math.exp(v) : 0));
    const [r] = finiteDifferenceCheck([{ name: "θ", shape: [5], value: theta, analytic: grad }], loss);
    expect(r!.elements.maxRel).toBeLessThan(1e-8);
    expect(r!.elements.maxRel).toBeLessThan(FD_TOLERANCE.rel / 100);
  });

  it("samples a large tensor and catches an error outside the sample by projection", () => {
    // L = Σ c_i θ_i² / 2, ∇L = c ⊙ θ, n = 1000 > the full-check limit.
    const rng = new SeededRandom(3);
    const n = 1000;
    const theta = rng.array(n, -1, 1);
    const c = rng.array(n, 0.5, 2);
    const loss = () => theta.reduce((s, v, i) => s + (c[i]! * v * v) / 2, 0);
    const grad = Float64Array.from(theta, (v, i) => c[i]! * v);
    const options = { samples: 20, projections: 3, seed: 11 };
    const [ok] = finiteDifferenceCheck([{ name: "θ", shape: [n], value: theta, analytic: grad }], loss, options);
    expect(ok!.mode).toBe("sampled");
    expect(ok!.elements.checked).toBe(20);
    expect(ok!.projection!.checked).toBe(3);
    expect(ok!.pass).toBe(true);

    const unsampled = ok!.numeric.findIndex((v) => Number.isNaN(v));
    const wrong = Float64Array.from(grad);
    wrong[unsampled] = wrong[unsampled]! + 1;
    const [bad] = finiteDifferenceCheck([{ name: "θ", shape: [n], value: theta, analytic: wrong }], loss, options);
    expect(bad!.elements.pass).toBe(true); // same seed, same sample: the element is not in it
    expect(bad!.projection!.pass).toBe(false);
    expect(bad!.pass).toBe(false);
  });
});

describe("checkLossGradients", () => {
  it("checks params, x and initial states by name without touching the caller's arrays", () => {
    // L = Σ W ⊙ x·h0 ... a bilinear form: L = Σ_i W_i x_i h_i, so ∂W = x⊙h, ∂x = W⊙h, ∂h = W⊙x.
    const inputs: LossInputs = { params: { W: Float64Array.from([1, 2]) }, x: Float64Array.from([3, -4]), initial: { h: Float64Array.from([0.5, 6]) } };
    const loss = (p: LossInputs) => p.params.W![0]! * p.x[0]! * p.initial.h![0]! + p.params.W![1]! * p.x[1]! * p.initial.h![1]!;
    const analytic = { params: { W: Float64Array.from([1.5, -24]) }, x: Float64Array.from([0.5, 12]), initial: { h: Float64Array.from([3, -8]) } };
    const shapes = { params: { W: [2] }, x: [1, 1, 2], initial: { h: [1, 2] } };
    const results = checkLossGradients(loss, inputs, shapes, analytic);
    expect(results.map((r) => [r.name, r.pass])).toEqual([["param W", true], ["x", true], ["initial h", true]]);
    expect(results[1]!.shape).toEqual([1, 1, 2]);
    expect(Array.from(inputs.x)).toEqual([3, -4]);

    const only = checkLossGradients(loss, inputs, shapes, { ...analytic, x: Float64Array.from([0.5, 11]) }, {}, new Set(["x"]));
    expect(only.map((r) => [r.name, r.pass, r.elements.worstIndex])).toEqual([["x", false, 1]]);
  });
});
