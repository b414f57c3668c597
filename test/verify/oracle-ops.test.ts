/**
 * The oracle op by op. Unary ops: values and derivatives against float64 formulas written
 * from each op's definition. Structural ops (every matmul form, transA, outer, scalar
 * broadcasting over a batch, broadcast, slice, concat, reductions, max_mask, unbatched
 * outputs, variable lengths): a cell using all of them, against a plain float64 loop
 * implementation, whose gradients come from finite differences.
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/core/dims.js";
import type { NodeAttrs } from "../../src/ir/graph.js";
import type { UnaryOp } from "../../src/ir/ops.js";
import { compareArrays } from "../../src/verify/compare.js";
import { VerifyInputError } from "../../src/verify/errors.js";
import { checkLossGradients, type LossInputs } from "../../src/verify/finite-diff.js";
import { SeededRandom } from "../../src/core/random.js";
import { oracleGradients, oracleRun } from "../../src/verify/tfjs-oracle.js";
import { GraphBuilder } from "./graphs.js";

const N = Dim.name("N");
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Each op's value and derivative, from its definition (src/ir/ops.ts; hard_sigmoid is PyTorch's). */
const UNARY: Array<[UnaryOp, number | NodeAttrs | undefined, (x: number) => number, (x: number) => number]> = [
  ["neg", undefined, (x) => -x, () => -1],
  ["sigmoid", undefined, sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x))],
  ["tanh", undefined, Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  ["relu", undefined, (x) => Math.max(0, x), (x) => (x > 0 ? 1 : 0)],
  ["leaky_relu", 0.2, (x) => (x > 0 ? x : 0.2 * x), (x) => (x > 0 ? 1 : 0.2)],
  ["leaky_relu", undefined, (x) => (x > 0 ? x : 0.01 * x), (x) => (x > 0 ? 1 : 0.01)],
  ["elu", 0.5, (x) => (x > 0 ? x : 0.5 * (Math.exp(x) - 1)), (x) => (x > 0 ? 1 : 0.5 * Math.exp(x))],
  ["softplus", undefined, (x) => Math.log1p(Math.exp(x)), sigmoid],
  ["softsign", undefined, (x) => x / (1 + Math.abs(x)), (x) => 1 / (1 + Math.abs(x)) ** 2],
  ["hard_sigmoid", undefined, (x) => Math.min(1, Math.max(0, x / 6 + 0.5)), (x) => (Math.abs(x) < 3 ? 1 / 6 : 0)],
  ["exp", undefined, Math.exp, Math.exp],
  ["log", undefined, Math.log, (x) => 1 / x],
  ["sqrt", undefined, Math.sqrt, (x) => 0.5 / Math.sqrt(x)],
  ["abs", undefined, Math.abs, Math.sign],
  ["clamp", { lo: -1, hi: 2 }, (x) => Math.min(2, Math.max(-1, x)), (x) => (x >= -1 && x <= 2 ? 1 : 0)],
  ["pow", { exponent: 3 }, (x) => x ** 3, (x) => 3 * x ** 2],
  ["pow", { exponent: 0.5 }, Math.sqrt, (x) => 0.5 / Math.sqrt(x)],
  ["step", undefined, (x) => (x > 0 ? 1 : 0), () => 0],
  ["sign", undefined, Math.sign, () => 0],
];

/** Points away from every kink; shifted to positive numbers for log and sqrt. */
const POINTS = [-3.5, -1.2, -0.3, 0.4, 1.7, 4.2, -0.7, 0.9, 2.5, -2.0];
/** Float32 rounding: 1e-5 relative, 1e-7 absolute below 1e-2 (1 − tanh² near 4.2 cancels). */
const FLOAT32 = { rel: 1e-5, floor: 1e-2 };

