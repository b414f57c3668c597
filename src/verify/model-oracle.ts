/**
 * An independent implementation of a whole model on @tensorflow/tfjs, differentiated by tfjs's
 * autodiff: the reference `rnnc gradcheck` holds a generated model driver to. Each layer's cell
 * runs through the cell oracle's IR interpreter (`makePlan` + `unroll` of tfjs-oracle.ts); the
 * model's own operations are written here from their definitions in docs/language.md and
 * src/check/model-types.ts, in tfjs ops, never from the driver (src/runtime/model.ts):
 *
 *   onehot   ids → one-hot rows; zero rows past an example's length
 *   reverse  step t of example b ← step L_b − 1 − t, zero past L_b (a gather, then a mask)
 *   concat   along the feature axis
 *   dropout  in training, times the mask the runtime's generator draws for it (fillDropoutMasks
 *            from stream L + j of the seed for the j-th dropout node, L the number of layers);
 *            each layer's cell oracle gets stream k of the seed for layer k; otherwise the identity
 *   last     each example's step L_b − 1 (a gather; zero when L_b = 0)
 *   elementwise functions, numbers, mean_over_time, max_over_time: model-oracle-elementwise.ts
 *   mse      mean over valid steps × examples × features of (pred − y)²
 *   cross_entropy  mean over valid positions of logsumexp(logits) − logits[target]
 *
 * Values are time-major: a per-step vector is [T, B, W], a per-sequence one [B, W]; ids are kept
 * as plain integer arrays (they carry no gradient), with −1 for "no id" (past a length).
 * Float32 inside, like the cell oracle (see the precision note in tfjs-oracle.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelGradients, ModelRunResult, ModelSeeds } from "./contract.js";
import { expectArray, expectRunShape, VerifyInputError } from "./errors.js";
import type { ModelLayout } from "./model-layout.js";
import type { ModelNode } from "../check/model-types.js";
import { seqOpOf, type LossKind, type SeqBinaryFn, type SeqOp, type SeqUnaryFn } from "../core/seq-ops.js";
import { binaryOracle, poolOracle, unaryOracle } from "./model-oracle-elementwise.js";
import { initTf, makePlan, unroll, type Plan } from "./tfjs-oracle.js";
import { qualified } from "../core/names.js";
import { fillDropoutMasks, streamSeed } from "../runtime/random.js";
import { storedParam } from "../check/model-ties.js";

/** One model problem: everything a forward run reads. */
export interface ModelData {
  readonly batch: number;
  readonly steps: number;
  readonly lengths?: readonly number[];
  /** By `layer.param`. */
  readonly params: Readonly<Record<string, Float64Array>>;
  /** By input name: [T, B, width] numbers or [T, B] ids per step; [B, width] or [B] per sequence. */
  readonly inputs: Readonly<Record<string, ArrayLike<number>>>;
  /** By `layer.state`, [B, ...state shape]; zeros for a state not given. */
  readonly initial: Readonly<Record<string, Float64Array>>;
  /** By target name: ids or vectors, [T, B, …] per step or [B, …] per sequence. */
  readonly targets: Readonly<Record<string, ArrayLike<number>>>;
  /** A training run: dropout masks drawn from `seed` as the generated module draws them. */
  readonly training?: boolean;
  readonly seed?: number;
}

type Value = { readonly kind: "vector"; readonly t: tf.Tensor } | { readonly kind: "ids"; readonly ids: Int32Array };

/** The differentiable leaves, in layout order. */
interface Leaves {
  readonly params: tf.Tensor[];
  /** One per vector input, in `vectorInputs` order. */
  readonly inputs: tf.Tensor[];
  readonly initial: tf.Tensor[];
}

/** The inputs that have gradients: the vector ones, in declaration order. */
export function vectorInputs(layout: ModelLayout): ModelLayout["inputs"][number][] {
  return layout.inputs.filter((i) => i.kind === "vector");
}

interface Forward {
  readonly outputs: tf.Tensor[];
  readonly final: tf.Tensor[];
  readonly loss?: tf.Tensor;
}

