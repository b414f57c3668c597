/**
 * An independent interpreter of the IR on @tensorflow/tfjs: runs a cell over a batch and a
 * sequence with the back ends' contract (see `contract.ts`), and differentiates it with
 * tfjs's own autodiff (`tf.grads`). It shares nothing with rnnc's derivative rules or code
 * generators, so agreement with a generated kernel is real evidence.
 *
 * PRECISION: tfjs computes in float32 only (its cpu backend has no float64). Inputs are
 * rounded to float32 on the way in and results widened back to float64 copies; expect
 * relative differences of order 1e-7·(steps · fan-in) against a float64 kernel, and compare
 * with a float32-sized tolerance (`ORACLE_TOLERANCE` below).
 *
 * We import `@tensorflow/tfjs`, not `@tensorflow/tfjs-core`: in Node, tfjs-core's own bundle
 * registers no gradient functions, while the union package does.
 */
import * as tf from "@tensorflow/tfjs";
import { evaluateShape } from "../core/dims.js";
import { fillDropoutMasks } from "../runtime/random.js";
import type { Graph } from "../ir/graph.js";
import type { Tolerance } from "./compare.js";
import type { GradientSeeds, Gradients, RunOptions, RunResult } from "./contract.js";
import { expectArray, expectKnownNames, expectRunShape, VerifyInputError } from "./errors.js";
import { lift, ORACLE_OPS, type ComputedOp, type OracleValue } from "./oracle-ops.js";
import { packedInputs, type PackedInput } from "./packed-inputs.js";

/**
 * Pass criterion against the oracle (see compare.ts for the measure). Float32 has a unit
 * roundoff of 6e-8; a gradient of a T-step cell sums O(T·B·fan-in) rounded products, each
 * carrying a few ulps, so errors of 1e-6 relative are normal and 1e-5 happen on small
 * entries. 1e-4 above a floor of 1e-2 (1e-6 absolute below it) keeps a margin of ~10×
 * over float32 noise for the sizes gradcheck uses, and still catches any real mistake.
 */
export const ORACLE_TOLERANCE: Tolerance = { rel: 1e-4, floor: 1e-2 };

type Dims = Readonly<Record<string, number>>;
type Params = Readonly<Record<string, Float64Array>>;

let ready: Promise<void> | undefined;

/**
 * Selects tfjs's cpu backend once (the model oracle, model-oracle.ts, calls it too). PROD mode silences the "install tfjs-node" banner the cpu
 * backend prints on first use (it only turns off tfjs's warnings and debug checks).
 */
export function initTf(): Promise<void> {
  ready ??= (async () => {
    tf.env().set("PROD", true);
    await tf.setBackend("cpu");
  })();
  return ready;
}

/**
 * Concrete shapes of a graph's leaves and of every node, plus the nodes a run needs. The model
 * oracle (model-oracle.ts) makes one per layer and runs it with `unroll`.
 */
export interface Plan {
  readonly graph: Graph;
  readonly dims: Dims;
  /** The input x as the caller passes it: the cell's one input, or several packed (packed-inputs.ts). */
  readonly input: { readonly name: string; readonly shape: number[] };
  /** Each input's leaf, and where it sits in a packed x. */
  readonly inputs: readonly PackedInput[];
  readonly states: ReadonlyArray<{ readonly name: string; readonly node: number; readonly next: number; readonly shape: number[] }>;
  readonly params: ReadonlyArray<{ readonly name: string; readonly node: number; readonly shape: number[] }>;
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly node: number; readonly shape: number[] }>;
  /** Ids of the nodes the outputs and next states depend on, in topological order. */
  readonly live: readonly number[];
  readonly shapes: ReadonlyArray<number[]>;
}