describe("oracle unary ops", () => {
  it.each(UNARY)("%s (%j): values and derivatives", async (op, alpha, f, df) => {
    const g = new GraphBuilder("Unary", ["N"]);
    const x = g.input("x", [N]);
    const h = g.state("h", [N]);
    g.next("h", h);
    g.output("y", g.unary(op, x, alpha));
    const graph = g.build();
    const xs = Float64Array.from(POINTS, (p) => (op === "log" || op === "sqrt" || (op === "pow" && typeof alpha === "object" && alpha.exponent === 0.5) ? Math.abs(p) + 0.1 : p));
    const seed = Float64Array.from(POINTS, (_, i) => 0.5 + 0.1 * i);
    const opts = { batch: 2, steps: 1 };
    const run = await oracleRun(graph, { N: 5 }, {}, xs, opts);
    expect(compareArrays(run.outputs.y!, xs.map(f), FLOAT32).maxRel).toBeLessThanOrEqual(FLOAT32.rel);
    const grads = await oracleGradients(graph, { N: 5 }, {}, xs, opts, { outputs: { y: seed }, final: {} });
    expect(compareArrays(grads.x, xs.map((v, i) => seed[i]! * df(v)), FLOAT32).maxRel).toBeLessThanOrEqual(FLOAT32.rel);
    expect(Array.from(grads.initial.h!)).toEqual(new Array(10).fill(0));
  });
});

/**
 * PyTorch's conventions where these functions have no derivative: max(a, b) and min(a, b) split
 * a tie's adjoint in halves; clamp passes it at a bound; |x| has slope 0 at 0. Exact values
 * (0.5 and 1 are exact in float32).
 */
describe("oracle derivatives at ties, bounds and zero", () => {
  it("max, min, clamp and abs", async () => {
    const g = new GraphBuilder("Ties", ["N"]);
    const x = g.input("x", [N]);
    const p = g.param("p", [N]);
    const h = g.state("h", [N]);
    g.next("h", h);
    g.output("max", g.binary("maximum", x, p));
    g.output("min", g.binary("minimum", x, p));
    g.output("clamp", g.unary("clamp", x, { lo: -1, hi: 1 }));
    g.output("abs", g.unary("abs", x));
    const graph = g.build();
    //                    tie  x>p  x<p  tie   0
    const xs = Float64Array.from([0.5, 2, -3, -1, 0]);
    const ps = Float64Array.from([0.5, 1, -2, -1, 3]);
    const one = new Float64Array(5).fill(1);
    const zero = new Float64Array(5);
    const opts = { batch: 1, steps: 1 };
    const seed = (name: string) => ({ outputs: { max: zero, min: zero, clamp: zero, abs: zero, [name]: one }, final: {} });
    const grad = async (name: string) => oracleGradients(graph, { N: 5 }, { p: ps }, xs, opts, seed(name));
    const max = await grad("max");
    expect(Array.from(max.x)).toEqual([0.5, 1, 0, 0.5, 0]);
    expect(Array.from(max.params.p!)).toEqual([0.5, 0, 1, 0.5, 1]);
    const min = await grad("min");
    expect(Array.from(min.x)).toEqual([0.5, 0, 1, 0.5, 1]);
    expect(Array.from(min.params.p!)).toEqual([0.5, 1, 0, 0.5, 0]);
    // clamp(x, −1, 1) at 0.5, 2, −3, −1 (a bound), 0
    expect(Array.from((await grad("clamp")).x)).toEqual([1, 0, 0, 1, 1]);
    expect(Array.from((await grad("abs")).x)).toEqual([1, 1, -1, -1, 0]);
  });
});

const I = Dim.name("I");
const H = Dim.name("H");