const f32 = (what: string, value: ArrayLike<number> | undefined, shape: number[]) =>
  tf.tensor(Float32Array.from(expectArray(what, value, shape)), shape);

function checkData(layout: ModelLayout, data: ModelData): void {
  expectRunShape(data.batch, data.steps, data.lengths);
  const model = layout.model.name;
  for (const name of Object.keys(data.params)) {
    if (!layout.params.some((p) => p.name === name)) throw new VerifyInputError(`params: model ${model} has no param \`${name}\``);
  }
  for (const name of Object.keys(data.inputs)) {
    if (!layout.inputs.some((i) => i.name === name)) throw new VerifyInputError(`inputs: model ${model} has no input \`${name}\``);
  }
  for (const name of Object.keys(data.initial)) {
    if (!layout.states.some((s) => s.name === name)) throw new VerifyInputError(`initial: model ${model} has no state \`${name}\``);
  }
}

function leavesOf(layout: ModelLayout, data: ModelData): Leaves {
  const { batch: B, steps: T } = data;
  return {
    params: layout.params.map((p) => f32(`param \`${p.name}\``, data.params[p.name], p.shape)),
    inputs: vectorInputs(layout).map((i) => f32(`input \`${i.name}\``, data.inputs[i.name], i.once ? [B, i.size] : [T, B, i.size])),
    initial: layout.states.map((s) => {
      const shape = [B, ...s.shape];
      const given = data.initial[s.name];
      return given === undefined ? tf.zeros(shape) : f32(`initial state \`${s.name}\``, given, shape);
    }),
  };
}

/** Ids at valid positions (checked to be below `size`), −1 elsewhere. */
function idsOf(what: string, value: ArrayLike<number> | undefined, rows: number, size: number, valid: (r: number) => boolean): Int32Array {
  // Ids come as any integer array (an Int32Array from gradcheck); expectArray takes floats only.
  const arr = ArrayBuffer.isView(value) && !(value instanceof DataView) ? Float64Array.from(value as unknown as ArrayLike<number>) : value;
  expectArray(what, arr, [rows]);
  return Int32Array.from({ length: rows }, (_, r) => {
    if (!valid(r)) return -1;
    const v = arr![r]!;
    if (!Number.isInteger(v) || v < 0 || v >= size) throw new VerifyInputError(`${what}[${r}]: expected an integer id in [0, ${size}), found ${v}`);
    return v;
  });
}

/** One-hot rows ([...lead, size]); a −1 id gives a zero row. */
function oneHot(ids: Int32Array, size: number, lead: number[]): tf.Tensor {
  const out = new Float32Array(ids.length * size);
  ids.forEach((id, r) => {
    if (id >= 0) out[r * size + id] = 1;
  });
  return tf.tensor(out, [...lead, size]);
}

/** What an op's oracle form reads: the batch, its lengths and the values computed so far. */
interface OracleContext {
  readonly B: number;
  readonly T: number;
  readonly len: (b: number) => number;
  readonly validStep: (r: number) => boolean;
  readonly flags: (rows: number, valid: (r: number) => boolean) => Float32Array;
  /** [T, B, 1]: 1 at steps inside each example's length (absent when every step is). */
  readonly stepMask: tf.Tensor | undefined;
  readonly values: readonly Value[];
  readonly vector: (id: number) => tf.Tensor;
  /** The node's own width and timing. */
  readonly W: number;
  readonly once: boolean;
  /** Set in a training run: the seed of the masks. */
  readonly seed: number | undefined;
  /** Which dropout node this is (0, 1, … in node order) and how many layers the model has. */
  readonly site: (id: number) => number;
  readonly layers: number;
  readonly node: (id: number) => ModelNode;
}

/** Elementwise functions and poolings over time (model-oracle-elementwise.ts). */
const binary: OracleForm<NodeOfOp<SeqBinaryFn>> = (node, cx) => ({ kind: "vector", t: binaryOracle(node, cx) });
const unary: OracleForm<NodeOfOp<SeqUnaryFn>> = (node, cx) => ({ kind: "vector", t: unaryOracle(node, cx) });
const pool: OracleForm<NodeOfOp<"mean_over_time" | "max_over_time">> = (node, cx) => ({ kind: "vector", t: poolOracle(node, cx) });

