/**
 * The shape of the exported models: the unrolled form grows by exactly one step's nodes per
 * step, the Scan form does not grow with T, input projections are hoisted, the output is
 * byte-identical for the same input, and names, types, doc strings and metadata follow the
 * contract.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildOnnxModel, exportOnnx, type OnnxExportOptions } from "../../src/backends/onnx/index.js";
import { decodeModel, onnx } from "../../src/backends/onnx/proto.js";
import { compileGraph } from "../../src/compiler.js";
import type { Graph } from "../../src/ir/graph.js";
import { lstm } from "./graphs.js";
import { randomParams } from "./harness.js";
import * as ort from "onnxruntime-node";
import { encodeModel } from "../../src/backends/onnx/proto.js";
import { float, int32, loadVectors, maxAbsDiff, paramsFromVectors, runModel } from "./ort.js";

const DIMS = { I: 3, H: 4 };
const LSTM_FILE = "examples/lstm.rnn";
const lstmText = readFileSync(new URL(`../../${LSTM_FILE}`, import.meta.url), "utf8");

function exampleLstm(): Graph {
  const { graph, diagnostics } = compileGraph(LSTM_FILE, lstmText);
  if (!graph) throw new Error(diagnostics.map((d) => d.message).join("; "));
  return graph;
}

function options(graph: Graph, extra: Partial<OnnxExportOptions>): OnnxExportOptions {
  return { dims: DIMS, params: randomParams(graph, DIMS, 1), recurrence: "unroll", sourceFile: LSTM_FILE, sourceText: lstmText, ...extra };
}

interface PlainModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain?: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    name: string;
    docString: string;
    node: { name: string; opType: string; input: string[]; output: string[]; docString?: string; attribute?: { name: string; g?: PlainModel["graph"] }[] }[];
    initializer: { name: string; dims: number[]; dataType: number }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
    output: PlainModel["graph"]["input"];
  };
}

/** Decodes model bytes into plain objects (int64 as numbers), as a reader such as Netron would. */
function decode(bytes: Uint8Array): PlainModel {
  return onnx.ModelProto.toObject(decodeModel(bytes), { longs: Number, defaults: false, arrays: true }) as unknown as PlainModel;
}

const stepNodes = (m: PlainModel, t: number): number => m.graph.node.filter((n) => n.name.startsWith(`t${t}/`)).length;
const dimsOf = (v: PlainModel["graph"]["input"][number]): (number | string)[] => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue!);

describe("the unrolled form", () => {
  for (const [name, make] of [["hand-built LSTM", () => lstm().graph()], ["examples/lstm.rnn", exampleLstm]] as const) {
    it(`${name}: T+1 steps have exactly one step's nodes more than T`, () => {
      const graph = make();
      const counts = [3, 4, 7, 8].map((steps) => decode(exportOnnx(graph, options(graph, { steps }))).graph.node.length);
      const model = decode(exportOnnx(graph, options(graph, { steps: 3 })));
      const perStep = stepNodes(model, 0);
      expect(perStep).toBeGreaterThan(10);
      expect([stepNodes(model, 1), stepNodes(model, 2)]).toEqual([perStep, perStep]);
      expect(counts[1]! - counts[0]!).toBe(perStep);
      expect(counts[3]! - counts[2]!).toBe(perStep);
      expect(counts[2]! - counts[0]!).toBe(4 * perStep);
    });
  }

  it("computes W_ih @ x + b_ih for all steps in one Gemm before the recurrence, W_hh @ h once per step", () => {
    const graph = exampleLstm();
    const model = decode(exportOnnx(graph, options(graph, { steps: 4 })));
    const gemms = model.graph.node.filter((n) => n.opType === "Gemm");
    const hoisted = gemms.filter((n) => n.name.startsWith("inputs/"));
    // The bias is the Gemm's C input, as PyTorch's exporter writes a Linear.
    expect(hoisted.map((n) => n.input)).toEqual([["inputs/x_flat", "W_ih", "b_ih"]]);
    expect(model.graph.node.find((n) => n.name === "inputs/x_flat")!.opType).toBe("Reshape");
    for (let t = 0; t < 4; t++) {
      const step = gemms.filter((n) => n.name.startsWith(`t${t}/`));
      expect(step.map((n) => n.input[1])).toEqual(["W_hh"]);
    }
    expect(gemms.length).toBe(5);
    // Weights are stored as declared ([4H, I]); Gemm's transB does the transposition.
    expect(model.graph.initializer.find((i) => i.name === "W_ih")!.dims).toEqual([16, 3]);
  });
});

