/**
 * Test plumbing for models: compile a model file both ways — the ONNX export (run in ONNX Runtime)
 * and the generated TypeScript module (the reference semantics: its driver) — and feed both the
 * same float32-exact inputs, initial states and lengths.
 */
import * as ort from "onnxruntime-node";
import type { CheckedModel } from "../../src/check/model-types.js";
import { compileModel } from "../../src/compiler.js";
import { compileToTypeScript } from "../../src/compiler.js";
import { loadGeneratedModule } from "../../src/backends/ts/load.js";
import { exportModelOnnx, type OnnxModelExportOptions } from "../../src/backends/onnx/model.js";
import { modelStates } from "../../src/backends/onnx/model-signature.js";
import { maxAbsDiff, type Tensor } from "./ort.js";
import { randomArray, randoms } from "./harness.js";

/** The generated module's model instance, loosely typed. */
export interface TsModel {
  paramShapes: Record<string, number[]>;
  init(seed: number): Record<string, Float32Array | Float64Array>;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number> | Record<string, ArrayLike<number>>, options: { batch: number; steps: number; initial?: Record<string, ArrayLike<number>>; lengths?: ArrayLike<number> }): {
    outputs: Record<string, Float32Array | Float64Array>;
    final: Record<string, Float32Array | Float64Array>;
  };
}

export interface CompiledModel {
  readonly file: string;
  readonly text: string;
  readonly model: CheckedModel;
  readonly sources: ReadonlyMap<string, string>;
  /** The TypeScript factory: `(dims, { dtype }) → TsModel`. */
  readonly factory: (dims: Record<string, number>, options?: { dtype?: "float32" | "float64" }) => TsModel;
}

export async function compileBoth(file: string, text: string): Promise<CompiledModel> {
  const { model, diagnostics, sources } = compileModel(file, text);
  if (!model) throw new Error(`${file}: ${diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const ts = compileToTypeScript(file, text);
  if (!ts.code) throw new Error(`${file} (TypeScript): ${ts.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const module = await loadGeneratedModule(ts.code);
  return { file, text, model, sources, factory: module[model.name] as CompiledModel["factory"] };
}

/**
 * One batch: the model input ([T, B, W] floats or [T, B] ids), every state's initial value, lengths;
 * `inputs` holds every input by name (a per-sequence one [B, W] or [B]), `input` the first.
 */
export interface Batch {
  readonly steps: number;
  readonly batch: number;
  readonly input: number[];
  readonly inputs?: Record<string, number[]>;
  readonly initial: Record<string, number[]>;
  readonly lengths: number[];
}

export function randomBatch(c: CompiledModel, dims: Record<string, number>, steps: number, batch: number, lengths: number[], seed: number): Batch {
  const next = randoms(seed);
  const f32 = (a: number[]): number[] => Array.from(Float32Array.from(a));
  const inputs: Record<string, number[]> = {};
  for (const { name, type, timing } of c.model.inputs) {
    const rows = timing === "once" ? batch : steps * batch;
    inputs[name] = type.kind === "vector"
      ? f32(randomArray(rows * type.width.evaluate(dims), next))
      : Array.from({ length: rows }, () => Math.floor(next(0, 1) * type.size.evaluate(dims)));
  }
  const initial = Object.fromEntries(modelStates(c.model, dims).map((s) => [s.name, f32(randomArray(batch * s.shape.reduce((a, b) => a * b, 1), () => next(-0.5, 0.5)))]));
  return { steps, batch, input: inputs[c.model.inputs[0]!.name]!, ...(c.model.inputs.length > 1 ? { inputs } : {}), initial, lengths };
}

export function exportFor(c: CompiledModel, settings: Omit<OnnxModelExportOptions, "sourceFile">): Uint8Array {
  return exportModelOnnx(c.model, { sourceFile: c.file, sourceText: c.text, sources: c.sources, ...settings });
}

/**
 * Runs an exported model in ONNX Runtime (strict shape inference, no graph optimisation) on a
 * batch; `inputOnly` feeds the model input alone (onnxruntime-node cannot feed inputs that have
 * defaults, see the README, so the others must then be left to their defaults).
 */
export async function runOrt(c: CompiledModel, bytes: Uint8Array, b: Batch, dims: Record<string, number>, options: { inputOnly?: boolean } = {}): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    logSeverityLevel: 3,
    graphOptimizationLevel: "disabled",
    extra: { session: { strict_shape_type_inference: "1" } },
  });
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of c.model.inputs) {
    const values = b.inputs?.[input.name] ?? b.input;
    const lead = input.timing === "once" ? [b.batch] : [b.steps, b.batch];
    feeds[input.name] = input.type.kind === "vector"
      ? new ort.Tensor("float32", Float32Array.from(values), [...lead, input.type.width.evaluate(dims)])
      : new ort.Tensor("int64", BigInt64Array.from(values.map((v) => BigInt(v))), lead);
  }
  if (!options.inputOnly) feeds.sequence_lens = new ort.Tensor("int32", Int32Array.from(b.lengths), [b.batch]);
  if (!options.inputOnly) for (const s of modelStates(c.model, dims)) feeds[s.initial] = new ort.Tensor("float32", Float32Array.from(b.initial[s.name]!), [b.batch, ...s.shape]);
  const result = await session.run(feeds);
  await session.release();
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(result)) out[name] = { dims: [...t.dims], data: Float64Array.from(t.data as Float32Array) };
  return out;
}

/** The TypeScript module's forward pass (float32) on the same batch. */
export function runTs(c: CompiledModel, params: Record<string, Float32Array>, b: Batch, dims: Record<string, number>): { outputs: Record<string, ArrayLike<number>>; final: Record<string, ArrayLike<number>> } {
  const m = c.factory(dims, { dtype: "float32" });
  return m.forward(params, b.inputs ?? b.input, { batch: b.batch, steps: b.steps, initial: b.initial, lengths: b.lengths });
}

/** The largest |ONNX − TypeScript| over every output and final state (shapes checked too). */
export function largestDifference(c: CompiledModel, ortOut: Record<string, Tensor>, tsOut: ReturnType<typeof runTs>, b: Batch, dims: Record<string, number>): number {
  let worst = 0;
  const names = [...c.model.outputs.map((o) => o.name), ...modelStates(c.model, dims).map((s) => s.final)];
  if (Object.keys(ortOut).sort().join() !== [...names].sort().join()) throw new Error(`ONNX outputs ${Object.keys(ortOut).join(", ")}, expected ${names.join(", ")}`);
  for (const o of c.model.outputs) {
    const node = c.model.nodes[o.node]!;
    const width = node.type.kind === "vector" ? node.type.width.evaluate(dims) : 0;
    const shape = node.timing === "once" ? [b.batch, width] : [b.steps, b.batch, width];
    if (ortOut[o.name]!.dims.join() !== shape.join()) throw new Error(`output ${o.name} has shape [${ortOut[o.name]!.dims.join(", ")}], expected [${shape.join(", ")}]`);
    worst = Math.max(worst, maxAbsDiff(ortOut[o.name]!.data, tsOut.outputs[o.name]!));
  }
  for (const s of modelStates(c.model, dims)) worst = Math.max(worst, maxAbsDiff(ortOut[s.final]!.data, tsOut.final[s.name]!));
  return worst;
}