type SeqNode = Exclude<ModelNode, { readonly op: "input" } | { readonly op: "apply" }>;
type NodeOfOp<K extends SeqOp> = K extends SeqBinaryFn ? Extract<ModelNode, { readonly op: "binary" }> : K extends SeqUnaryFn ? Extract<ModelNode, { readonly op: "unary" }> : Extract<ModelNode, { readonly op: K }>;
type OracleForm<N> = (node: N, cx: OracleContext) => Value;

/** Each sequence operation from its definition (docs/language.md), in tfjs ops. */
const SEQ_OP_ORACLES: { readonly [K in SeqOp]: OracleForm<NodeOfOp<K>> } = {
  onehot(node, cx) {
    const v = cx.values[node.arg]!;
    if (v.kind !== "ids") throw new Error(`internal: onehot of a vector (node ${node.id})`);
    return { kind: "vector", t: oneHot(v.ids, cx.W, cx.once ? [cx.B] : [cx.T, cx.B]) };
  },
  reverse(node, { B, T, W, len, validStep, stepMask, values }) {
    // Row t·B + b reads row (L_b − 1 − t)·B + b; rows past L_b read themselves and are masked.
    const from = (r: number) => {
      const t = Math.floor(r / B);
      const b = r % B;
      return t < len(b) ? (len(b) - 1 - t) * B + b : r;
    };
    const v = values[node.arg]!;
    if (v.kind === "ids") return { kind: "ids", ids: Int32Array.from({ length: T * B }, (_, r) => (validStep(r) ? v.ids[from(r)]! : -1)) };
    const rows = tf.gather(tf.reshape(v.t, [T * B, W]), tf.tensor1d(Int32Array.from({ length: T * B }, (_, r) => from(r)), "int32"));
    const reversed = tf.reshape(rows, [T, B, W]);
    return { kind: "vector", t: stepMask ? tf.mul(reversed, stepMask) : reversed };
  },
  // A per-sequence operand of a per-step concat is repeated at every step, zero past the example's length.
  concat: (node, cx) => ({
    kind: "vector",
    t: tf.concat(
      node.args.map((a) => {
        if (cx.once || cx.node(a).timing === "step") return cx.vector(a);
        const repeated = tf.tile(tf.expandDims(cx.vector(a), 0), [cx.T, 1, 1]);
        return cx.stepMask ? tf.mul(repeated, cx.stepMask) : repeated;
      }),
      -1,
    ),
  }),
  last(node, { B, T, W, len, flags, values }) {
    const row = (b: number) => (len(b) > 0 ? (len(b) - 1) * B + b : -1);
    const v = values[node.arg]!;
    if (v.kind === "ids") return { kind: "ids", ids: Int32Array.from({ length: B }, (_, b) => (row(b) < 0 ? -1 : v.ids[row(b)]!)) };
    const picked = tf.gather(tf.reshape(v.t, [T * B, W]), tf.tensor1d(Int32Array.from({ length: B }, (_, b) => Math.max(row(b), 0)), "int32"));
    const some = tf.tensor(flags(B, (b) => len(b) > 0), [B, 1]);
    return { kind: "vector", t: tf.mul(picked, some) };
  },
  dropout(node, cx) {
    const v = cx.vector(node.arg);
    if (cx.seed === undefined) return { kind: "vector", t: v };
    // The mask the runtime's own generator draws for this node: [T, B, W], or [B, W] per sequence.
    const mask = new Float64Array(v.size);
    fillDropoutMasks(streamSeed(cx.seed, cx.layers + cx.site(node.id)), [mask], [node.p]);
    return { kind: "vector", t: tf.mul(v, tf.tensor(Float32Array.from(mask), v.shape)) };
  },
  mean_over_time: pool,
  max_over_time: pool,
  // Read only by the binary forms, which take it as a scalar.
  number: (node) => ({ kind: "vector", t: tf.scalar(node.value) }),
  add: binary,
  sub: binary,
  mul: binary,
  div: binary,
  maximum: binary,
  minimum: binary,
  neg: unary,
  sigmoid: unary,
  tanh: unary,
  relu: unary,
  leaky_relu: unary,
  elu: unary,
  softplus: unary,
  softsign: unary,
  hard_sigmoid: unary,
  exp: unary,
  log: unary,
  sqrt: unary,
  abs: unary,
  clamp: unary,
  pow: unary,
};