/** A cell exercising every structural op, with a recurrence so gradients flow through time. */
function kitchenSinkGraph() {
  const g = new GraphBuilder("Sink", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const A = g.param("A", [H, I]);
  const M = g.param("M", [I, H]);
  const P = g.param("P", [I, H]);
  const Q = g.param("Q", [H, H]);
  const b = g.param("b", [H]);
  const y1 = g.binary("add", g.matmul(A, x), g.matmul(M, x, true));
  const y2 = g.matmul(x, P);
  const y3 = g.outer(h, x);
  const y4 = g.matmul(Q, y3);
  const y5 = g.binary("add", g.binary("mul", g.reduce("sum", x), h), g.binary("div", g.broadcast(g.reduce("max", x), [H]), g.const(3)));
  const y6 = g.concat(g.slice(h, Dim.const(1), Dim.const(3)), x);
  const y7 = g.binary("mul", g.reduce("max_mask", h), h);
  const y8 = g.unary("exp", b);
  const pre = g.binary("add", g.binary("add", g.binary("add", y1, y2), b), g.binary("mul", g.reduce("mean", h), h));
  g.next("h", g.unary("tanh", pre));
  [y1, y2, y3, y4, y5, y6, y7, y8].forEach((y, k) => g.output(`y${k + 1}`, y));
  return g.build();
}

const dims = { I: 3, H: 4 };
const OUT_SIZES: Record<string, number> = { y1: 4, y2: 4, y3: 12, y4: 12, y5: 4, y6: 5, y7: 4, y8: 4 };

/** The same cell as plain float64 loops, with the run contract (lengths, zero outputs). */
function referenceRun(inp: LossInputs, batch: number, steps: number, lengths?: number[]) {
  const { A, M, P, Q, b } = inp.params as Record<string, Float64Array>;
  const h = Float64Array.from(inp.initial.h!);
  const outputs: Record<string, Float64Array> = {};
  for (const [k, n] of Object.entries(OUT_SIZES)) outputs[k] = new Float64Array(steps * batch * n);
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < batch; e++) {
      if (lengths && t >= lengths[e]!) continue;
      const xv = inp.x.subarray((t * batch + e) * 3, (t * batch + e + 1) * 3);
      const hv = h.slice(e * 4, e * 4 + 4);
      const put = (name: string, vals: number[]) => outputs[name]!.set(vals, (t * batch + e) * OUT_SIZES[name]!);
      const y1 = [0, 1, 2, 3].map((i) => [0, 1, 2].reduce((s, j) => s + A![i * 3 + j]! * xv[j]! + M![j * 4 + i]! * xv[j]!, 0));
      const y2 = [0, 1, 2, 3].map((n) => [0, 1, 2].reduce((s, k) => s + xv[k]! * P![k * 4 + n]!, 0));
      const y3 = [0, 1, 2, 3].flatMap((i) => [0, 1, 2].map((j) => hv[i]! * xv[j]!));
      const y4 = [0, 1, 2, 3].flatMap((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, k) => s + Q![i * 4 + k]! * y3[k * 3 + j]!, 0)));
      const sumX = xv[0]! + xv[1]! + xv[2]!;
      const maxX = Math.max(xv[0]!, xv[1]!, xv[2]!);
      const y5 = [0, 1, 2, 3].map((i) => sumX * hv[i]! + maxX / 3);
      const y6 = [hv[1]!, hv[2]!, xv[0]!, xv[1]!, xv[2]!];
      const arg = hv.indexOf(Math.max(...hv));
      const y7 = [0, 1, 2, 3].map((i) => (i === arg ? hv[i]! : 0));
      const y8 = Array.from(b!, Math.exp);
      [y1, y2, y3, y4, y5, y6, y7, y8].forEach((y, k) => put(`y${k + 1}`, y));
      const meanH = (hv[0]! + hv[1]! + hv[2]! + hv[3]!) / 4;
      for (let i = 0; i < 4; i++) h[e * 4 + i] = Math.tanh(y1[i]! + y2[i]! + b![i]! + meanH * hv[i]!);
    }
  }
  return { outputs, final: { h } };
}

describe("oracle structural ops, batched, over time", () => {
  const graph = kitchenSinkGraph();
  const batch = 2;
  const steps = 3;
  const rng = new SeededRandom(7);
  const inputs: LossInputs = {
    params: { A: rng.array(12, -1, 1), M: rng.array(12, -1, 1), P: rng.array(12, -1, 1), Q: rng.array(16, -1, 1), b: rng.array(4, -1, 1) },
    x: rng.array(steps * batch * 3, -1, 1),
    initial: { h: rng.array(batch * 4, -0.5, 0.5) },
  };
  const seeds = {
    outputs: Object.fromEntries(Object.entries(OUT_SIZES).map(([k, n]) => [k, rng.array(steps * batch * n, -1, 1)])),
    final: { h: rng.array(batch * 4, -1, 1) },
  };
  const loss = (lengths?: number[]) => (inp: LossInputs) => {
    const r = referenceRun(inp, batch, steps, lengths);
    let s = 0;
    for (const k of Object.keys(OUT_SIZES)) r.outputs[k]!.forEach((v, i) => (s += v * seeds.outputs[k]![i]!));
    r.final.h.forEach((v, i) => (s += v * seeds.final.h[i]!));
    return s;
  };
  const shapes = { params: { A: [4, 3], M: [3, 4], P: [3, 4], Q: [4, 4], b: [4] }, x: [steps, batch, 3], initial: { h: [batch, 4] } };

  it.each([[undefined], [[3, 1]], [[0, 2]]])("forward and gradients match float64 loops (lengths %j)", async (lengths) => {
    const opts = { batch, steps, initial: inputs.initial, lengths };
    const run = await oracleRun(graph, dims, inputs.params, inputs.x, opts);
    const ref = referenceRun(inputs, batch, steps, lengths);
    for (const k of Object.keys(OUT_SIZES)) {
      const c = compareArrays(run.outputs[k]!, ref.outputs[k]!, FLOAT32);
      expect(c.maxRel, `output ${k} at ${c.worstIndex}`).toBeLessThanOrEqual(FLOAT32.rel);
    }
    expect(compareArrays(run.final.h!, ref.final.h, FLOAT32).pass).toBe(true);
    if (lengths) {
      // Example 1 past its length: outputs exactly zero.
      const per = OUT_SIZES.y1!;
      for (let t = lengths[1]!; t < steps; t++) expect(Array.from(run.outputs.y1!.subarray((t * batch + 1) * per, (t * batch + 2) * per))).toEqual([0, 0, 0, 0]);
    }
    const grads = await oracleGradients(graph, dims, inputs.params, inputs.x, opts, seeds);
    // Finite differences here only play the role of the exact float64 gradient (all elements).
    const fd = checkLossGradients(loss(lengths), inputs, shapes, grads, { tolerance: { rel: 1e-4, floor: 1e-2 } });
    for (const r of fd) expect(r.elements.maxRel, `${r.name} at ${r.elements.worstIndex}`).toBeLessThanOrEqual(1e-4);
    expect(fd.map((r) => r.name)).toEqual(["param A", "param M", "param P", "param Q", "param b", "x", "initial h"]);
  });
});