export function makePlan(graph: Graph, dims: Dims): Plan {
  for (const name of graph.dims) {
    const v = dims[name];
    if (v === undefined || !Number.isInteger(v) || v < 1) {
      throw new VerifyInputError(`dimension ${name} of cell ${graph.cell}: expected an integer ≥ 1, found ${v ?? "nothing"}`);
    }
  }
  if (graph.inputs.length === 0) throw new VerifyInputError(`gradcheck and the tfjs oracle run cells with an input; cell ${graph.cell} has none`);
  const shapes = graph.nodes.map((n) => evaluateShape(n.shape, dims));
  const needed = new Set<number>([...graph.outputs.map((o) => o.node), ...graph.states.map((s) => s.next)]);
  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    if (needed.has(id)) for (const i of graph.nodes[id]!.inputs) needed.add(i);
  }
  const leaf = (d: { name: string; node: number }) => ({ name: d.name, node: d.node, shape: shapes[d.node]! });
  const packed = packedInputs(graph, dims);
  return {
    graph,
    dims,
    input: graph.inputs.length === 1 ? leaf(graph.inputs[0]!) : { name: graph.inputs.map((x) => x.name).join(", "), shape: [packed.reduce((n, p) => n + p.size, 0)] },
    inputs: packed,
    states: graph.states.map((s) => ({ ...leaf(s), next: s.next })),
    params: graph.params.map(leaf),
    outputs: graph.outputs.map((o) => ({ name: o.name, node: o.node, shape: shapes[o.node]! })),
    live: [...needed].sort((a, b) => a - b),
    shapes,
  };
}

/**
 * The run's float32 inputs as tensors (created inside the caller's tidy), in the plan's order:
 * `params[i]` is `plan.params[i]`, `initial[i]` is `plan.states[i]`; x is [T, B, ...input].
 */
export interface RunTensors {
  readonly params: tf.Tensor[];
  readonly x: tf.Tensor;
  readonly initial: tf.Tensor[];
}

function makeTensors(plan: Plan, params: Params, x: Float64Array, opts: RunOptions): RunTensors {
  const { batch, steps } = opts;
  expectRunShape(batch, steps, opts.lengths);
  const cell = plan.graph.cell;
  expectKnownNames("params", params, plan.params.map((p) => p.name), "param", cell);
  expectKnownNames("initial", opts.initial, plan.states.map((s) => s.name), "state", cell);
  const pt = plan.params.map((p) =>
    tf.tensor(Float32Array.from(expectArray(`param \`${p.name}\``, params[p.name], p.shape)), p.shape),
  );
  const xShape = [steps, batch, ...plan.input.shape];
  const xt = tf.tensor(Float32Array.from(expectArray(`input \`${plan.input.name}\` (x)`, x, xShape)), xShape);
  const init = plan.states.map((s) => {
    const shape = [batch, ...s.shape];
    const given = opts.initial?.[s.name];
    if (given === undefined) return tf.zeros(shape);
    return tf.tensor(Float32Array.from(expectArray(`initial state \`${s.name}\``, given, shape)), shape);
  });
  return { params: pt, x: xt, initial: init };
}

/** The cell's dropout masks for a training run, [B, …shape] by site: the generated module's own. */
function dropoutMasks(plan: Plan, batch: number, seed: number): Map<number, tf.Tensor> {
  const sites = plan.graph.nodes.filter((n) => n.op === "dropout").sort((a, b) => a.attrs.site! - b.attrs.site!);
  const arrays = sites.map((n) => new Float64Array(batch * plan.shapes[n.id]!.reduce((a, b) => a * b, 1)));
  fillDropoutMasks(seed, arrays, sites.map((n) => n.attrs.p!));
  return new Map(sites.map((n, k) => [n.attrs.site!, tf.tensor(Float32Array.from(arrays[k]!), [batch, ...plan.shapes[n.id]!])]));
}