describe("the Scan form", () => {
  it("does not grow with T, and is the same model with T symbolic but for x's first dimension", () => {
    const graph = exampleLstm();
    const sizes = [2, 5, 50, 120].map((steps) => exportOnnx(graph, options(graph, { recurrence: "scan", steps })).length);
    expect(new Set(sizes).size).toBe(1);
    const fixed = decode(exportOnnx(graph, options(graph, { recurrence: "scan", steps: 5 })));
    const symbolic = decode(exportOnnx(graph, options(graph, { recurrence: "scan" })));
    expect(dimsOf(fixed.graph.input[0]!)).toEqual([5, "batch", 3]);
    expect(dimsOf(symbolic.graph.input[0]!)).toEqual(["steps", "batch", 3]);
    expect(symbolic.graph.node.map((n) => n.name)).toEqual(fixed.graph.node.map((n) => n.name));
    const scans = symbolic.graph.node.filter((n) => n.opType === "Scan");
    expect(scans.length).toBe(1);
    const body = scans[0]!.attribute!.find((a) => a.name === "body")!.g!;
    expect(body.node.filter((n) => n.opType === "Gemm").map((n) => n.input[1])).toEqual(["W_hh"]);
    expect(body.node.every((n) => n.name.startsWith("step/"))).toBe(true);
  });
});

describe("determinism", () => {
  for (const recurrence of ["unroll", "scan"] as const) {
    it(`${recurrence}: the same input gives byte-identical models`, () => {
      const a = exampleLstm();
      const b = exampleLstm();
      const first = exportOnnx(a, options(a, { recurrence, steps: 6 }));
      const second = exportOnnx(b, options(b, { recurrence, steps: 6 }));
      expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
      // A different weight changes the bytes (the comparison can fail).
      const params = randomParams(a, DIMS, 1);
      params.b_hh![0] = 0.125;
      expect(Buffer.from(exportOnnx(a, options(a, { recurrence, steps: 6, params }))).equals(Buffer.from(first))).toBe(false);
    });
  }
});