/** One loss term's sum over its valid rows (the caller divides by its count). */
interface LossInput {
  readonly pred: tf.Tensor;
  readonly target: ArrayLike<number> | undefined;
  readonly what: string;
  readonly rows: number;
  readonly W: number;
  readonly lead: number[];
  readonly valid: (r: number) => boolean;
  readonly mask: tf.Tensor;
}

const LOSS_ORACLES: { readonly [K in LossKind]: { readonly sum: (l: LossInput) => tf.Tensor; readonly perRow: boolean } } = {
  /** Σ over valid rows of logsumexp(logits) − logits[target]; a mean over rows. */
  cross_entropy: {
    sum: ({ pred, target, what, rows, W, lead, valid, mask }) => tf.sum(tf.mul(tf.sub(tf.logSumExp(pred, -1), tf.sum(tf.mul(pred, oneHot(idsOf(what, target, rows, W, valid), W, lead)), -1)), mask)),
    perRow: true,
  },
  /** Σ over valid rows × features of (pred − y)²; a mean over rows × features. */
  mse: {
    sum: ({ pred, target, what, W, lead, mask }) => tf.sum(tf.mul(tf.square(tf.sub(pred, f32(what, target, [...lead, W]))), tf.expandDims(mask, -1))),
    perRow: false,
  },
};

/** The model's forward pass on tensors; every tensor it makes belongs to the caller's tidy. */
function forwardModel(layout: ModelLayout, plans: readonly Plan[], leaves: Leaves, data: ModelData): Forward {
  const { model, widths } = layout;
  const { batch: B, steps: T, lengths } = data;
  const len = (b: number) => lengths?.[b] ?? T;
  const validStep = (r: number) => Math.floor(r / B) < len(r % B);
  const flags = (rows: number, valid: (r: number) => boolean) => Float32Array.from({ length: rows }, (_, r) => (valid(r) ? 1 : 0));
  const stepMask = lengths === undefined ? undefined : tf.tensor(flags(T * B, validStep), [T, B, 1]);
  const seed = data.training === true ? (data.seed ?? 0) : undefined;
  const sites = model.nodes.filter((n) => n.op === "dropout").map((n) => n.id);
  const site = (id: number) => sites.indexOf(id);
  const values: Value[] = [];
  const vector = (id: number): tf.Tensor => {
    const v = values[id]!;
    if (v.kind !== "vector") throw new Error(`internal: node ${id} of model ${model.name} holds ids where a vector is needed`);
    return v.t;
  };
  const final: tf.Tensor[] = layout.states.map(() => tf.zeros([0]));
  const runOutputs = new Map<number, Map<string, tf.Tensor>>();
  const runLayer = (index: number) => runOutputs.get(index) ?? runOutputs.set(index, runLayerOracle(layout, plans, leaves, data, index, model.runs[index]!.args.map(vector), final)).get(index)!;

  model.nodes.forEach((node, id) => {
    const W = widths[id]!;
    if (node.op === "input") {
      const spec = layout.inputs.find((i) => i.node === id)!;
      // A per-sequence input has no value for an example of length 0: zero there (no id).
      const some = (b: number) => len(b) > 0;
      if (spec.kind === "index") values[id] = { kind: "ids", ids: idsOf(`input \`${spec.name}\``, data.inputs[spec.name], spec.once ? B : T * B, W, spec.once ? some : validStep) };
      else {
        const t = leaves.inputs[vectorInputs(layout).indexOf(spec)]!;
        values[id] = { kind: "vector", t: spec.once && lengths !== undefined ? tf.mul(t, tf.tensor(flags(B, some), [B, 1])) : t };
      }
    } else if (node.op === "apply") values[id] = { kind: "vector", t: runLayer(node.run).get(node.output)! };
    else {
      const cx: OracleContext = { B, T, len, validStep, flags, stepMask, values, vector, W, once: node.timing === "once", seed, site, layers: layout.layers.length, node: (k) => model.nodes[k]! };
      values[id] = (SEQ_OP_ORACLES[seqOpOf(node)] as OracleForm<SeqNode>)(node, cx);
    }
  });

  let loss: tf.Tensor | undefined;
  if (model.losses.length > 0) {
    loss = tf.scalar(0);
    for (const term of model.losses) {
      const target = layout.targets.find((t) => t.name === term.target)!;
      const W = widths[term.pred]!;
      const rows = target.once ? B : T * B;
      const lead = target.once ? [B] : [T, B];
      // An example of length 0 is in no loss's mean.
      const valid = target.once ? (r: number) => len(r) > 0 : validStep;
      const count = flags(rows, valid).reduce((a, b) => a + b, 0);
      if (count === 0) continue;
      const mask = tf.tensor(flags(rows, valid), lead);
      const form = LOSS_ORACLES[term.kind];
      const sum = form.sum({ pred: vector(term.pred), target: data.targets[target.name], what: `target \`${target.name}\``, rows, W, lead, valid, mask });
      loss = tf.add(loss, tf.div(sum, form.perRow ? count : count * W));
    }
  }
  return { outputs: layout.outputs.map((o) => vector(o.node)), final, ...(loss ? { loss } : {}) };
}

