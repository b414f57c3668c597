/**
 * The native form (`recurrence: "native"`): the textbook LSTM and GRU become ONNX's own LSTM /
 * GRU operator. ONNX Runtime runs those models and must agree with the generated TypeScript
 * kernels (same params from the module's `init(seed)`) within 1e-5 — two batch sizes, with and
 * without initial states, uneven, zero, negative and over-long lengths, fixed and symbolic T,
 * several opsets — and with the PyTorch vectors within 1e-4. Every other example cell, and an
 * LSTM whose sums are written in another order, is refused with the documented error.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exportOnnx, OnnxExportError, type OnnxExportOptions } from "../../src/backends/onnx/index.js";
import { canonicalGraphText } from "../../src/backends/onnx/canonical.js";
import { GRU_REFERENCE, LSTM_REFERENCE, recogniseNative } from "../../src/backends/onnx/native.js";
import { decodeModel, onnx } from "../../src/backends/onnx/proto.js";
import { compileToTypeScript } from "../../src/compiler.js";
import { loadGeneratedModule } from "../../src/backends/ts/load.js";
import { runOnnxCli } from "./run-onnx-cli.js";
import { compileGraph, compileUnit } from "../../src/compiler.js";
import type { Graph } from "../../src/ir/graph.js";
import { randomArray, randoms, sizeOf } from "./harness.js";
import { float, int32, loadVectors, maxAbsDiff, paramsFromVectors, runModel, type Feed } from "./ort.js";

const TS_TOLERANCE = 1e-5;
const TORCH_TOLERANCE = 1e-4;
const SEED = 11;

const EXAMPLES = new URL("../../examples/", import.meta.url);
const exampleText = (file: string): string => readFileSync(new URL(file, EXAMPLES), "utf8");
const graphOf = (file: string, text: string, cell?: string): Graph => {
  const { graph, diagnostics } = compileGraph(file, text, cell);
  if (!graph) throw new Error(`${file} did not compile: ${diagnostics.map((d) => d.message).join("; ")}`);
  return graph;
};

/** The textbook LSTM with every sum commuted: the same function, another graph. */
const COMMUTED_LSTM = `cell LSTM(I, H) {
  input x: [I]
  state h: [H]
  state c: [H]
  param W_ih: [4H, I]
  param W_hh: [4H, H]
  param b_ih: [4H]
  param b_hh: [4H]

  let [i, f, g, o] = split(W_hh @ h + b_hh + W_ih @ x + b_ih, 4)
  c' = sigmoid(i) * tanh(g) + sigmoid(f) * c
  h' = sigmoid(o) * tanh(c')
  output h'
}
`;

/**
 * The textbook GRU with every name (cell, dims, leaves, lets) changed and the dims swapped; the
 * input and state take names the native model uses internally (prefixed there, so no clash).
 */
const RENAMED_GRU = `cell Gated(Hidden, Features) {
  input batch_size: [Features]
  state input_shape: [Hidden]
  param A: [3Hidden, Features] ~ glorot
  param Q: [3Hidden, Hidden]
  param a: [3Hidden] = 0
  param q: [3Hidden]

  let [ur, uz, un] = split(A @ batch_size + a, 3)
  let [sr, sz, sn] = split(Q @ input_shape + q, 3)
  let reset = sigmoid(ur + sr)
  let update = sigmoid(uz + sz)
  let candidate = tanh(un + reset * sn)
  input_shape' = (1 - update) * candidate + update * input_shape
  output input_shape'
}
`;

interface TsCell {
  init(seed: number): Record<string, Float32Array>;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: { batch: number; steps: number; initial?: Record<string, ArrayLike<number>>; lengths?: ArrayLike<number> }): {
    outputs: Record<string, Float32Array | Float64Array>;
    final: Record<string, Float32Array | Float64Array>;
  };
}

async function tsCell(file: string, text: string, cell: string, dims: Record<string, number>): Promise<TsCell> {
  const code = compileToTypeScript(file, text).code!;
  const mod = await loadGeneratedModule(code);
  return (mod[cell] as (d: Record<string, number>) => TsCell)(dims);
}

function exportNative(graph: Graph, dims: Record<string, number>, params: Record<string, Float32Array>, extra: Partial<OnnxExportOptions> = {}): Uint8Array {
  return exportOnnx(graph, { dims, recurrence: "native", params, sourceFile: graph.file, optionalInputs: false, ...extra });
}

interface Batch {
  readonly x: Float32Array;
  readonly initial?: Record<string, Float32Array>;
  readonly lengths?: readonly number[];
}

