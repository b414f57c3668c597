/** Running exported models in ONNX Runtime (the judge), and loading the PyTorch reference vectors. */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

export interface Tensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

export type Feed = { kind: "float"; dims: readonly number[]; data: ArrayLike<number> } | { kind: "int32"; dims: readonly number[]; data: ArrayLike<number> };

export const float = (dims: readonly number[], data: ArrayLike<number>): Feed => ({ kind: "float", dims, data });
export const int32 = (dims: readonly number[], data: ArrayLike<number>): Feed => ({ kind: "int32", dims, data });

/**
 * Loads the model and runs it once. Loading is the validation: ORT checks every node against
 * its op schema and runs type and shape inference — here in strict mode, where an inferred
 * shape or type that contradicts a declared one is an error — and, with graph optimizations
 * off (the default here), executes exactly the nodes we emitted.
 */
export async function runModel(bytes: Uint8Array, feeds: Record<string, Feed>, optimize = false): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes, {
    logSeverityLevel: 3,
    graphOptimizationLevel: optimize ? "all" : "disabled",
    extra: { session: { strict_shape_type_inference: "1" } },
  });
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) {
    inputs[name] = f.kind === "float"
      ? new ort.Tensor("float32", Float32Array.from(f.data), [...f.dims])
      : new ort.Tensor("int32", Int32Array.from(f.data), [...f.dims]);
  }
  const result = await session.run(inputs);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(result)) out[name] = { dims: [...t.dims], data: Float64Array.from(t.data as Float32Array) };
  await session.release();
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

export interface VectorTensor {
  readonly shape: number[];
  readonly data: number[];
}

export interface Vectors {
  readonly name: string;
  readonly dims: Record<string, number>;
  readonly batch: number;
  readonly steps: number;
  readonly params: Record<string, VectorTensor>;
  readonly x: VectorTensor;
  readonly initial: Record<string, VectorTensor>;
  readonly outputs: Record<string, VectorTensor>;
}

export function loadVectors(name: string): Vectors {
  return JSON.parse(readFileSync(new URL(`../fixtures/vectors/${name}.json`, import.meta.url), "utf8")) as Vectors;
}

/** PyTorch's parameter names → the cells' (weight_ih → W_ih, bias_ih → b_ih, …). */
export const TORCH_PARAM_NAMES: Readonly<Record<string, string>> = {
  weight_ih: "W_ih", weight_hh: "W_hh", bias_ih: "b_ih", bias_hh: "b_hh",
};

export function paramsFromVectors(v: Vectors): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [torchName, t] of Object.entries(v.params)) out[TORCH_PARAM_NAMES[torchName]!] = Float32Array.from(t.data);
  return out;
}