/** Runs one layer's cell oracle over its argument; records its final states; returns its outputs by name. */
function runLayerOracle(layout: ModelLayout, plans: readonly Plan[], leaves: Leaves, data: ModelData, index: number, args: tf.Tensor[], final: tf.Tensor[]): Map<string, tf.Tensor> {
  const { batch: B, steps: T, lengths } = data;
  const spec = layout.model.runs[index]!;
  const plan = plans[layout.layers.findIndex((l) => l.name === spec.layer)]!;
  const once = spec.timing === "once";
  // A tied param is its owner's leaf: tf.grads sums both uses.
  const param = (name: string) => leaves.params[layout.params.findIndex((p) => p.name === storedParam(layout.model, spec.layer, name))]!;
  const stateIndex = (name: string) => layout.states.findIndex((s) => s.name === qualified(spec.layer, name));
  // Each argument as [T, B, w] (a per-sequence one of a per-step run repeated at every step); a
  // cell with several inputs reads them packed side by side, in its input order (packed-inputs.ts).
  const steps = args.map((a, k) => (once ? a : layout.model.nodes[spec.args[k]!]!.timing === "once" ? tf.tile(tf.expandDims(a, 0), [T, 1, 1]) : a));
  const arg = steps.length === 1 ? steps[0]! : tf.concat(steps, -1);
  const run = unroll(
    plan,
    { params: plan.params.map((p) => param(p.name)), x: once ? tf.expandDims(arg, 0) : arg, initial: plan.states.map((s) => leaves.initial[stateIndex(s.name)]!) },
    // A per-sequence layer takes no step for an example of length 0 (its outputs are zero there).
    {
      batch: B,
      steps: once ? 1 : T,
      ...(lengths === undefined ? {} : { lengths: once ? lengths.map((l) => (l > 0 ? 1 : 0)) : lengths }),
      // In training, layer k's cell draws its masks from stream k of the seed (as the driver does).
      ...(data.training === true ? { training: true, seed: streamSeed(data.seed ?? 0, layout.layers.findIndex((l) => l.name === spec.layer)) } : {}),
    },
  );
  plan.states.forEach((s, i) => (final[stateIndex(s.name)] = run.final[i]!));
  return new Map(plan.outputs.map((o, j) => [o.name, once ? tf.squeeze(run.outputs[j]!, [0]) : run.outputs[j]!]));
}

function plansOf(layout: ModelLayout): Plan[] {
  return layout.layers.map((l) => makePlan(l.graph, l.dims));
}

const toFloat64 = (t: tf.Tensor) => Float64Array.from(t.dataSync());