function randomBatch(graph: Graph, dims: Record<string, number>, steps: number, batch: number, seed: number, withInitial: boolean): Batch {
  const next = randoms(seed);
  const inputSize = graph.inputs[0]!.shape[0]!.evaluate(dims);
  const x = Float32Array.from(randomArray(steps * batch * inputSize, next));
  if (!withInitial) return { x };
  const initial = Object.fromEntries(graph.states.map((s) => [s.name, Float32Array.from(randomArray(batch * sizeOf(s.shape.map((d) => d.evaluate(dims))), () => next(-0.5, 0.5)))]));
  return { x, initial };
}

/** Feeds for a required-inputs model: zeros and full lengths where the batch has none. */
function feeds(graph: Graph, dims: Record<string, number>, steps: number, batch: number, b: Batch): Record<string, Feed> {
  const hidden = graph.states[0]!.shape[0]!.evaluate(dims);
  const out: Record<string, Feed> = { [graph.inputs[0]!.name]: float([steps, batch, graph.inputs[0]!.shape[0]!.evaluate(dims)], b.x) };
  for (const s of graph.states) out[`initial_${s.name}`] = float([batch, hidden], b.initial?.[s.name] ?? new Float32Array(batch * hidden));
  out.sequence_lens = int32([batch], b.lengths ?? new Array<number>(batch).fill(steps));
  return out;
}

/** Runs the native model and the TS kernel on the same batch; returns the largest difference. */
async function nativeVersusKernel(file: string, text: string, steps: number, batch: number, b: Batch, extra: Partial<OnnxExportOptions> = {}, kernelLengths?: readonly number[]): Promise<number> {
  const graph = graphOf(file, text);
  const dims = { [graph.dims[0]!]: 5, [graph.dims[1]!]: 7 };
  const ts = await tsCell(file, text, graph.cell, dims);
  const params = ts.init(SEED);
  const out = await runModel(exportNative(graph, dims, params, extra), feeds(graph, dims, steps, batch, b));
  const lengths = kernelLengths ?? b.lengths;
  const ref = ts.forward(params, b.x, { batch, steps, ...(b.initial ? { initial: b.initial } : {}), ...(lengths ? { lengths } : {}) });
  const hidden = graph.states[0]!.shape[0]!.evaluate(dims);
  const outName = graph.outputs[0]!.name;
  expect(out[outName]!.dims).toEqual([steps, batch, hidden]);
  let m = maxAbsDiff(out[outName]!.data, ref.outputs[outName]!);
  for (const s of graph.states) {
    expect(out[`final_${s.name}`]!.dims).toEqual([batch, hidden]);
    m = Math.max(m, maxAbsDiff(out[`final_${s.name}`]!.data, ref.final[s.name]!));
  }
  return m;
}

const CELLS = [["lstm.rnn", "LSTM"], ["gru.rnn", "GRU"]] as const;