/** The ops only gradient graphs use: matmul transB, pad, sum of a matrix, a const equal to a dimension. */
describe("oracle gradient-graph ops", () => {
  const g = new GraphBuilder("GradOps", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const W = g.param("W", [H, I]);
  const hx = g.outer(h, x);
  g.output("z1", g.matmul(hx, W, false, true)); // (h xᵀ) Wᵀ: [H, H]
  g.output("z2", g.pad(x, Dim.const(2), I.add(Dim.const(2)), [I.add(Dim.const(3))])); // [0, 0, x, 0]
  g.output("z3", g.reduce("sum", hx));
  g.output("z4", g.binary("mul", g.constDim(H), h));
  g.next("h", g.unary("tanh", g.binary("add", g.matmul(W, x), h)));
  const graph = g.build();
  const rng = new SeededRandom(21);
  const [batch, steps] = [2, 2];
  const inputs: LossInputs = { params: { W: rng.array(12, -1, 1) }, x: rng.array(steps * batch * 3, -1, 1), initial: { h: rng.array(batch * 4, -1, 1) } };
  const sizes: Record<string, number> = { z1: 16, z2: 6, z3: 1, z4: 4 };
  const seeds = { outputs: Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, rng.array(steps * batch * n, -1, 1)])), final: { h: rng.array(batch * 4, -1, 1) } };

  function reference(inp: LossInputs) {
    const Wm = inp.params.W!;
    const hs = Float64Array.from(inp.initial.h!);
    const out: Record<string, number[]> = { z1: [], z2: [], z3: [], z4: [] };
    for (let t = 0; t < steps; t++) {
      for (let e = 0; e < batch; e++) {
        const xv = Array.from(inp.x.subarray((t * batch + e) * 3, (t * batch + e + 1) * 3));
        const hv = Array.from(hs.subarray(e * 4, e * 4 + 4));
        const wx = [0, 1, 2, 3].map((k) => xv.reduce((s, xj, j) => s + Wm[k * 3 + j]! * xj, 0));
        out.z1!.push(...hv.flatMap((hi) => wx.map((w) => hi * w)));
        out.z2!.push(0, 0, ...xv, 0);
        out.z3!.push(hv.reduce((a, b) => a + b, 0) * xv.reduce((a, b) => a + b, 0));
        out.z4!.push(...hv.map((v) => 4 * v));
        hs.set(hv.map((v, i) => Math.tanh(wx[i]! + v)), e * 4);
      }
    }
    return { outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float64Array.from(v)])), final: hs };
  }

  it("forward and gradients match float64 loops", async () => {
    const opts = { batch, steps, initial: inputs.initial };
    const run = await oracleRun(graph, dims, inputs.params, inputs.x, opts);
    const ref = reference(inputs);
    for (const k of Object.keys(sizes)) expect(compareArrays(run.outputs[k]!, ref.outputs[k]!, FLOAT32).maxRel, k).toBeLessThanOrEqual(FLOAT32.rel);
    const grads = await oracleGradients(graph, dims, inputs.params, inputs.x, opts, seeds);
    const loss = (inp: LossInputs) => {
      const r = reference(inp);
      let s = 0;
      for (const k of Object.keys(sizes)) r.outputs[k]!.forEach((v, i) => (s += v * seeds.outputs[k]![i]!));
      r.final.forEach((v, i) => (s += v * seeds.final.h[i]!));
      return s;
    };
    const fd = checkLossGradients(loss, inputs, { params: { W: [4, 3] }, x: [steps, batch, 3], initial: { h: [batch, 4] } }, grads);
    for (const r of fd) expect(r.elements.maxRel, r.name).toBeLessThanOrEqual(1e-4);
  });
});