/** [B] booleans "step t is inside example b's sequence", broadcast to `shape`. */
export function activeMask(lengths: readonly number[], t: number, shape: number[]): tf.Tensor {
  const flags = tf.tensor(Uint8Array.from(lengths, (len) => (t < len ? 1 : 0)), [lengths.length], "bool");
  return tf.broadcastTo(tf.reshape(flags, [lengths.length, ...shape.slice(1).map(() => 1)]), shape);
}

/**
 * Unrolls the cell over the sequence; returns outputs [T, B, ...] (in `plan.outputs` order) and
 * final states [B, ...] (in `plan.states` order). Differentiable: tf.grads sees through it.
 */
export function unroll(plan: Plan, t: RunTensors, opts: RunOptions): { outputs: tf.Tensor[]; final: tf.Tensor[] } {
  const { batch, steps, lengths } = opts;
  // Per-step slices of x. (Not tf.unstack: its gradient breaks when T = 1 in tfjs 4.22.)
  const stepShape = t.x.shape.slice(1);
  const xs = Array.from({ length: steps }, (_, step) =>
    tf.reshape(tf.slice(t.x, [step, ...stepShape.map(() => 0)], [1, ...stepShape]), stepShape),
  );
  const masks = opts.training === true ? dropoutMasks(plan, batch, opts.seed ?? 0) : undefined;
  let states = t.initial;
  const perStep: tf.Tensor[][] = plan.outputs.map(() => []);
  for (let step = 0; step < steps; step++) {
    const values = new Map<number, OracleValue>();
    if (plan.inputs.length === 1) values.set(plan.inputs[0]!.node, { tensor: xs[step]!, batched: true });
    else for (const p of plan.inputs) values.set(p.node, { tensor: tf.reshape(tf.slice(xs[step]!, [0, p.offset], [batch, p.size]), [batch, ...p.shape]), batched: true });
    plan.states.forEach((s, i) => values.set(s.node, { tensor: states[i]!, batched: true }));
    plan.params.forEach((p, i) => values.set(p.node, { tensor: t.params[i]!, batched: false }));
    for (const id of plan.live) {
      if (values.has(id)) continue;
      const node = plan.graph.nodes[id]!;
      if (node.op === "const") {
        // A gradient graph's const may stand for a dimension's value (mean's n).
        const value = node.attrs.dim !== undefined ? node.attrs.dim.evaluate(plan.dims) : (node.attrs.value ?? 0);
        values.set(id, { tensor: tf.scalar(value), batched: false });
        continue;
      }
      if (node.op === "input" || node.op === "state" || node.op === "param" || node.op === "seed") {
        throw new Error(`internal: leaf node ${id} (${node.op} ${node.attrs.name}) is not declared by cell ${plan.graph.cell}`);
      }
      const args = node.inputs.map((i) => values.get(i)!);
      values.set(id, ORACLE_OPS[node.op as ComputedOp](args, { node, shape: plan.shapes[id]!, dims: plan.dims, batch, masks }));
    }
    states = plan.states.map((s, i) => {
      const next = lift(values.get(s.next)!, batch);
      return lengths === undefined ? next : tf.where(activeMask(lengths, step, next.shape), next, states[i]!);
    });
    plan.outputs.forEach((o, j) => {
      const out = lift(values.get(o.node)!, batch);
      perStep[j]!.push(lengths === undefined ? out : tf.where(activeMask(lengths, step, out.shape), out, tf.zerosLike(out)));
    });
  }
  return { outputs: perStep.map((ys) => tf.stack(ys, 0)), final: states };
}

function toFloat64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/**
 * Runs `graph` forward over a batch and a sequence (float32 inside; see the file comment).
 * Throws `VerifyInputError` naming the tensor when an argument has the wrong size.
 */