describe("names, types and metadata", () => {
  it("declares the contract's inputs and outputs", () => {
    const graph = exampleLstm();
    const model = decode(exportOnnx(graph, options(graph, { steps: 5 })));
    expect(model.graph.input.map((v) => [v.name, v.type.tensorType.elemType, dimsOf(v)])).toEqual([
      ["x", 1, [5, "batch", 3]],
      ["initial_h", 1, ["batch", 4]],
      ["initial_c", 1, ["batch", 4]],
      ["sequence_lens", 6, ["batch"]],
    ]);
    expect(model.graph.output.map((v) => [v.name, dimsOf(v)])).toEqual([
      ["h", [5, "batch", 4]],
      ["final_h", ["batch", 4]],
      ["final_c", ["batch", 4]],
    ]);
  });

  it("gives initial states and lengths defaults (zeros, full length) only when asked for optional inputs", () => {
    const graph = exampleLstm();
    const inits = (m: PlainModel): [string, number[]][] =>
      m.graph.initializer.filter((i) => !i.name.startsWith("const/") && !graph.params.some((p) => p.name === i.name)).map((i) => [i.name, i.dims]);
    expect(inits(decode(exportOnnx(graph, options(graph, { steps: 5, optionalInputs: true }))))).toEqual([["initial_h", [1, 4]], ["initial_c", [1, 4]], ["sequence_lens", [1]]]);
    expect(inits(decode(exportOnnx(graph, options(graph, { steps: 5, optionalInputs: false }))))).toEqual([]);
    expect(inits(decode(exportOnnx(graph, options(graph, { steps: 5 }))))).toEqual([]);
    const unroll = buildOnnxModel(graph, options(graph, { steps: 5, optionalInputs: true }));
    const scan = buildOnnxModel(graph, options(graph, { recurrence: "scan", optionalInputs: true }));
    const lens = (m: typeof unroll): number => new DataView(m.graph!.initializer!.find((i) => i.name === "sequence_lens")!.rawData!.buffer).getInt32(0, true);
    expect([lens(unroll), lens(scan)]).toEqual([5, 2147483647]);
  });

  it("records the producer, opset, cell, dims, and each node's source line", async () => {
    const graph = exampleLstm();
    const bytes = exportOnnx(graph, options(graph, { steps: 2, docString: "an LSTM for the tests" }));
    const model = decode(bytes);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect([model.producerName, model.producerVersion]).toEqual(["rnnc", pkg.version]);
    expect(model.opsetImport).toEqual([{ domain: "", version: 17 }]);
    expect(model.irVersion).toBe(8);
    expect(model.metadataProps).toEqual([
      { key: "producer", value: "rnnc" },
      { key: "source", value: LSTM_FILE },
      { key: "cell", value: "LSTM" },
      { key: "dims", value: "I=3,H=4" },
      { key: "recurrence", value: "unroll" },
      { key: "steps", value: "2" },
      { key: "states", value: "h,c" },
      { key: "outputs", value: "h" },
    ]);
    expect(model.graph.name).toBe("LSTM");
    expect(model.graph.docString).toContain(`cell LSTM from ${LSTM_FILE}`);
    // The line of `c' = …` in the file, found here independently of the exporter.
    const cLine = lstmText.split("\n").findIndex((l) => l.trimStart().startsWith("c' =")) + 1;
    const cNode = model.graph.node.find((n) => /^t1\/c'_\d+$/.test(n.name))!;
    expect(cNode.docString).toBe(`${LSTM_FILE}:${cLine}`);
    expect(model.graph.node.filter((n) => n.name.startsWith("t0/")).every((n) => n.docString !== undefined && n.docString !== "")).toBe(true);
    // ORT loads it (its loader checks the graph, types and op schemas) and runs it.
    const zeros = { kind: "float", dims: [1, 4], data: [0, 0, 0, 0] } as const;
    const out = await runModel(bytes, {
      x: { kind: "float", dims: [2, 1, 3], data: [0.1, 0.2, 0.3, -0.1, -0.2, -0.3] },
      initial_h: zeros,
      initial_c: zeros,
      sequence_lens: { kind: "int32", dims: [1], data: [2] },
    });
    expect(out.h!.dims).toEqual([2, 1, 4]);
  });

  it("without the source text, doc strings still point into the file (by offset)", () => {
    const graph = exampleLstm();
    const model = decode(exportOnnx(graph, { ...options(graph, { steps: 1 }), sourceText: undefined }));
    const cNode = model.graph.node.find((n) => /^t0\/c'_\d+$/.test(n.name))!;
    const offset = lstmText.indexOf("sigmoid(f) * c");
    expect(cNode.docString).toMatch(new RegExp(`^${LSTM_FILE}@\\d+$`));
    expect(Number(cNode.docString!.split("@")[1])).toBeGreaterThanOrEqual(offset);
  });
});

describe("validation by ONNX Runtime", () => {
  it("the strict loader the tests use rejects a model whose declared shapes (outputs, intermediate values) contradict its nodes", async () => {
    const graph = lstm().graph();
    const model = buildOnnxModel(graph, options(graph, { steps: 2, sourceText: undefined }));
    const strict = { logSeverityLevel: 3 as const, graphOptimizationLevel: "disabled" as const, extra: { session: { strict_shape_type_inference: "1" } } };
    await expect(ort.InferenceSession.create(encodeModel(model), strict)).resolves.toBeDefined();
    // An intermediate value's declared type (value_info) is checked too: c' is [batch, 4], not [batch, 3].
    const cType = model.graph!.valueInfo!.find((v) => /^t0\/c'_\d+$/.test(v.name!))!;
    expect(cType.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)).toEqual(["batch", 4]);
    cType.type!.tensorType!.shape!.dim![1] = { dimValue: 3 };
    await expect(ort.InferenceSession.create(encodeModel(model), strict)).rejects.toThrow(/Inferred=4 Declared=3/);
    cType.type!.tensorType!.shape!.dim![1] = { dimValue: 4 };
    model.graph!.output![0]!.type!.tensorType!.shape!.dim![2] = { dimValue: 5 };
    await expect(ort.InferenceSession.create(encodeModel(model), strict)).rejects.toThrow(/Inferred=4 Declared=5/);
  });

  for (const recurrence of ["unroll", "scan"] as const) {
    it(`${recurrence}: with ORT's graph optimizations on (what users get), the LSTM vectors still match`, async () => {
      const v = loadVectors("lstm");
      const bytes = exportOnnx(lstm().graph(), { dims: v.dims, steps: v.steps, recurrence, params: paramsFromVectors(v), sourceFile: "test/hand.rnn", optionalInputs: false });
      const feeds = {
        x: float(v.x.shape, v.x.data),
        initial_h: float(v.initial.h0!.shape, v.initial.h0!.data),
        initial_c: float(v.initial.c0!.shape, v.initial.c0!.data),
        sequence_lens: int32([v.batch], [v.steps, v.steps]),
      };
      const out = await runModel(bytes, feeds, true);
      expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(1e-4);
      expect(maxAbsDiff(out.final_c!.data, v.outputs.c_T!.data)).toBeLessThan(1e-4);
    });
  }
});