describe("recognition", () => {
  it("recognises examples/lstm.rnn and examples/gru.rnn, and the references lower to their graphs", () => {
    expect(recogniseNative(graphOf("examples/lstm.rnn", exampleText("lstm.rnn")))).toBe("LSTM");
    expect(recogniseNative(graphOf("examples/gru.rnn", exampleText("gru.rnn")))).toBe("GRU");
    expect(canonicalGraphText(graphOf("a.rnn", LSTM_REFERENCE))).toBe(canonicalGraphText(graphOf("examples/lstm.rnn", exampleText("lstm.rnn"))));
    expect(canonicalGraphText(graphOf("b.rnn", GRU_REFERENCE))).toBe(canonicalGraphText(graphOf("examples/gru.rnn", exampleText("gru.rnn"))));
  });

  it("ignores every name the user chose (cell, dimensions and their order, leaves, lets) and the initialisers", async () => {
    const graph = graphOf("renamed.rnn", RENAMED_GRU);
    expect(recogniseNative(graph)).toBe("GRU");
    const b = { ...randomBatch(graph, { Hidden: 5, Features: 7 }, 5, 3, 71, true), lengths: [5, 3, 1] };
    expect(await nativeVersusKernel("renamed.rnn", RENAMED_GRU, 5, 3, b)).toBeLessThan(TS_TOLERANCE);
  });

  // Model files (stacked, bidirectional) are exported by model.ts; test/onnx/models.test.ts covers their native form.
  const others = readdirSync(EXAMPLES).filter((f) => f.endsWith(".rnn") && f !== "lstm.rnn" && f !== "gru.rnn" && compileUnit(`examples/${f}`, exampleText(f)).unit?.kind !== "model").sort();
  it("covers the other example cells", () => expect(others.length).toBeGreaterThanOrEqual(8));
  for (const file of others) {
    it(`refuses ${file} with an error that names the cell and the other forms`, () => {
      const graph = graphOf(`examples/${file}`, exampleText(file));
      expect(recogniseNative(graph)).toBeUndefined();
      const dims = Object.fromEntries(graph.dims.map((d) => [d, 3]));
      const params = Object.fromEntries(graph.params.map((p) => [p.name, new Float32Array(sizeOf(p.shape.map((d) => d.evaluate(dims))))]));
      let error: unknown;
      try {
        exportOnnx(graph, { dims, recurrence: "native", params, sourceFile: file });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(OnnxExportError);
      expect((error as Error).message).toBe(
        `cell ${graph.cell} is not recognised as an LSTM or GRU, so it has no native ONNX form: --recurrence native needs the graph of the textbook PyTorch-layout cell ` +
          "(examples/lstm.rnn or examples/gru.rnn, written the same way, names aside); export it with --recurrence unroll or --recurrence scan",
      );
    });
  }

  it("refuses an LSTM whose sums are commuted (a documented limitation), which still exports unrolled and computes the LSTM", async () => {
    const commuted = graphOf("commuted.rnn", COMMUTED_LSTM);
    expect(recogniseNative(commuted)).toBeUndefined();
    expect(() => exportOnnx(commuted, { dims: { I: 5, H: 7 }, recurrence: "native", params: {}, sourceFile: "commuted.rnn" })).toThrow(OnnxExportError);

    // The commuted cell unrolled and the textbook cell native, same params: the same numbers.
    const lstm = graphOf("examples/lstm.rnn", exampleText("lstm.rnn"));
    const dims = { I: 5, H: 7 };
    const params = (await tsCell("examples/lstm.rnn", exampleText("lstm.rnn"), "LSTM", dims)).init(SEED);
    const b = { ...randomBatch(lstm, dims, 6, 3, 5, true), lengths: [6, 4, 1] };
    const unrolled = await runModel(exportOnnx(commuted, { dims, steps: 6, recurrence: "unroll", params, sourceFile: "commuted.rnn", optionalInputs: false }), feeds(commuted, dims, 6, 3, b));
    const native = await runModel(exportNative(lstm, dims, params), feeds(lstm, dims, 6, 3, b));
    for (const name of ["h", "final_h", "final_c"]) expect(maxAbsDiff(unrolled[name]!.data, native[name]!.data)).toBeLessThan(TS_TOLERANCE);
  });
});

describe("ONNX Runtime runs the native form as the TypeScript kernels do", () => {
  for (const [file, cell] of CELLS) {
    const text = exampleText(file);
    const path = `examples/${file}`;
    const graph = graphOf(path, text);
    for (const batch of [1, 3]) {
      for (const withInitial of [true, false]) {
        it(`${cell}, batch ${batch}, ${withInitial ? "initial states fed" : "zero initial states"}`, async () => {
          const b = randomBatch(graph, { I: 5, H: 7 }, 6, batch, 21 + batch, withInitial);
          expect(await nativeVersusKernel(path, text, 6, batch, b)).toBeLessThan(TS_TOLERANCE);
        });
      }
    }
    it(`${cell}, sequence_lens [T, T−2, 1]`, async () => {
      const b = { ...randomBatch(graph, { I: 5, H: 7 }, 6, 3, 31, true), lengths: [6, 4, 1] };
      expect(await nativeVersusKernel(path, text, 6, 3, b)).toBeLessThan(TS_TOLERANCE);
    });
    it(`${cell}, lengths 0, negative and beyond T act as 0, 0 and T (the final state of an empty example is its initial state)`, async () => {
      const b = { ...randomBatch(graph, { I: 5, H: 7 }, 6, 4, 41, true), lengths: [0, -3, 9, 2] };
      expect(await nativeVersusKernel(path, text, 6, 4, b, {}, [0, 0, 6, 2])).toBeLessThan(TS_TOLERANCE);
    });
    for (const opset of [11, 13, 22]) {
      it(`${cell}, symbolic T, opset ${opset}`, async () => {
        const b = { ...randomBatch(graph, { I: 5, H: 7 }, 4, 3, 51, true), lengths: [4, 2, 1] };
        expect(await nativeVersusKernel(path, text, 4, 3, b, { opset })).toBeLessThan(TS_TOLERANCE);
      });
    }
    it(`${cell}, optional inputs left to their defaults (zero states, all steps)`, async () => {
      const dims = { I: 5, H: 7 };
      const ts = await tsCell(path, text, cell, dims);
      const params = ts.init(SEED);
      const b = randomBatch(graph, dims, 5, 2, 61, false);
      // With optional inputs the default length is INT32_MAX, clamped to T in the model.
      const out = await runModel(exportOnnx(graph, { dims, recurrence: "native", params, sourceFile: path, optionalInputs: true }), { x: float([5, 2, 5], b.x) });
      const ref = ts.forward(params, b.x, { batch: 2, steps: 5 });
      expect(maxAbsDiff(out.h!.data, ref.outputs.h!)).toBeLessThan(TS_TOLERANCE);
      expect(maxAbsDiff(out.final_h!.data, ref.final.h!)).toBeLessThan(TS_TOLERANCE);
    });
  }
});

describe("the native form reproduces the PyTorch vectors", () => {
  for (const name of ["lstm", "gru", "lstm_zero_state"]) {
    it(name, async () => {
      const v = loadVectors(name);
      const file = name === "gru" ? "gru.rnn" : "lstm.rnn";
      const graph = graphOf(`examples/${file}`, exampleText(file));
      const bytes = exportOnnx(graph, { dims: v.dims, steps: v.steps, recurrence: "native", params: paramsFromVectors(v), sourceFile: file, optionalInputs: false });
      const out = await runModel(bytes, {
        x: float(v.x.shape, v.x.data),
        initial_h: float(v.initial.h0!.shape, v.initial.h0!.data),
        ...(v.initial.c0 ? { initial_c: float(v.initial.c0.shape, v.initial.c0.data) } : {}),
        sequence_lens: int32([v.batch], new Array<number>(v.batch).fill(v.steps)),
      });
      expect(out.h!.dims).toEqual(v.outputs.y!.shape);
      expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(TORCH_TOLERANCE);
      expect(maxAbsDiff(out.final_h!.data, v.outputs.h_T!.data)).toBeLessThan(TORCH_TOLERANCE);
      if (v.outputs.c_T) expect(maxAbsDiff(out.final_c!.data, v.outputs.c_T.data)).toBeLessThan(TORCH_TOLERANCE);
      else expect(out.final_c).toBeUndefined();
    });
  }
});

describe("the native model", () => {
  const opTypes = (bytes: Uint8Array): string[] => decodeModel(bytes).graph!.node!.map((n) => n.opType!);
  for (const [file, cell] of CELLS) {
    it(`${cell}: one ${cell} node with PyTorch's semantics, byte-identical on every export`, async () => {
      const graph = graphOf(`examples/${file}`, exampleText(file));
      const dims = { I: 5, H: 7 };
      const params = (await tsCell(`examples/${file}`, exampleText(file), cell, dims)).init(SEED);
      const bytes = exportNative(graph, dims, params, { steps: 6 });
      expect(exportNative(graph, dims, params, { steps: 6 })).toEqual(bytes);
      const types = opTypes(bytes);
      expect(types.filter((t) => t === cell)).toHaveLength(1);
      expect(types).not.toContain("Scan");
      const node = onnx.ModelProto.toObject(decodeModel(bytes), { longs: Number, arrays: true }).graph.node.find((n: { opType: string }) => n.opType === cell);
      const attrs = Object.fromEntries(node.attribute.map((a: { name: string; i: number }) => [a.name, a.i]));
      expect(attrs).toEqual(cell === "GRU" ? { hidden_size: 7, linear_before_reset: 1 } : { hidden_size: 7 });
      const meta = Object.fromEntries(decodeModel(bytes).metadataProps!.map((p) => [p.key, p.value]));
      expect(meta.recurrence).toBe("native");
    });
  }
});

describe("rnnc onnx --recurrence native", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-native-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rnnc = runOnnxCli;

  it("writes a GRU model that reproduces the PyTorch vectors", async () => {
    const v = loadVectors("gru");
    const model = join(dir, "gru.onnx");
    const { writeWeightsFile } = await import("../../src/weights/index.js");
    const weights = join(dir, "gru.safetensors");
    writeWeightsFile(weights, paramsFromVectors(v), Object.fromEntries(Object.entries(v.params).map(([k, t]) => [{ weight_ih: "W_ih", weight_hh: "W_hh", bias_ih: "b_ih", bias_hh: "b_hh" }[k]!, t.shape])));
    const run = await rnnc("onnx", "examples/gru.rnn", "--dims", `I=${v.dims.I},H=${v.dims.H}`, "--recurrence", "native", "--weights", weights, "--required-inputs", "-o", model);
    expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
    const out = await runModel(readFileSync(model), {
      x: float(v.x.shape, v.x.data),
      initial_h: float(v.initial.h0!.shape, v.initial.h0!.data),
      sequence_lens: int32([v.batch], new Array<number>(v.batch).fill(v.steps)),
    });
    expect(maxAbsDiff(out.h!.data, v.outputs.y!.data)).toBeLessThan(TORCH_TOLERANCE);
  });

  it("is an error (exit 1: the command line is fine) naming the other forms for a cell that is not an LSTM or GRU", async () => {
    const run = await rnnc("onnx", "examples/peephole_lstm.rnn", "--dims", "I=3,H=4", "--recurrence", "native", "-o", join(dir, "p.onnx"));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cell \w+ is not recognised as an LSTM or GRU.*--recurrence unroll or --recurrence scan/);
  });
});
