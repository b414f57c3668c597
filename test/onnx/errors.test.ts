/**
 * Requests the ONNX back end cannot honour end in an OnnxExportError whose message names the
 * argument or tensor, what was expected and what was found — never a crash.
 */
import { describe, expect, it } from "vitest";
import { Dim } from "../../src/core/dims.js";
import { exportOnnx, OnnxExportError, type OnnxExportOptions } from "../../src/backends/onnx/index.js";
import type { Graph } from "../../src/ir/graph.js";
import { GraphMaker, lstm } from "./graphs.js";
import { randomParams } from "./harness.js";

const DIMS = { I: 3, H: 4 };

function attempt(graph: Graph, change: Partial<OnnxExportOptions>): OnnxExportError {
  const base: OnnxExportOptions = { dims: DIMS, params: randomParams(graph, DIMS, 1), recurrence: "unroll", steps: 3, sourceFile: "test/hand.rnn" };
  try {
    exportOnnx(graph, { ...base, ...change });
  } catch (e) {
    if (e instanceof OnnxExportError) return e;
    throw e;
  }
  throw new Error("expected an OnnxExportError");
}

describe("export errors", () => {
  const graph = lstm().graph();

  it("a missing param", () => {
    const { W_hh: _, ...params } = randomParams(graph, DIMS, 1);
    expect(attempt(graph, { params }).message).toBe("no values for param `W_hh` of cell LSTM: expected 64 numbers (shape [4H, H] = [16, 4])");
  });

  it("a param of the wrong size", () => {
    const params = { ...randomParams(graph, DIMS, 1), b_ih: new Float32Array(12) };
    expect(attempt(graph, { params }).message).toBe("param `b_ih` has 12 numbers, but its shape [4H] = [16] needs 16");
  });

  it("a param the cell does not have", () => {
    const params = { ...randomParams(graph, DIMS, 1), W_xh: new Float32Array(3) };
    expect(attempt(graph, { params }).message).toBe("cell LSTM has no param `W_xh`; its params are `W_ih`, `W_hh`, `b_ih`, `b_hh`");
  });

  it("a missing, extra or non-positive dimension", () => {
    expect(attempt(graph, { dims: { I: 3 } }).message).toBe("no value for dimension H of cell LSTM (it needs I, H)");
    expect(attempt(graph, { dims: { I: 3, H: 4, O: 2 } }).message).toBe("cell LSTM has no dimension O; its dimensions are I, H");
    expect(attempt(graph, { dims: { I: 3, H: 0 } }).message).toBe("dimension H must be a positive integer, found 0");
  });

  it("unroll without steps, and bad step counts", () => {
    expect(attempt(graph, { steps: undefined }).message).toBe("the unrolled form needs a fixed number of steps (--steps T); give one, or use the scan form, which keeps T symbolic");
    expect(attempt(graph, { steps: 0 }).message).toBe("steps must be a positive integer, found 0");
    expect(attempt(graph, { steps: 2.5, recurrence: "scan" }).message).toBe("steps must be a positive integer, found 2.5");
  });

  it("an opset out of range", () => {
    expect(attempt(graph, { opset: 23 }).message).toBe("opset must be an integer from 7 to 22 (the newest onnxruntime-node 1.22 loads), found 23");
  });

  it("an opset too old for an op the cell needs, pointing at the source", () => {
    const e = attempt(graph, { opset: 10 });
    // The first product, W_ih @ x, is one Gemm with the bias added as its C: it is the add's.
    expect(e.message).toMatch(/^the ONNX back end does not support `Gemm` \(for the add at test\/hand\.rnn@\d+\) at opset 10; it needs opset 11 or newer$/);
    expect(e.diagnostic?.code).toBe("RNN6004");
    const matmul = graph.nodes.find((n) => n.op === "matmul")!;
    const add = graph.nodes.find((n) => n.op === "add" && n.inputs.includes(matmul.id))!;
    expect(e.diagnostic?.labels).toEqual([{ span: add.span, message: "needs ONNX Gemm, available from opset 11", primary: true }]);
    expect(e.diagnostic?.helps).toEqual(["use --opset 11 or newer (up to 22)"]);
  });

  it("model names that would collide", () => {
    const g = new GraphMaker("Clash", ["N"]);
    const N = Dim.name("N");
    const x = g.input("x", [N]);
    const h = g.state("h", [N]);
    const next = g.ew("add", [h, x], "h'");
    g.next(h, next);
    g.output("final_h", next);
    const e = attempt(g.graph(), { dims: { N: 2 }, params: {} });
    expect(e.message).toBe("the ONNX model would have two values named `final_h`: the output `final_h` and the final value of state `h`; rename one of them in the cell");
    expect(e.diagnostic?.code).toBe("RNN6004");
    expect(e.diagnostic?.labels.map((l) => [l.span, l.primary])).toEqual([[g.states[0]!.span, true], [g.outputs[0]!.span, false]]);
  });

  it("a gradient graph's seed leaf", () => {
    const g = new GraphMaker("Seeded", ["N"]);
    const N = Dim.name("N");
    const x = g.input("x", [N]);
    const h = g.state("h", [N]);
    const seed = g.node("seed", [], [N], { name: "dh" });
    g.next(h, g.ew("add", [g.ew("add", [h, x]), seed], "h'"));
    g.output("y", x);
    expect(attempt(g.graph(), { dims: { N: 2 }, params: {} }).message).toBe("the ONNX back end exports forward graphs; this graph has the gradient-only leaf `seed` (dh)");
  });
});
