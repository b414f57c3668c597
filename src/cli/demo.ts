/**
 * `npm run demo`: the whole path on every shipped example — check, compile to TypeScript, run,
 * gradcheck, export to ONNX (unrolled and Scan), run in ONNX Runtime, and print how closely
 * the two back ends agree. Exits 1 if any step fails or any number disagrees.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { compileToTypeScript } from "../backends/ts/compile.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import { exportOnnx } from "../backends/onnx/index.js";
import { compileGraph, compileModel, definesModel } from "../compiler.js";
import { exportModelOnnx } from "../backends/onnx/model.js";
import type { CheckedModel } from "../check/model-types.js";
import { evaluateShape } from "../core/dims.js";
import type { Graph } from "../ir/graph.js";
import { gradcheckSource } from "../verify/check-source.js";
import { SeededRandom } from "../core/random.js";

const ONNX_TOLERANCE = 1e-5;

interface Row {
  example: string;
  cell: string;
  check: string;
  tsBytes: number;
  gradcheck: string;
  onnxUnroll: string;
  onnxScan: string;
  ok: boolean;
}

/** Deterministic inputs in [-1, 1), from the project's seeded generator. */
function random(n: number, seed: number): Float32Array {
  return Float32Array.from(new SeededRandom(seed).array(n, -1, 1));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type Cell = {
  init(seed: number): Record<string, Float32Array>;
  forward(p: Record<string, Float32Array>, x: Float32Array, o: object): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
};

async function onnxAgreement(graph: Graph, text: string, file: string, recurrence: "unroll" | "scan", cell: Cell, dims: Record<string, number>): Promise<number> {
  const B = 3;
  const T = 6;
  const params = cell.init(42);
  const bytes = exportOnnx(graph, { dims, steps: T, recurrence, params, sourceFile: file, sourceText: text, optionalInputs: false });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const inputSize = evaluateShape(graph.inputs[0]!.shape, dims).reduce((a, b) => a * b, 1);
  const x = random(T * B * inputSize, 7);
  const lengths = [T, T - 2, 1];
  const initial: Record<string, Float32Array> = {};
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor("float32", x, [T, B, ...evaluateShape(graph.inputs[0]!.shape, dims)]),
    sequence_lens: new ort.Tensor("int32", Int32Array.from(lengths), [B]),
  };
  graph.states.forEach((s, i) => {
    const shape = evaluateShape(s.shape, dims);
    initial[s.name] = random(B * shape.reduce((a, b) => a * b, 1), 100 + i);
    feeds[`initial_${s.name}`] = new ort.Tensor("float32", initial[s.name]!, [B, ...shape]);
  });
  const ours = cell.forward(params, x, { batch: B, steps: T, initial, lengths });
  const theirs = await session.run(feeds);
  let worst = 0;
  for (const o of graph.outputs) worst = Math.max(worst, maxAbsDiff(ours.outputs[o.name]!, theirs[o.name]!.data as Float32Array));
  for (const s of graph.states) worst = Math.max(worst, maxAbsDiff(ours.final[s.name]!, theirs[`final_${s.name}`]!.data as Float32Array));
  return worst;
}

type Model = {
  init(seed: number): Record<string, Float32Array>;
  forward(p: Record<string, Float32Array>, x: ArrayLike<number>, o: object): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
};

/** The same comparison for a model: its inputs as ids or vectors, every layer's initial state fed. */
async function modelOnnxAgreement(model: CheckedModel, text: string, file: string, recurrence: "unroll" | "scan", instance: Model, dims: Record<string, number>): Promise<number> {
  const B = 3;
  const T = 6;
  const params = instance.init(42);
  const bytes = exportModelOnnx(model, { dims, steps: T, recurrence, params, sourceFile: file, sourceText: text, optionalInputs: false });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const lengths = [T, T - 2, 1];
  const input = model.input.type;
  const size = (input.kind === "vector" ? input.width : input.size).evaluate(dims);
  const x = input.kind === "vector" ? random(T * B * size, 7) : Int32Array.from(random(T * B, 7), (v) => Math.floor(((v + 1) / 2) * size) % size);
  const feeds: Record<string, ort.Tensor> = {
    [model.input.name]: input.kind === "vector" ? new ort.Tensor("float32", x as Float32Array, [T, B, size]) : new ort.Tensor("int64", BigInt64Array.from(x, (v) => BigInt(v)), [T, B]),
    sequence_lens: new ort.Tensor("int32", Int32Array.from(lengths), [B]),
  };
  // The states' names and shapes, from a run of the module itself.
  const probe = instance.forward(params, x, { batch: B, steps: T, lengths });
  const initial: Record<string, Float32Array> = {};
  Object.entries(probe.final).forEach(([name, v], i) => {
    initial[name] = random(v.length, 100 + i);
    feeds[`initial_${name}`] = new ort.Tensor("float32", initial[name]!, [B, v.length / B]);
  });
  const ours = instance.forward(params, x, { batch: B, steps: T, initial, lengths });
  const theirs = await session.run(feeds);
  let worst = 0;
  for (const o of model.outputs) worst = Math.max(worst, maxAbsDiff(ours.outputs[o.name]!, theirs[o.name]!.data as Float32Array));
  for (const name of Object.keys(ours.final)) worst = Math.max(worst, maxAbsDiff(ours.final[name]!, theirs[`final_${name}`]!.data as Float32Array));
  return worst;
}

