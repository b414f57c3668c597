/**
 * Test plumbing: deterministic pseudo-random data, and "export this graph, run it in ONNX
 * Runtime, and run the float64 reference on the same numbers".
 */
import type { Graph } from "../../src/ir/graph.js";
import { exportOnnx, type OnnxExportOptions } from "../../src/backends/onnx/index.js";
import { float, int32, runModel, type Feed, type Tensor } from "./ort.js";
import { referenceRun, type SequenceRun } from "./reference.js";

/** A small linear congruential generator: the same numbers on every run and machine. */
export function randoms(seed: number): (low?: number, high?: number) => number {
  let s = seed >>> 0;
  return (low = -1, high = 1) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return low + ((high - low) * s) / 2 ** 32;
  };
}

export function randomArray(n: number, next: () => number): number[] {
  return Array.from({ length: n }, () => next());
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Random params (float32-exact, so ONNX and the reference see the same numbers). */
export function randomParams(graph: Graph, dims: Record<string, number>, seed: number, scale = 0.5): Record<string, Float32Array> {
  const next = randoms(seed);
  return Object.fromEntries(graph.params.map((p) => [p.name, Float32Array.from(randomArray(sizeOf(p.shape.map((d) => d.evaluate(dims))), () => next(-scale, scale)))]));
}

export interface Case {
  readonly graph: Graph;
  readonly dims: Record<string, number>;
  readonly params: Record<string, Float32Array>;
  readonly steps: number;
  readonly batch: number;
  /** Per cell input, [T, B, …] flattened (float32-exact). */
  readonly x: Record<string, number[]>;
  readonly initial?: Record<string, number[]>;
  readonly lengths?: number[];
}

export function randomCase(graph: Graph, dims: Record<string, number>, steps: number, batch: number, seed: number, withInitial = true): Case {
  const next = randoms(seed);
  const f32 = (a: number[]): number[] => Array.from(Float32Array.from(a));
  const x = Object.fromEntries(graph.inputs.map((i) => [i.name, f32(randomArray(steps * batch * sizeOf(i.shape.map((d) => d.evaluate(dims))), next))]));
  const initial = withInitial
    ? Object.fromEntries(graph.states.map((s) => [s.name, f32(randomArray(batch * sizeOf(s.shape.map((d) => d.evaluate(dims))), () => next(-0.5, 0.5)))]))
    : undefined;
  return { graph, dims, params: randomParams(graph, dims, seed + 1), steps, batch, x, ...(initial ? { initial } : {}) };
}

/**
 * The feeds for a case. With `optional: false` (a model with required inputs) the initial states
 * and lengths are always fed (zeros / full length when the case has none).
 */
export function feedsFor(c: Case, optional: boolean): Record<string, Feed> {
  const dims = c.dims;
  const feeds: Record<string, Feed> = {};
  for (const i of c.graph.inputs) feeds[i.name] = float([c.steps, c.batch, ...i.shape.map((d) => d.evaluate(dims))], c.x[i.name]!);
  for (const s of c.graph.states) {
    const shape = [c.batch, ...s.shape.map((d) => d.evaluate(dims))];
    const init = c.initial?.[s.name];
    if (init) feeds[`initial_${s.name}`] = float(shape, init);
    else if (!optional) feeds[`initial_${s.name}`] = float(shape, new Array<number>(sizeOf(shape)).fill(0));
  }
  if (c.lengths) feeds.sequence_lens = int32([c.batch], c.lengths);
  else if (!optional) feeds.sequence_lens = int32([c.batch], new Array<number>(c.batch).fill(c.steps));
  return feeds;
}

export type ExportSettings = Omit<OnnxExportOptions, "dims" | "params" | "sourceFile"> & { sourceFile?: string };

export function exportCase(c: Case, settings: ExportSettings): Uint8Array {
  return exportOnnx(c.graph, { dims: c.dims, params: c.params, sourceFile: "test/hand.rnn", ...settings });
}

export async function runCase(c: Case, settings: ExportSettings): Promise<Record<string, Tensor>> {
  return runModel(exportCase(c, settings), feedsFor(c, settings.optionalInputs ?? false));
}

export function referenceFor(c: Case): SequenceRun {
  return referenceRun(c.graph, c.dims, c.params, c.x, c.steps, c.batch, c.initial ?? {}, c.lengths);
}

/** The largest |ONNX − reference| over every output and final state (and a shape check). */
export function maxError(onnx: Record<string, Tensor>, ref: SequenceRun, c: Case): number {
  let m = 0;
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
    if (a.length !== b.length) throw new Error(`${what}: ${a.length} values from ONNX, ${b.length} from the reference`);
    for (let i = 0; i < a.length; i++) m = Math.max(m, Number.isNaN(a[i]! - b[i]!) ? Infinity : Math.abs(a[i]! - b[i]!));
  };
  for (const o of c.graph.outputs) {
    const t = onnx[o.name];
    if (!t) throw new Error(`ONNX model has no output ${o.name}`);
    expectDims(t.dims, [c.steps, c.batch, ...c.graph.nodes[o.node]!.shape.map((d) => d.evaluate(c.dims))], o.name);
    diff(t.data, ref.outputs[o.name]!, o.name);
  }
  for (const s of c.graph.states) {
    const t = onnx[`final_${s.name}`];
    if (!t) throw new Error(`ONNX model has no output final_${s.name}`);
    expectDims(t.dims, [c.batch, ...s.shape.map((d) => d.evaluate(c.dims))], `final_${s.name}`);
    diff(t.data, ref.finals[s.name]!, `final_${s.name}`);
  }
  return m;
}

function expectDims(found: readonly number[], expected: readonly number[], what: string): void {
  if (found.join(",") !== expected.join(",")) throw new Error(`${what}: ONNX shape [${found}], expected [${expected}]`);
}