/**
 * Runs the model forward in tfjs: outputs by name, finals by `layer.state`, and the loss when
 * the model has losses (its targets must then be given).
 */
export async function modelOracleRun(layout: ModelLayout, data: ModelData): Promise<ModelRunResult> {
  await initTf();
  checkData(layout, data);
  const plans = plansOf(layout);
  const outputs: Record<string, Float64Array> = {};
  const final: Record<string, Float64Array> = {};
  let loss: number | undefined;
  tf.tidy(() => {
    const run = forwardModel(layout, plans, leavesOf(layout, data), data);
    layout.outputs.forEach((o, j) => (outputs[o.name] = toFloat64(run.outputs[j]!)));
    layout.states.forEach((s, i) => (final[s.name] = toFloat64(run.final[i]!)));
    if (run.loss) loss = run.loss.dataSync()[0]!;
  });
  return { outputs, final, ...(loss !== undefined ? { loss } : {}) };
}

/**
 * Gradients of seeds.loss · loss + Σ outputs ⊙ seeds.outputs + Σ final ⊙ seeds.final (a missing
 * seed is zero; the loss weight defaults to 1) with respect to every param, every vector input
 * and every initial state, by tf.grads.
 */
export async function modelOracleGradients(layout: ModelLayout, data: ModelData, seeds: ModelSeeds): Promise<ModelGradients> {
  await initTf();
  checkData(layout, data);
  const plans = plansOf(layout);
  const { batch: B, steps: T } = data;
  const params: Record<string, Float64Array> = {};
  const initial: Record<string, Float64Array> = {};
  const inputs: Record<string, Float64Array> = {};
  tf.tidy(() => {
    const leaves = leavesOf(layout, data);
    const seedOut = layout.outputs.map((o) => {
      const shape = o.once ? [B, o.width] : [T, B, o.width];
      const s = seeds.outputs[o.name];
      return s === undefined ? undefined : f32(`seed of output \`${o.name}\``, s, shape);
    });
    const seedFinal = layout.states.map((st) => {
      const s = seeds.final[st.name];
      return s === undefined ? undefined : f32(`seed of final state \`${st.name}\``, s, [B, ...st.shape]);
    });
    const nParams = leaves.params.length;
    const nInputs = leaves.inputs.length;
    const objective = (...args: tf.Tensor[]): tf.Scalar => {
      const run = forwardModel(
        layout,
        plans,
        { params: args.slice(0, nParams), inputs: args.slice(nParams, nParams + nInputs), initial: args.slice(nParams + nInputs) },
        data,
      );
      let total: tf.Tensor = run.loss ? tf.mul(run.loss, seeds.loss ?? 1) : tf.scalar(0);
      run.outputs.forEach((y, j) => seedOut[j] && (total = tf.add(total, tf.sum(tf.mul(y, seedOut[j]!)))));
      run.final.forEach((h, i) => seedFinal[i] && (total = tf.add(total, tf.sum(tf.mul(h, seedFinal[i]!)))));
      // As in the cell oracle: tf.grads refuses an argument nothing depends on (a layer never
      // applied, a state no seed reads); 0·Σarg gives it its true gradient, zero.
      for (const a of args) total = tf.add(total, tf.mul(0, tf.sum(a)));
      return total as tf.Scalar;
    };
    const args = [...leaves.params, ...leaves.inputs, ...leaves.initial];
    const grads = tf.grads(objective)(args);
    layout.params.forEach((p, i) => (params[p.name] = toFloat64(grads[i]!)));
    vectorInputs(layout).forEach((v, k) => (inputs[v.name] = toFloat64(grads[nParams + k]!)));
    layout.states.forEach((s, i) => (initial[s.name] = toFloat64(grads[nParams + nInputs + i]!)));
  });
  // One input: its gradient is `x`, as the generated module names it; several: by name.
  if (layout.inputs.length === 1) return { params, ...(layout.inputs[0]!.kind === "vector" ? { x: inputs[layout.inputs[0]!.name]! } : {}), initial };
  return { params, inputs, initial };
}
