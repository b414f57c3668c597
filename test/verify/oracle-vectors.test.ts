/**
 * The tfjs oracle against PyTorch 1.13 float64 reference vectors: forward outputs, final
 * states, the loss, and every gradient (seeded dY = R, dState_T = S as the vectors' README
 * says). The oracle computes in float32, so agreement is asked within 1e-4 relative (above
 * a floor of 1e-3; measured worst case 3.8e-5, on a small entry of LSTM's dW_hh). Each
 * vector is run on a hand-built graph and on the graph lowered from .rnn source.
 */
import { describe, expect, it } from "vitest";
import { compareArrays, type Tolerance } from "../../src/verify/compare.js";
import { oracleGradients, oracleRun } from "../../src/verify/tfjs-oracle.js";
import type { Graph } from "../../src/ir/graph.js";
import { elmanGraph, gruGraph, lstmGraph } from "./graphs.js";
import { lowerExample, lowerSource, pytorchElmanSource } from "./lowered.js";
import { loadVector } from "./vectors.js";

const FLOAT32_VS_PYTORCH: Tolerance = { rel: 1e-4, floor: 1e-3 };

function expectClose(what: string, actual: Float64Array | undefined, expected: Float64Array): void {
  expect(actual, what).toBeDefined();
  expect(actual!.length, `${what}: length`).toBe(expected.length);
  const c = compareArrays(actual!, expected, FLOAT32_VS_PYTORCH);
  expect(c.maxRel, `${what}: worst element ${c.worstIndex} is ${c.actual}, PyTorch says ${c.expected}`).toBeLessThanOrEqual(FLOAT32_VS_PYTORCH.rel);
}

/** Each vector with a hand-built graph (graphs.ts) and the graph the front end lowers from .rnn. */
const cases: Array<[string, string, () => Graph]> = [
  ["elman_tanh", "hand-built", () => elmanGraph("tanh")],
  ["elman_relu", "hand-built", () => elmanGraph("relu")],
  ["lstm", "hand-built", lstmGraph],
  ["gru", "hand-built", gruGraph],
  ["elman_tanh", "lowered", () => lowerSource("elman_tanh.rnn", pytorchElmanSource("tanh"), "Elman")],
  ["elman_relu", "lowered", () => lowerSource("elman_relu.rnn", pytorchElmanSource("relu"), "Elman")],
  ["lstm", "lowered from examples/lstm.rnn", () => lowerExample("lstm.rnn", "LSTM")],
  ["gru", "lowered from examples/gru.rnn", () => lowerExample("gru.rnn", "GRU")],
];

describe.each(cases)("tfjs oracle vs PyTorch vector %s, graph %s", (file, _how, makeGraph) => {
  const v = loadVector(file);
  const graph = makeGraph();
  const opts = { batch: v.batch, steps: v.steps, initial: v.initial };

  it("reproduces the outputs, the final states and the loss", async () => {
    const run = await oracleRun(graph, v.dims, v.params, v.x, opts);
    expectClose("output h", run.outputs.h, v.outputs.h!);
    for (const [name, value] of Object.entries(v.final)) expectClose(`final ${name}`, run.final[name], value);
    let loss = 0;
    run.outputs.h!.forEach((y, i) => (loss += y * v.seeds.outputs.h![i]!));
    for (const [name, s] of Object.entries(v.seeds.final)) run.final[name]!.forEach((h, i) => (loss += h * s[i]!));
    expect(Math.abs(loss - v.lossValue)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v.lossValue)));
  });

  it("reproduces every gradient", async () => {
    const g = await oracleGradients(graph, v.dims, v.params, v.x, opts, v.seeds);
    expect(Object.keys(g.params).sort()).toEqual(Object.keys(v.grads.params).sort());
    for (const [name, value] of Object.entries(v.grads.params)) expectClose(`d/d ${name}`, g.params[name], value);
    expectClose("d/dx", g.x, v.grads.x);
    expect(Object.keys(g.initial).sort()).toEqual(Object.keys(v.grads.initial).sort());
    for (const [name, value] of Object.entries(v.grads.initial)) expectClose(`d/d initial ${name}`, g.initial[name], value);
  });
});