export async function oracleRun(graph: Graph, dims: Dims, params: Params, x: Float64Array, opts: RunOptions): Promise<RunResult> {
  await initTf();
  const plan = makePlan(graph, dims);
  const outputs: Record<string, Float64Array> = {};
  const final: Record<string, Float64Array> = {};
  tf.tidy(() => {
    const run = unroll(plan, makeTensors(plan, params, x, opts), opts);
    plan.outputs.forEach((o, j) => (outputs[o.name] = toFloat64(run.outputs[j]!)));
    plan.states.forEach((s, i) => (final[s.name] = toFloat64(run.final[i]!)));
  });
  return { outputs, final };
}

/**
 * Gradients of loss = Σ outputs ⊙ seeds.outputs + Σ final ⊙ seeds.final with respect to
 * every param, x and every initial state, by tfjs's autodiff (float32). A missing seed is
 * zero. Every tensor is freed before returning.
 */
export async function oracleGradients(
  graph: Graph,
  dims: Dims,
  params: Params,
  x: Float64Array,
  opts: RunOptions,
  seeds: GradientSeeds,
): Promise<Gradients> {
  await initTf();
  const plan = makePlan(graph, dims);
  const { batch, steps } = opts;
  const result: { params: Record<string, Float64Array>; x: Float64Array; initial: Record<string, Float64Array> } = {
    params: {},
    x: new Float64Array(0),
    initial: {},
  };
  expectKnownNames("seeds.outputs", seeds.outputs, plan.outputs.map((o) => o.name), "output", graph.cell);
  expectKnownNames("seeds.final", seeds.final, plan.states.map((s) => s.name), "state", graph.cell);
  tf.tidy(() => {
    const inputs = makeTensors(plan, params, x, opts);
    const seedOut = plan.outputs.map((o) => seedTensor(`seed of output \`${o.name}\``, seeds.outputs[o.name], [steps, batch, ...o.shape]));
    const seedFinal = plan.states.map((s) => seedTensor(`seed of final state \`${s.name}\``, seeds.final[s.name], [batch, ...s.shape]));
    const nParams = inputs.params.length;
    const loss = (...args: tf.Tensor[]): tf.Scalar => {
      const run = unroll(plan, { params: args.slice(0, nParams), x: args[nParams]!, initial: args.slice(nParams + 1) }, opts);
      let total: tf.Tensor = tf.scalar(0);
      run.outputs.forEach((y, j) => (total = tf.add(total, tf.sum(tf.mul(y, seedOut[j]!)))));
      run.final.forEach((h, i) => (total = tf.add(total, tf.sum(tf.mul(h, seedFinal[i]!)))));
      // tf.grads refuses an argument the loss does not depend on (an unused param); adding
      // 0·Σarg gives it a path and the gradient it really has: zero.
      for (const a of args) total = tf.add(total, tf.mul(0, tf.sum(a)));
      return total as tf.Scalar;
    };
    const grads = tf.grads(loss)([...inputs.params, inputs.x, ...inputs.initial]);
    plan.params.forEach((p, i) => (result.params[p.name] = toFloat64(grads[i]!)));
    result.x = toFloat64(grads[nParams]!);
    plan.states.forEach((s, i) => (result.initial[s.name] = toFloat64(grads[nParams + 1 + i]!)));
  });
  return result;
}

function seedTensor(what: string, value: Float64Array | undefined, shape: number[]): tf.Tensor {
  if (value === undefined) return tf.zeros(shape);
  return tf.tensor(Float32Array.from(expectArray(what, value, shape)), shape);
}

/** The concrete shapes the oracle uses, for callers that need to allocate (`rnnc gradcheck`). */
export function concreteShapes(graph: Graph, dims: Dims): {
  input: number[];
  params: Record<string, number[]>;
  states: Record<string, number[]>;
  outputs: Record<string, number[]>;
} {
  const plan = makePlan(graph, dims);
  return {
    input: plan.input.shape,
    params: Object.fromEntries(plan.params.map((p) => [p.name, p.shape])),
    states: Object.fromEntries(plan.states.map((s) => [s.name, s.shape])),
    outputs: Object.fromEntries(plan.outputs.map((o) => [o.name, o.shape])),
  };
}