describe("oracle memory", () => {
  it("frees every tensor it makes, also when it rejects an argument", async () => {
    const graph = kitchenSinkGraph();
    const rng = new SeededRandom(1);
    const params = { A: rng.array(12, -1, 1), M: rng.array(12, -1, 1), P: rng.array(12, -1, 1), Q: rng.array(16, -1, 1), b: rng.array(4, -1, 1) };
    const x = rng.array(2 * 3 * 3, -1, 1);
    const opts = { batch: 3, steps: 2, lengths: [2, 1, 0] };
    await oracleRun(graph, dims, params, x, opts); // first use initialises the backend
    const before = tf.memory().numTensors;
    await oracleRun(graph, dims, params, x, opts);
    await oracleGradients(graph, dims, params, x, opts, { outputs: {}, final: { h: rng.array(12, -1, 1) } });
    await expect(oracleRun(graph, dims, { ...params, b: new Float64Array(3) }, x, opts)).rejects.toThrow(VerifyInputError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("oracle input errors", () => {
  const graph = kitchenSinkGraph();
  const params = { A: new Float64Array(12), M: new Float64Array(12), P: new Float64Array(12), Q: new Float64Array(16), b: new Float64Array(4) };
  const x = new Float64Array(2 * 1 * 3);

  it("names a param of the wrong size", async () => {
    await expect(oracleRun(graph, dims, { ...params, Q: new Float64Array(15) }, x, { batch: 1, steps: 2 })).rejects.toThrow(
      new VerifyInputError("param `Q`: expected 16 values (shape [4, 4]), found 15"),
    );
  });
  it("names a missing param", async () => {
    const { b: _b, ...rest } = params;
    await expect(oracleRun(graph, dims, rest, x, { batch: 1, steps: 2 })).rejects.toThrow(
      "param `b`: expected an array of 4 numbers (shape [4]), found nothing",
    );
  });
  it("rejects x of the wrong size and lengths out of range", async () => {
    await expect(oracleRun(graph, dims, params, x, { batch: 2, steps: 2 })).rejects.toThrow(
      "input `x` (x): expected 12 values (shape [2, 2, 3]), found 6",
    );
    await expect(oracleRun(graph, dims, params, x, { batch: 1, steps: 2, lengths: [3] })).rejects.toThrow(
      "lengths[0]: expected an integer in [0, 2], found 3",
    );
  });
  it("refuses a seed, param or initial state the cell does not have", async () => {
    await expect(oracleGradients(graph, dims, params, x, { batch: 1, steps: 2 }, { outputs: { y: new Float64Array(8) }, final: {} })).rejects.toThrow(
      "seeds.outputs: cell Sink has no output `y` (its outputs: `y1`, `y2`, `y3`, `y4`, `y5`, `y6`, `y7`, `y8`)",
    );
    await expect(oracleRun(graph, dims, { ...params, W: new Float64Array(1) }, x, { batch: 1, steps: 2 })).rejects.toThrow(
      "params: cell Sink has no param `W` (its params: `A`, `M`, `P`, `Q`, `b`)",
    );
    await expect(oracleRun(graph, dims, params, x, { batch: 1, steps: 2, initial: { c: new Float64Array(4) } })).rejects.toThrow(
      "initial: cell Sink has no state `c` (its states: `h`)",
    );
  });

  it("rejects a missing dimension", async () => {
    await expect(oracleRun(graph, { I: 3 }, params, x, { batch: 1, steps: 2 })).rejects.toThrow(
      "dimension H of cell Sink: expected an integer ≥ 1, found nothing",
    );
  });
});