/** A model file: its model through the same steps as a cell. */
async function demoModel(file: string, text: string): Promise<Row[]> {
  const { model } = compileModel(file, text);
  const compiled = compileToTypeScript(file, text);
  if (!model || !compiled.code) {
    return [{ example: file, cell: "-", check: `${compiled.diagnostics.length} errors`, tsBytes: 0, gradcheck: "-", onnxUnroll: "-", onnxScan: "-", ok: false }];
  }
  const module = await loadGeneratedModule(compiled.code);
  const warnings = compiled.diagnostics.filter((d) => d.severity === "warning").length;
  const dims = Object.fromEntries(model.dims.map((d, i) => [d, 4 + i]));
  const instance = (module[model.name] as (d: object) => Model)(dims);
  const gc = await gradcheckSource(file, text, { cell: model.name, batch: 2, steps: 4, seed: 1 });
  const report = gc.report!;
  const worstFd = Math.max(...report.gradients.map((g) => g.fd?.elements.maxRel ?? 0));
  const unroll = await modelOnnxAgreement(model, text, file, "unroll", instance, dims);
  const scan = await modelOnnxAgreement(model, text, file, "scan", instance, dims);
  return [
    {
      example: file,
      cell: `model ${model.name}`,
      check: warnings === 0 ? "clean" : `${warnings} warning(s)`,
      tsBytes: compiled.code.length,
      gradcheck: `${report.pass ? "pass" : "FAIL"} (FD rel ${worstFd.toExponential(1)})`,
      onnxUnroll: `${unroll <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${unroll.toExponential(1)}`,
      onnxScan: `${scan <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${scan.toExponential(1)}`,
      ok: report.pass && unroll <= ONNX_TOLERANCE && scan <= ONNX_TOLERANCE,
    },
  ];
}

async function demo(file: string): Promise<Row[]> {
  const text = readFileSync(file, "utf8");
  if (definesModel(file, text)) return demoModel(file, text);
  const rows: Row[] = [];
  const compiled = compileToTypeScript(file, text);
  if (!compiled.code) {
    return [{ example: file, cell: "-", check: `${compiled.diagnostics.length} errors`, tsBytes: 0, gradcheck: "-", onnxUnroll: "-", onnxScan: "-", ok: false }];
  }
  const module = await loadGeneratedModule(compiled.code);
  const warnings = compiled.diagnostics.filter((d) => d.severity === "warning").length;
  for (const name of Object.keys(module).filter((k) => typeof module[k] === "function")) {
    const { graph } = compileGraph(file, text, name);
    if (!graph) continue;
    const dims = Object.fromEntries(graph.dims.map((d, i) => [d, 4 + i]));
    const cell = (module[name] as (d: object) => Cell)(dims);
    const gc = await gradcheckSource(file, text, { cell: name, batch: 2, steps: 4, seed: 1 });
    const report = gc.report!;
    const worstFd = Math.max(...report.gradients.map((g) => g.fd?.elements.maxRel ?? 0));
    const unroll = await onnxAgreement(graph, text, file, "unroll", cell, dims);
    const scan = await onnxAgreement(graph, text, file, "scan", cell, dims);
    rows.push({
      example: file,
      cell: name,
      check: warnings === 0 ? "clean" : `${warnings} warning(s)`,
      tsBytes: compiled.code.length,
      gradcheck: `${report.pass ? "pass" : "FAIL"} (FD rel ${worstFd.toExponential(1)})`,
      onnxUnroll: `${unroll <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${unroll.toExponential(1)}`,
      onnxScan: `${scan <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${scan.toExponential(1)}`,
      ok: report.pass && unroll <= ONNX_TOLERANCE && scan <= ONNX_TOLERANCE,
    });
  }
  return rows;
}

function table(rows: Row[]): string {
  const head = ["example", "cell or model", "check", "TS module", "gradcheck (float64)", "ONNX unroll vs TS", "ONNX scan vs TS"];
  const body = rows.map((r) => [r.example, r.cell, r.check, `${(r.tsBytes / 1024).toFixed(0)} KB`, r.gradcheck, r.onnxUnroll, r.onnxScan]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(head), line(widths.map((w) => "─".repeat(w))), ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const dir = "examples";
  const files = readdirSync(dir).filter((f) => f.endsWith(".rnn")).sort().map((f) => join(dir, f));
  console.log(`rnnc demo: ${files.length} example files → check → TypeScript kernels → gradcheck → ONNX → ONNX Runtime\n`);
  const rows: Row[] = [];
  for (const f of files) rows.push(...(await demo(f)));
  console.log(table(rows));
  console.log(`\nONNX Runtime runs each exported model (batch 3, 6 steps, sequence_lens [6, 4, 1], random initial states)`);
  console.log(`and its outputs and final states are compared with the generated TypeScript kernels (float32, tolerance ${ONNX_TOLERANCE}).`);
  const bad = rows.filter((r) => !r.ok);
  console.log(bad.length === 0 ? `\nall ${rows.length} cells and models agree.` : `\n${bad.length} failed: ${bad.map((r) => r.cell).join(", ")}`);
  process.exitCode = bad.length === 0 ? 0 : 1;
}

await main();
