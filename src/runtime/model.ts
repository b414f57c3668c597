// The model driver of generated modules: runs a model's plan (layers over whole sequences,
// reversal, concatenation, last steps, losses) by calling the generated cell kernels, and its
// backward pass in reverse order. Embedded (scripts/bundle-runtime.ts) only in modules that
// define a model. The plan is data the compiler writes next to the model's factory (see
// src/backends/ts/model.ts).
import { checkArray, checkCount, checkDim, checkFactoryOptions, checkKeys, checkLengths, checkLoadOptions, checkNothingToDifferentiate, checkParams, withFiniteChecks } from "./checks.js";
import { paramsFromSafetensors, paramsToSafetensors } from "./safetensors.js";
import { clipGradNorm, clipGradValue } from "./optim.js";
import { localKeyIn, qualifiedKey } from "./names.js";
import { fillDropoutMasks, layerSeed, streamSeed } from "./random.js";
import { SHARED_ARENA, type SharedArena } from "./wasm-heap.js";
import { checkThreads, chooseBackend, chooseSimd } from "./wasm-engine.js";
import { ARENA_IO, type ArenaBlock, type ArenaIO } from "./arena-io.js";
import { binaryBackward, binaryForward, poolBackward, poolForward, unaryBackward, unaryForward, type BinaryFnData, type Frame, type UnaryAttrsData, type UnaryFnData } from "./model-elementwise.js";

/** A linear dimension c + Σ coef·name over the model's dimensions. */
export interface LinearDim {
  readonly c: number;
  readonly t: ReadonlyArray<readonly [string, number]>;
}

export type PlanNode = {
  readonly width: LinearDim;
  readonly once: boolean;
  /** The value is integer ids (one per row, an Int32Array), not vectors of `width`. */
  readonly ids?: boolean;
} & (
  | { readonly op: "input"; readonly name: string }
  | { readonly op: "onehot"; readonly arg: number }
  | { readonly op: "apply"; readonly run: number; readonly output: string }
  | { readonly op: "reverse"; readonly arg: number }
  | { readonly op: "concat"; readonly args: readonly number[] }
  | { readonly op: "last"; readonly arg: number }
  | { readonly op: "dropout"; readonly arg: number; readonly p: number }
  | { readonly op: "binary"; readonly fn: BinaryFnData; readonly args: readonly [number, number] }
  | { readonly op: "unary"; readonly fn: UnaryFnData; readonly arg: number; readonly attrs: UnaryAttrsData }
  /** A number operand of `binary` nodes: one row per example of width 1, broadcast. */
  | { readonly op: "number"; readonly value: number }
  | { readonly op: "mean_over_time"; readonly arg: number }
  | { readonly op: "max_over_time"; readonly arg: number }
);

export interface ModelPlan {
  readonly name: string;
  readonly dims: readonly string[];
  /**
   * The model's inputs in declaration order: per step ([T, B, …]) or `once` per sequence ([B, …]).
   * With one, `forward` takes it as an array; with several, as an object keyed by their names.
   */
  readonly inputs: ReadonlyArray<{ readonly name: string; readonly kind: "vector" | "index"; readonly size: LinearDim; readonly once: boolean }>;
  /**
   * `inputs`: the names of the layer's cell inputs when it has several (its forward takes them as an
   * object); `dropout: true` when the layer's cell has dropout (it takes `training` and a seed of its own).
   */
  readonly layers: ReadonlyArray<{ readonly name: string; readonly cell: string; readonly dims: Readonly<Record<string, LinearDim>>; readonly inputs?: readonly string[]; readonly dropout?: true }>;
  /** One argument node per cell input; a per-sequence argument of a per-step run is repeated at every step. */
  readonly runs: ReadonlyArray<{ readonly layer: string; readonly args: readonly number[]; readonly once: boolean }>;
  /** The states of the layers that run (`layer.state`): the keys of `initial` and `final`. */
  readonly states: readonly string[];
  readonly nodes: readonly PlanNode[];
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly node: number }>;
  readonly targets: ReadonlyArray<{ readonly name: string; readonly kind: "vector" | "index"; readonly size: LinearDim; readonly once: boolean }>;
  readonly losses: ReadonlyArray<{ readonly kind: "mse" | "cross_entropy"; readonly pred: number; readonly target: string }>;
  /**
   * Tied params (`tie readout.W = embed.W`): `param` (`readout.W`) is read from `owner`
   * (`embed.W`, never itself tied), the one array stored; its gradient adds into the owner's.
   * Absent when the model ties nothing.
   */
  readonly ties?: ReadonlyArray<{ readonly param: string; readonly owner: string }>;
}

type FloatArr = Float32Array | Float64Array;

/** What the driver needs of a generated cell instance. */
export interface CellLike {
  readonly paramShapes: Readonly<Record<string, number[]>>;
  readonly backend?: "wasm" | "js";
  readonly simd?: "strict" | "relaxed" | "none";
  readonly ready?: Promise<void>;
  dispose?(): void;
  init(seed: number): Record<string, FloatArr>;
  /** On the wasm backend, `options[ARENA_IO]` passes inputs and outputs as blocks of the shared arena (see arenaEdges). */
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number> | Record<string, ArrayLike<number>> | undefined, options: { batch: number; steps: number; initial?: Record<string, ArrayLike<number>>; lengths?: ArrayLike<number>; training?: boolean; seed?: number; tape?: boolean; [ARENA_IO]?: ArenaIO }): {
    outputs: Record<string, FloatArr>;
    final: Record<string, FloatArr>;
    batch: number;
    steps: number;
    tape: unknown;
    /** The outputs kept in the arena (ArenaIO.keep). */
    blocks?: Record<string, ArenaBlock>;
  };
  /**
   * The cell with its input given as integer ids (one per row) instead of one-hot vectors:
   * generated for a cell a model feeds `onehot(ids)` whose input only multiplies weights
   * (products become gathers, weight gradients scatter-adds). `backward` takes its run.
   */
  forwardIds?(params: Record<string, ArrayLike<number>>, ids: Int32Array, options: { batch: number; steps: number; initial?: Record<string, ArrayLike<number>>; lengths?: ArrayLike<number>; tape?: boolean }): ReturnType<CellLike["forward"]>;
  backward(run: never, seeds?: { outputs?: Record<string, ArrayLike<number>>; final?: Record<string, ArrayLike<number>>; [ARENA_IO]?: ArenaIO }): {
    params: Record<string, FloatArr>;
    /** The input's gradient (a cell with one input), or each input's under `inputs` (several). */
    x?: FloatArr;
    inputs?: Record<string, FloatArr>;
    initial: Record<string, FloatArr>;
    /** The input gradients kept in the arena (ArenaIO.keep). */
    blocks?: Record<string, ArenaBlock>;
  };
}

/** A generated cell's factory; a model hands its layers one arena under SHARED_ARENA (see WasmHeap). */
export type CellFactory = (dims: Record<string, number>, options: { dtype?: "float32" | "float64"; backend?: "wasm" | "js"; threads?: number; simd?: "strict" | "relaxed"; checkFinite?: boolean; [SHARED_ARENA]?: SharedArena }) => CellLike;

export interface ModelForwardOptionsData {
  batch: number;
  steps: number;
  initial?: Record<string, ArrayLike<number> | undefined>;
  lengths?: ArrayLike<number>;
  targets?: Record<string, ArrayLike<number> | undefined>;
  /** Only for a model with dropout (its own or a layer's): apply it, with masks drawn from `seed`. */
  training?: boolean;
  seed?: number;
  /**
   * false: inference only. Each layer's wasm memory for its tape is reused at once (a forward-only
   * loop then never copies older tapes out of wasm memory), and `backward` refuses this run.
   */
  tape?: boolean;
}

export interface ModelRunData<A extends FloatArr> {
  readonly outputs: Record<string, A>;
  readonly final: Record<string, A>;
  readonly loss?: number;
  readonly batch: number;
  readonly steps: number;
  readonly tape: unknown;
}

export interface ModelSeedsData {
  outputs?: Record<string, ArrayLike<number> | undefined>;
  final?: Record<string, ArrayLike<number> | undefined>;
  /** The gradient of the objective with respect to `run.loss` (default 1 when the run has a loss). */
  loss?: number;
}

export interface ModelGradientsData<A extends FloatArr> {
  readonly params: Record<string, A>;
  /** A model with one vector input: its gradient. */
  readonly x?: A;
  /** A model with several inputs: the gradient of each vector input (ids have none). */
  readonly inputs?: Record<string, A>;
  readonly initial: Record<string, A>;
}

interface ModelTape<A extends FloatArr> {
  readonly values: (A | Int32Array | undefined)[];
  /** The masks of the model's own dropout nodes in a training run, by node (the backward pass reuses them). */
  readonly masks: (A | undefined)[];
  readonly runs: { run: unknown; inst: CellLike }[];
  readonly lengths: Int32Array | undefined;
  readonly lossGrads: (A | undefined)[];
  /** Forwarded with `tape: false`: nothing to differentiate. */
  readonly released: boolean;
}

function evalLinear(d: LinearDim, dims: Readonly<Record<string, number>>): number {
  let v = d.c;
  for (const [n, k] of d.t) v += k * dims[n]!;
  return v;
}

// ---- the sequence operations: one entry per op, its forward and its vector–Jacobian product ----

/** The sequence operations of a model: the union `SeqOp` of src/core/seq-ops.ts (src/backends/ts/model.ts proves them equal). */
export type SeqOpKind = "onehot" | "reverse" | "concat" | "last" | "mean_over_time" | "max_over_time" | BinaryFnData | UnaryFnData | "number" | "dropout";
/** The losses: `LossKind` of src/core/seq-ops.ts. */
export type LossKindData = ModelPlan["losses"][number]["kind"];

type SeqPlanNode = Exclude<PlanNode, { readonly op: "input" } | { readonly op: "apply" }>;
type NodeOfOp<K extends SeqOpKind> = K extends BinaryFnData ? Extract<PlanNode, { readonly op: "binary" }> : K extends UnaryFnData ? Extract<PlanNode, { readonly op: "unary" }> : Extract<PlanNode, { readonly op: K }>;

/** What an op's kernels read: the batch, its lengths, the nodes' widths and the values computed so far. */
interface SeqOpContext<A extends FloatArr> {
  readonly B: number;
  readonly T: number;
  readonly len: (b: number) => number;
  readonly widths: readonly number[];
  readonly F: Float32ArrayConstructor | Float64ArrayConstructor;
  readonly values: readonly (A | Int32Array | undefined)[];
  /** A dropout node's mask in a training run (rows × width, already scaled by 1/(1 − p)); none otherwise. */
  readonly masks: readonly (A | undefined)[];
  /** True when node `id` is one value per sequence. */
  readonly once: (id: number) => boolean;
}

/** The backward pass's view: adds to a node's adjoint (allocated at first use). */
interface SeqOpGradContext<A extends FloatArr> extends SeqOpContext<A> {
  addTo(id: number, g: ArrayLike<number>, scale?: number): void;
  adjointOf(id: number): A;
}

interface SeqOpKernel<N> {
  /** The node's value, from its arguments' (`id` is the node's own, for its width). */
  forward<A extends FloatArr>(node: N, id: number, cx: SeqOpContext<A>): A | Int32Array;
  /** Adds the adjoint `g` of node `id` into its arguments' adjoints. */
  backward<A extends FloatArr>(node: N, id: number, g: A, cx: SeqOpGradContext<A>): void;
}

/** The shape and lengths of node `id`'s value, for the elementwise kernels (model-elementwise.ts). */
function frameOf<A extends FloatArr>(node: PlanNode, id: number, cx: SeqOpContext<A>): Frame {
  return { B: cx.B, T: cx.T, W: cx.widths[id]!, once: node.once, len: cx.len, F: cx.F };
}

/** Node `id` as an operand of an elementwise kernel. */
function operand<A extends FloatArr>(id: number, nodeOnce: boolean, cx: SeqOpContext<A>) {
  return { v: cx.values[id] as FloatArr, w: cx.widths[id]!, once: nodeOnce };
}

/** `a ⊕ b` elementwise (broadcasting numbers and per-sequence operands), zero where an example has no row. */
const binary: SeqOpKernel<NodeOfOp<BinaryFnData>> = {
  forward: (node, id, cx) => binaryForward(node.fn, operand(node.args[0], cx.once(node.args[0]), cx), operand(node.args[1], cx.once(node.args[1]), cx), frameOf(node, id, cx)) as never,
  backward(node, id, g, cx) {
    const [ia, ib] = node.args;
    binaryBackward(node.fn, operand(ia, cx.once(ia), cx), operand(ib, cx.once(ib), cx), cx.values[id] as FloatArr, g, cx.adjointOf(ia), cx.adjointOf(ib), frameOf(node, id, cx));
  },
};

const unary: SeqOpKernel<NodeOfOp<UnaryFnData>> = {
  forward: (node, id, cx) => unaryForward(node.fn, node.attrs, cx.values[node.arg] as FloatArr, frameOf(node, id, cx)) as never,
  backward: (node, id, g, cx) => unaryBackward(node.fn, node.attrs, cx.values[node.arg] as FloatArr, cx.values[id] as FloatArr, g, cx.adjointOf(node.arg), frameOf(node, id, cx)),
};

/** Pooling over each example's valid steps: a per-step argument, a per-sequence result. */
const pool = (kind: "mean" | "max"): SeqOpKernel<NodeOfOp<"mean_over_time" | "max_over_time">> => ({
  forward: (node, id, cx) => poolForward(kind, cx.values[node.arg] as FloatArr, frameOf(node, id, cx)) as never,
  backward: (node, id, g, cx) => poolBackward(kind, cx.values[node.arg] as FloatArr, g, cx.adjointOf(node.arg), frameOf(node, id, cx)),
});

const SEQ_OP_KERNELS: { readonly [K in SeqOpKind]: SeqOpKernel<NodeOfOp<K>> } = {
  onehot: {
    forward(node, id, cx) {
      const ids = cx.values[node.arg] as Int32Array;
      const W = cx.widths[id]!;
      const rows = node.once ? cx.B : cx.T * cx.B;
      const out = new cx.F(rows * W);
      for (let r = 0; r < rows; r++) {
        // Past an example's length there are no ids; an example of length 0 has no per-sequence one.
        if (node.once ? cx.len(r) === 0 : Math.floor(r / cx.B) >= cx.len(r % cx.B)) continue;
        out[r * W + ids[r]!] = 1;
      }
      return out as never;
    },
    // Ids carry no gradient.
    backward() {},
  },
  reverse: {
    forward: (node, id, cx) => (node.ids ? reverseIds(cx.values[node.arg] as Int32Array, cx.T, cx.B, cx.len) : (reverseSteps(cx.values[node.arg]!, cx.T, cx.B, cx.widths[id]!, cx.len, cx.F) as never)),
    // Reversal within each example's length is its own transpose.
    backward: (node, id, g, { T, B, widths, len, F, addTo }) => addTo(node.arg, reverseSteps(g, T, B, widths[id]!, len, F)),
  },
  concat: {
    forward(node, id, cx) {
      const W = cx.widths[id]!;
      const rows = node.once ? cx.B : cx.T * cx.B;
      const out = new cx.F(rows * W);
      let col = 0;
      for (const a of node.args) {
        const src = cx.values[a] as FloatArr;
        const w = cx.widths[a]!;
        // A per-sequence operand of a per-step concat: its example's row at every valid step.
        const repeated = !node.once && cx.once(a);
        for (let r = 0; r < rows; r++) {
          if (!repeated) out.set(src.subarray(r * w, (r + 1) * w), r * W + col);
          else if (Math.floor(r / cx.B) < cx.len(r % cx.B)) out.set(src.subarray((r % cx.B) * w, (r % cx.B + 1) * w), r * W + col);
        }
        col += w;
      }
      return out as never;
    },
    backward(node, id, g, cx) {
      const W = cx.widths[id]!;
      const rows = node.once ? cx.B : cx.T * cx.B;
      let col = 0;
      for (const a of node.args) {
        const w = cx.widths[a]!;
        const part = new cx.F(rows * w);
        for (let r = 0; r < rows; r++) part.set(g.subarray(r * W + col, r * W + col + w), r * w);
        // A repeated per-sequence operand: the sum over its example's valid steps.
        cx.addTo(a, !node.once && cx.once(a) ? sumOverSteps(part, cx.B, cx.T, w, cx.len, cx.F) : part);
        col += w;
      }
    },
  },
  last: {
    forward(node, id, cx) {
      const { B, len } = cx;
      if (node.ids) {
        const ids = cx.values[node.arg] as Int32Array;
        const out = new Int32Array(B);
        for (let b = 0; b < B; b++) if (len(b) > 0) out[b] = ids[(len(b) - 1) * B + b]!;
        return out;
      }
      const W = cx.widths[id]!;
      const src = cx.values[node.arg] as FloatArr;
      const out = new cx.F(B * W);
      for (let b = 0; b < B; b++) {
        const L = len(b);
        if (L > 0) out.set(src.subarray(((L - 1) * B + b) * W, ((L - 1) * B + b + 1) * W), b * W);
      }
      return out as never;
    },
    backward(node, id, g, { B, T, len, widths, adjointOf }) {
      const W = widths[id]!;
      // The argument's adjoint spans all T steps; only each example's last valid one receives g.
      const a = adjointOf(node.arg);
      for (let b = 0; b < B; b++) {
        const L = len(b);
        if (L === 0) continue;
        const o = ((L - 1) * B + b) * W;
        for (let j = 0; j < W; j++) a[o + j]! += g[b * W + j]!;
      }
    },
  },
  dropout: {
    // Without a mask (not training) the identity; a copy, so no two nodes share an array.
    forward(node, id, cx) {
      const a = cx.values[node.arg] as FloatArr;
      const mask = cx.masks[id];
      const out = new cx.F(a.length);
      for (let i = 0; i < out.length; i++) out[i] = mask === undefined ? a[i]! : a[i]! * mask[i]!;
      return out as never;
    },
    // The very mask of the forward pass (kept on the tape).
    backward(node, id, g, cx) {
      const mask = cx.masks[id];
      cx.addTo(node.arg, mask === undefined ? g : Array.from(g, (v, i) => v * mask[i]!));
    },
  },
  mean_over_time: pool("mean"),
  max_over_time: pool("max"),
  number: {
    forward: (node, _id, cx) => new cx.F(cx.B).fill(node.value) as never,
    // A constant: its adjoint is not read.
    backward() {},
  },
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

function seqKernel(node: SeqPlanNode): SeqOpKernel<SeqPlanNode> {
  return SEQ_OP_KERNELS[node.op === "binary" || node.op === "unary" ? node.fn : node.op] as SeqOpKernel<SeqPlanNode>;
}

/** One loss term over its valid rows: the mean's value, with its gradient added into `g`. */
interface LossTerm<A extends FloatArr> {
  readonly where: string;
  readonly name: string;
  readonly pred: A;
  readonly target: unknown;
  readonly g: A;
  readonly W: number;
  readonly rows: number;
  readonly count: number;
  readonly valid: (r: number) => boolean;
  readonly spec: ModelPlan["targets"][number];
  readonly B: number;
  readonly T: number;
  readonly len: (b: number) => number;
  readonly F: Float32ArrayConstructor | Float64ArrayConstructor;
}

const LOSS_KERNELS: { readonly [K in LossKindData]: <A extends FloatArr>(term: LossTerm<A>) => number } = {
  /** Mean over valid rows of logsumexp(logits) − logits[target]. */
  cross_entropy({ where, name, pred, target, g, W, rows, count, valid, spec, B, T, len }) {
    const ids = checkIds(where, `options.targets.${name}`, target, spec.once ? 1 : T, B, W, spec.once ? (b) => (len(b) > 0 ? 1 : 0) : len, spec.once ? `batch ${B}` : `steps ${T} × batch ${B}`);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      if (!valid(r)) continue;
      const o = r * W;
      let m = -Infinity;
      for (let j = 0; j < W; j++) m = Math.max(m, pred[o + j]!);
      let s = 0;
      for (let j = 0; j < W; j++) s += Math.exp(pred[o + j]! - m);
      const lse = m + Math.log(s);
      loss += (lse - pred[o + ids[r]!]!) / count;
      for (let j = 0; j < W; j++) g[o + j]! += Math.exp(pred[o + j]! - lse) / count;
      g[o + ids[r]!]! -= 1 / count;
    }
    return loss;
  },
  /** Mean over valid rows × features of (pred − y)². */
  mse({ where, name, pred, target, g, W, rows, count, valid, spec, B, T, F }) {
    const y = checkArray(where, `options.targets.${name}`, target, rows * W, `${spec.once ? `batch ${B}` : `steps ${T} × batch ${B}`} × ${W}`, F);
    const n = count * W;
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      if (!valid(r)) continue;
      for (let j = 0; j < W; j++) {
        const d = pred[r * W + j]! - y[r * W + j]!;
        loss += (d * d) / n;
        g[r * W + j]! += (2 * d) / n;
      }
    }
    return loss;
  },
};

// ---- the driver -------------------------------------------------------------------------------

/** A model plan instantiated for concrete dimensions: one cell instance per layer. */
interface ModelInstance {
  readonly M: string;
  readonly plan: ModelPlan;
  readonly dims: Record<string, number>;
  readonly dtype: "float32" | "float64";
  readonly F: Float32ArrayConstructor | Float64ArrayConstructor;
  readonly layers: readonly { readonly name: string; readonly inst: CellLike }[];
  readonly byName: ReadonlyMap<string, { readonly name: string; readonly inst: CellLike }>;
  /** By `layer.param`: the params stored (a tied one is not). */
  readonly paramShapes: Record<string, number[]>;
  /** A tied param's key → its owner's (see `ModelPlan.ties`). */
  readonly tiedTo: ReadonlyMap<string, string>;
  readonly widths: readonly number[];
  /** The wasm memory, kernels and threads every layer shares (none on the js backend). */
  readonly shared: SharedArena;
  /** By node: its value passes from layer to layer inside the arena (see arenaEdges). */
  readonly inArena: readonly boolean[];
}

function instantiateModel(plan: ModelPlan, factories: Readonly<Record<string, CellFactory>>, dimsIn: unknown, options: { dtype?: "float32" | "float64"; backend?: "wasm" | "js"; threads?: number; simd?: "strict" | "relaxed"; checkFinite?: boolean }): ModelInstance {
  const M = plan.name;
  const { dtype } = checkFactoryOptions(M, options);
  // Checked here under the model's name (the layers' factories would name their cells).
  const backend = chooseBackend(M, dtype, options?.backend);
  chooseSimd(M, dtype, backend, options?.backend, options?.simd);
  checkThreads(M, options?.threads, dtype, options?.backend);
  checkKeys(M, "dims", dimsIn, plan.dims, false);
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const dims: Record<string, number> = {};
  for (const name of plan.dims) dims[name] = checkDim(M, dimsIn, name);
  const size = (d: LinearDim) => evalLinear(d, dims);
  const shared: SharedArena = {};
  const layers = plan.layers.map((l) => {
    const cellDims: Record<string, number> = {};
    for (const [k, v] of Object.entries(l.dims)) cellDims[k] = size(v);
    // Every layer runs on the backend asked for (float32: the wasm kernels by default), all of
    // them on one memory with one pool of threads.
    const cellOptions = { dtype, ...(options?.backend !== undefined ? { backend: options.backend } : {}), ...(options?.threads !== undefined ? { threads: options.threads } : {}), ...(options?.simd !== undefined ? { simd: options.simd } : {}), [SHARED_ARENA]: shared };
    return { name: l.name, inst: factories[l.cell]!(cellDims, cellOptions) };
  });
  const tiedTo = new Map((plan.ties ?? []).map((t) => [t.param, t.owner]));
  const paramShapes: Record<string, number[]> = {};
  for (const l of layers) {
    for (const [p, shape] of Object.entries(l.inst.paramShapes)) if (!tiedTo.has(qualifiedKey(l.name, p))) paramShapes[qualifiedKey(l.name, p)] = shape;
  }
  const byName = new Map(layers.map((l) => [l.name, l]));
  return { M, plan, dims, dtype, F, layers, byName, paramShapes, tiedTo, widths: plan.nodes.map((n) => size(n.width)), shared, inArena: arenaEdges(plan, byName, shared) };
}

/**
 * For each node, whether its value passes from one layer to the next inside the arena they
 * share, never as an array: a per-step output of a layer on the wasm kernels whose one reader
 * is another such layer's per-step run (as one argument) — not a model output, a loss's
 * prediction or a sequence operation's operand. Forward, the next layer copies its input from
 * the block; backward, its input gradient stays in a block that seeds this layer.
 */
function arenaEdges(plan: ModelPlan, byName: ModelInstance["byName"], shared: SharedArena): boolean[] {
  const readers = new Array<number>(plan.nodes.length).fill(0);
  const read = (id: number) => readers[id]!++;
  for (const node of plan.nodes) {
    if ("arg" in node) read(node.arg);
    if ("args" in node) node.args.forEach(read);
  }
  plan.runs.forEach((r) => r.args.forEach(read));
  plan.outputs.forEach((o) => read(o.node));
  plan.losses.forEach((l) => read(l.pred));
  // A layer on its id path runs the same wasm bodies (it reads ids, so it is never the reader).
  const onWasm = (k: number) => byName.get(plan.runs[k]!.layer)!.inst.backend === "wasm" && !plan.runs[k]!.once;
  return plan.nodes.map((node, id) => {
    if (shared.arena === undefined || node.op !== "apply" || node.once || readers[id] !== 1 || !onWasm(node.run)) return false;
    const k = plan.runs.findIndex((r) => r.args.includes(id));
    return k >= 0 && onWasm(k);
  });
}

/** Input k's key in an ArenaIO of run `run`: "x" for a cell's one input, else its name (as the cell's forward takes them). */
function ioKey(m: ModelInstance, run: number, k: number): string {
  const names = m.plan.layers.find((l) => l.name === m.plan.runs[run]!.layer)!.inputs;
  return names === undefined ? "x" : names[k]!;
}

/** Returns blocks to the shared arena (and forgets them). */
function releaseBlocks(m: ModelInstance, blocks: (ArenaBlock | undefined)[], ids: readonly number[]): void {
  for (const id of ids) {
    const b = blocks[id];
    if (b === undefined) continue;
    m.shared.arena?.release([b[0]], [b[1]]);
    blocks[id] = undefined;
  }
}

/** The key a layer's param is stored under: its own (`l0.W_ih`), or its owner's when it is tied. */
function storedKey(m: ModelInstance, layer: string, local: string): string {
  const key = qualifiedKey(layer, local);
  return m.tiedTo.get(key) ?? key;
}

/** A layer's own params (`W_ih`) out of the model's (`l0.W_ih`); a tied one is its owner's array. */
function layerParams<A extends FloatArr>(m: ModelInstance, all: Record<string, A>, layer: string): Record<string, A> {
  const out: Record<string, A> = {};
  for (const p of Object.keys(m.byName.get(layer)!.inst.paramShapes)) out[p] = all[storedKey(m, layer, p)]!;
  return out;
}

/** `readout.W` → `embed.W` for every tie of the plan, as `paramsFromSafetensors`'s `tied`. */
function tiedRecord(plan: ModelPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of plan.ties ?? []) out[t.param] = t.owner;
  return out;
}

/** Refuses a tied param's key in params the caller passes: there is one array, under its owner's name. */
function checkNotTied(m: ModelInstance, where: string, what: string, record: unknown): void {
  if (typeof record !== "object" || record === null) return;
  for (const { param, owner } of m.plan.ties ?? []) {
    if (Object.prototype.hasOwnProperty.call(record, param)) throw new Error(`${where}: ${what}.${param} is tied to ${owner} (\`tie ${param} = ${owner}\`): the one array is ${what}.${owner}; remove ${param}`);
  }
}

function initModel<A extends FloatArr>(m: ModelInstance, seed: number): Record<string, A> {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) throw new Error(`${m.M}.init: seed must be an integer, received ${String(seed)}`);
  const out: Record<string, A> = {};
  // Each layer draws from its own stream: seed and layer index mixed (a layer's values do not
  // depend on which other layers the model has before it, beyond their count).
  // A tied param's layer draws it too (its other params keep their untied values): the owner's values win.
  m.layers.forEach((l, k) => {
    const p = l.inst.init(layerSeed(seed, k));
    for (const [name, v] of Object.entries(p)) if (!m.tiedTo.has(qualifiedKey(l.name, name))) out[qualifiedKey(l.name, name)] = v as A;
  });
  return out;
}

/** Runs one layer over its argument (once per run, however many of its outputs are read). */
function runLayer<A extends FloatArr>(m: ModelInstance, run: number, P: Record<string, A>, values: readonly (A | Int32Array | undefined)[], blocks: (ArenaBlock | undefined)[], opts: ModelForwardOptionsData, lengths: Int32Array | undefined, T: number, seed: number | undefined) {
  const spec = m.plan.runs[run]!;
  const layer = m.byName.get(spec.layer)!;
  const k = m.plan.layers.findIndex((l) => l.name === spec.layer);
  const initial: Record<string, ArrayLike<number>> = {};
  const given = opts.initial ?? {};
  for (const k of Object.keys(given)) {
    const local = localKeyIn(k, spec.layer);
    if (given[k] === undefined || local === undefined) continue;
    initial[local] = given[k]!;
  }
  const options = {
    batch: opts.batch,
    steps: spec.once ? 1 : T,
    initial,
    // A per-sequence layer runs one step, and none for an example of length 0: its
    // outputs are zero there and its state is held (docs/language.md, "Length 0").
    ...(lengths !== undefined ? { lengths: spec.once ? Int32Array.from(lengths, (l) => (l > 0 ? 1 : 0)) : lengths } : {}),
    // In training a layer whose cell has dropout draws its masks from its own stream of the seed.
    ...(seed !== undefined && m.plan.layers[k]!.dropout === true ? { training: true, seed: streamSeed(seed, k) } : {}),
    ...(opts.tape === false ? { tape: false } : {}),
    ...arenaIOForward(m, run, blocks),
  };
  // A layer fed `onehot(ids)` whose cell has an id path reads the ids: the one-hot rows are never made.
  const ids = idsOf(m, run, values);
  const result = ids !== undefined
    ? layer.inst.forwardIds!(layerParams(m, P, spec.layer), ids, options)
    : layer.inst.forward(layerParams(m, P, spec.layer), cellInputs(m, run, values, opts.batch, T), options);
  // The arguments it copied in from the arena are read by no one else.
  releaseBlocks(m, blocks, spec.args.filter((a) => m.inArena[a]));
  return { spec, layer, result };
}

/** Run k's inputs given in the arena, and its outputs to keep there (see arenaEdges). */
function arenaIOForward(m: ModelInstance, run: number, blocks: readonly (ArenaBlock | undefined)[]): { [ARENA_IO]?: ArenaIO } {
  const given: Record<string, ArenaBlock> = {};
  m.plan.runs[run]!.args.forEach((arg, k) => {
    if (m.inArena[arg]) given[ioKey(m, run, k)] = blocks[arg]!;
  });
  const keep = m.plan.nodes.flatMap((n, id) => (n.op === "apply" && n.run === run && m.inArena[id] ? [n.output] : []));
  return Object.keys(given).length + keep.length === 0 ? {} : { [ARENA_IO]: { given, keep } };
}

/** True when the model has dropout: its own `dropout(…)` nodes, or a layer whose cell has some. */
function hasDropout(plan: ModelPlan): boolean {
  return plan.nodes.some((n) => n.op === "dropout") || plan.layers.some((l) => l.dropout === true);
}

/** `training` and `seed` given to a model without dropout: refused, saying why. */
function refuseTraining(m: ModelInstance, opts: unknown, where: string): void {
  if (hasDropout(m.plan) || typeof opts !== "object" || opts === null) return;
  for (const k of ["training", "seed"]) {
    if ((opts as Record<string, unknown>)[k] !== undefined) throw new Error(`${where}: options.${k} is accepted only by a model with dropout, and ${m.M} has none (no \`dropout(…)\` in the model or its layers' cells)`);
  }
}

/**
 * The training switch of a forward run: `training` and `seed` are accepted only by a model with
 * dropout, `seed` (a safe integer) is required in training. Undefined outside training.
 */
function trainingSeed(m: ModelInstance, opts: ModelForwardOptionsData, where: string, needSeed: string): number | undefined {
  const given = opts as { training?: unknown; seed?: unknown };
  if (!hasDropout(m.plan)) return undefined;
  if (given.training !== undefined && typeof given.training !== "boolean") throw new Error(`${where}: options.training must be true or false, received ${String(given.training)}`);
  if (given.training !== true) return undefined;
  if (given.seed === undefined) throw new Error(`${where}: options.seed is required when options.training is true (${needSeed})`);
  if (typeof given.seed !== "number" || !Number.isSafeInteger(given.seed)) throw new Error(`${where}: options.seed must be an integer between -(2^53 - 1) and 2^53 - 1, received ${String(given.seed)}`);
  return given.seed;
}

/**
 * The masks of the model's own dropout nodes in a training run. Stream k of the seed
 * (`streamSeed`) belongs to layer k, stream L + j (L layers) to the j-th dropout node of the plan;
 * each node's mask is drawn by `fillDropoutMasks` step by step, example by example, element by
 * element ([T, B, W]; [B, W] for a per-sequence value), so its first steps do not depend on T.
 */
function dropoutMasks<A extends FloatArr>(m: ModelInstance, seed: number | undefined, B: number, T: number): (A | undefined)[] {
  const masks: (A | undefined)[] = new Array(m.plan.nodes.length);
  if (seed === undefined) return masks;
  let site = 0;
  m.plan.nodes.forEach((node, id) => {
    if (node.op !== "dropout") return;
    const mask = new m.F((node.once ? B : T * B) * m.widths[id]!) as A;
    fillDropoutMasks(streamSeed(seed, m.plan.layers.length + site++), [mask], [node.p]);
    masks[id] = mask;
  });
  return masks;
}

function forwardModel<A extends FloatArr>(
  m: ModelInstance,
  params: Record<string, ArrayLike<number>>,
  input: unknown,
  opts: ModelForwardOptionsData,
  { where, needSeed }: { where: string; needSeed: string } = { where: `${m.M}.forward`, needSeed: "it makes the dropout masks reproducible" },
): ModelRunData<A> {
  const { plan, F, widths } = m;
  // Before the keys are checked: on a model without dropout the training options get their own message.
  refuseTraining(m, opts, where);
  checkKeys(where, "options", opts, ["batch", "steps", "initial", "lengths", "targets", "tape", ...(hasDropout(plan) ? ["training", "seed"] : [])], false);
  if (opts.tape !== undefined && typeof opts.tape !== "boolean") throw new Error(`${where}: options.tape must be true or false, received ${String(opts.tape)}`);
  const seed = trainingSeed(m, opts, where, needSeed);
  checkKeys(where, "options.initial", opts.initial, plan.states);
  checkKeys(where, "options.targets", opts.targets, plan.targets.map((t) => t.name));
  const B = checkCount(where, "options.batch", opts.batch);
  const T = checkCount(where, "options.steps", opts.steps);
  checkNotTied(m, where, "params", params);
  const P = checkParams<A>(where, params, m.paramShapes, F);
  const lengths = opts.lengths === undefined ? undefined : checkLengths(where, opts.lengths, B, T);
  const len = (b: number) => (lengths === undefined ? T : lengths[b]!);
  const values: (A | Int32Array | undefined)[] = new Array(plan.nodes.length);
  const runs: ModelTape<A>["runs"] = [];
  const final: Record<string, A> = {};
  const masks = dropoutMasks<A>(m, seed, B, T);
  const cx: SeqOpContext<A> = { B, T, len, widths, F, values, masks, once: (k) => plan.nodes[k]!.once };
  const given = modelInputs(m, input, where);

  const dense = denseOneHots(m);
  // Values passed between layers inside the arena (see arenaEdges), until the next layer reads them.
  const blocks: (ArenaBlock | undefined)[] = new Array(plan.nodes.length);
  try {
    plan.nodes.forEach((node, id) => {
      if (node.op === "onehot" && !dense[id]) return;
      if (node.op === "input") {
        values[id] = readInput<A>(m, node.name, given, id, where, B, T, len);
      } else if (node.op === "apply") {
        if (runs[node.run] === undefined) {
          const { spec, layer, result } = runLayer(m, node.run, P, values, blocks, { ...opts, batch: B }, lengths, T, seed);
          runs[node.run] = { run: result, inst: layer.inst };
          for (const [s, v] of Object.entries(result.final)) final[qualifiedKey(spec.layer, s)] = v as A;
        }
        const result = runs[node.run]!.run as ReturnType<CellLike["forward"]>;
        if (m.inArena[id]) blocks[id] = result.blocks![node.output];
        else values[id] = result.outputs[node.output] as A;
      } else {
        values[id] = seqKernel(node).forward(node, id, cx);
      }
    });
  } finally {
    releaseBlocks(m, blocks, plan.nodes.map((_, id) => id));
  }
  const outputs: Record<string, A> = {};
  for (const o of plan.outputs) outputs[o.name] = values[o.node] as A;
  const { loss, lossGrads } = modelLoss(m, values, opts.targets, where, B, T, len);
  const tape: ModelTape<A> = { values, masks, runs, lengths, lossGrads, released: opts.tape === false };
  return { outputs, final, ...(loss !== undefined ? { loss } : {}), batch: B, steps: T, tape };
}

/**
 * For each onehot node, whether its T·B·V rows are needed: not when every reader is a layer
 * whose cell reads the ids themselves (`forwardIds`).
 */
function denseOneHots(m: ModelInstance): boolean[] {
  const { plan } = m;
  return plan.nodes.map((node, id) => {
    if (node.op !== "onehot") return false;
    // Apply nodes name no operand (their run does); every other reader needs the rows.
    const readByNode = plan.nodes.some((n) => ("arg" in n && n.arg === id) || ("args" in n && n.args.includes(id)));
    const readElsewhere = plan.outputs.some((o) => o.node === id) || plan.losses.some((l) => l.pred === id);
    return readByNode || readElsewhere || plan.runs.some((r, k) => r.args.includes(id) && !idRun(m, k));
  });
}

/** Whether run k's cell reads ids itself: its one argument is `onehot(ids)` of its own timing, and the cell has an id path. */
function idRun(m: Pick<ModelInstance, "plan" | "byName">, k: number): boolean {
  const spec = m.plan.runs[k]!;
  const arg = spec.args.length === 1 ? m.plan.nodes[spec.args[0]!] : undefined;
  return arg?.op === "onehot" && arg.once === spec.once && m.byName.get(spec.layer)!.inst.forwardIds !== undefined;
}

/** The ids run k's cell reads itself (`idRun`), or undefined. */
function idsOf(m: ModelInstance, k: number, values: readonly (FloatArr | Int32Array | undefined)[]): Int32Array | undefined {
  if (!idRun(m, k)) return undefined;
  const onehot = m.plan.nodes[m.plan.runs[k]!.args[0]!] as Extract<PlanNode, { readonly op: "onehot" }>;
  return values[onehot.arg] as Int32Array;
}

/** The sum of the loss terms (each a mean over its valid rows), with each prediction's gradient; none without targets. */
function modelLoss<A extends FloatArr>(m: ModelInstance, values: readonly (A | Int32Array | undefined)[], targets: ModelForwardOptionsData["targets"], where: string, B: number, T: number, len: (b: number) => number) {
  const { plan, F, widths } = m;
  const lossGrads: (A | undefined)[] = new Array(plan.nodes.length);
  if (targets === undefined || plan.losses.length === 0) return { loss: undefined, lossGrads };
  let loss = 0;
  for (const term of plan.losses) {
    const spec = plan.targets.find((t) => t.name === term.target)!;
    const W = widths[term.pred]!;
    const rows = spec.once ? B : T * B;
    // An example of length 0 has no steps and no per-sequence value: it is in no loss's mean.
    const valid = (r: number) => (spec.once ? len(r % B) > 0 : Math.floor(r / B) < len(r % B));
    let count = 0;
    for (let r = 0; r < rows; r++) if (valid(r)) count++;
    const g = (lossGrads[term.pred] ??= new F(rows * W) as A);
    if (count === 0) continue;
    const raw = targets[term.target];
    if (raw === undefined) throw new Error(`${where}: options.targets.${term.target} is missing (${spec.once ? `batch ${B}` : `steps ${T} × batch ${B}`}${spec.kind === "vector" ? ` × ${W}` : " class ids"})`);
    loss += LOSS_KERNELS[term.kind]({ where, name: term.target, pred: values[term.pred] as A, target: raw, g, W, rows, count, valid, spec, B, T, len, F });
  }
  return { loss, lossGrads };
}

/** Checks the seeds of a backward pass: every named output and state must exist, and something must be differentiated. */
function checkSeeds(m: ModelInstance, run: ModelRunData<FloatArr>, seeds: ModelSeedsData | undefined, where: string): void {
  checkKeys(where, "seeds", seeds, ["outputs", "final", "loss"]);
  checkKeys(where, "seeds.outputs", seeds?.outputs, m.plan.outputs.map((o) => o.name));
  checkKeys(where, "seeds.final", seeds?.final, m.plan.states);
  checkNothingToDifferentiate(where, seeds, run.loss !== undefined ? "present" : "absent");
}

function backwardModel<A extends FloatArr>(m: ModelInstance, run: ModelRunData<A>, seeds?: ModelSeedsData): ModelGradientsData<A> {
  const { M, plan, F, widths } = m;
  const where = `${M}.backward`;
  const tape = (run as { tape?: unknown } | undefined)?.tape as ModelTape<A> | undefined;
  if (tape === undefined || tape.values === undefined || tape.runs === undefined) throw new Error(`${where}: run must be the result of forward() of this instance`);
  if (tape.released) throw new Error(`${where}: this run was forwarded with \`tape: false\` (inference only); run forward without it to differentiate`);
  const B = run.batch;
  const T = run.steps;
  const lengths = tape.lengths;
  const len = (b: number) => (lengths === undefined ? T : lengths[b]!);
  const adj: (A | undefined)[] = new Array(plan.nodes.length);
  const rowsOf = (id: number) => (plan.nodes[id]!.once ? B : T * B);
  const adjointOf = (id: number) => (adj[id] ??= new F(rowsOf(id) * widths[id]!) as A);
  const addTo = (id: number, g: ArrayLike<number>, scale = 1) => {
    const a = adjointOf(id);
    for (let i = 0; i < a.length; i++) a[i]! += scale * g[i]!;
  };
  for (const o of plan.outputs) {
    const s = seeds?.outputs?.[o.name];
    if (s === undefined) continue;
    const W = widths[o.node]!;
    addTo(o.node, checkArray<A>(where, `seeds.outputs.${o.name}`, s, rowsOf(o.node) * W, `${plan.nodes[o.node]!.once ? `batch ${B}` : `steps ${T} × batch ${B}`} × ${W}`, F));
  }
  checkSeeds(m, run, seeds, where);
  if (run.loss !== undefined) {
    const scale = seeds?.loss ?? 1;
    if (typeof scale !== "number" || !Number.isFinite(scale)) throw new Error(`${where}: seeds.loss must be a finite number (the gradient of your objective with respect to run.loss), received ${String(scale)}`);
    tape.lossGrads.forEach((g, id) => {
      if (g !== undefined) addTo(id, g, scale);
    });
  }

  const st: GradState<A> = { B, T, len, adj, adjBlocks: new Array(plan.nodes.length), grads: {}, initial: {}, addTo };
  const { adjBlocks, grads, initial } = st;
  const done = new Set<number>();
  const cx: SeqOpGradContext<A> = { B, T, len, widths, F, values: tape.values, masks: tape.masks, addTo, adjointOf, once: (k) => plan.nodes[k]!.once };
  try {
    for (let id = plan.nodes.length - 1; id >= 0; id--) {
      const node = plan.nodes[id]!;
      if (node.op === "input") continue;
      if (node.op !== "apply") {
        const g = adj[id];
        if (g !== undefined) seqKernel(node).backward(node, id, g, cx);
        continue;
      }
      if (done.has(node.run)) continue;
      done.add(node.run);
      backwardRun(m, tape, node.run, seeds?.final, st);
    }
  } finally {
    releaseBlocks(m, adjBlocks, plan.nodes.map((_, id) => id));
  }
  // In the params' own order, whatever order the runs were differentiated in.
  const params: Record<string, A> = {};
  for (const [name, shape] of Object.entries(m.paramShapes)) params[name] = grads[name] ?? (new F(shape.reduce((a, b) => a * b, 1)) as A);
  const inputGrad = (name: string) => {
    const id = plan.nodes.findIndex((n) => n.op === "input" && n.name === name);
    return (adj[id] ?? new F(rowsOf(id) * widths[id]!)) as A;
  };
  const vectors = plan.inputs.filter((i) => i.kind === "vector");
  if (plan.inputs.length === 1) return { params, ...(vectors.length === 1 ? { x: inputGrad(vectors[0]!.name) } : {}), initial };
  return { params, inputs: Object.fromEntries(vectors.map((i) => [i.name, inputGrad(i.name)])), initial };
}

/**
 * What the backward pass accumulates: each node's adjoint (an array, or a block of the arena for
 * a value passed between layers there), the params' gradients and the initial states'.
 */
interface GradState<A extends FloatArr> {
  readonly B: number;
  readonly T: number;
  readonly len: (b: number) => number;
  readonly adj: (A | undefined)[];
  /** Adjoints passed between layers inside the arena (see arenaEdges), until the layer before reads them. */
  readonly adjBlocks: (ArenaBlock | undefined)[];
  /**
   * A param's gradient is the first run's array (fresh from its cell, so ours to keep), plus the
   * other runs'; zeros when no run reaches it. No extra copy of a large embedding's gradient.
   */
  readonly grads: Record<string, A>;
  readonly initial: Record<string, A>;
  readonly addTo: (id: number, g: ArrayLike<number>, scale?: number) => void;
}

/** Differentiates layer run runIndex: its outputs' adjoints and final-state seeds in; its params' gradients, initial states' and arguments' adjoints out. */
function backwardRun<A extends FloatArr>(m: ModelInstance, tape: ModelTape<A>, runIndex: number, finalSeedsGiven: ModelSeedsData["final"], st: GradState<A>): void {
  const { plan, F, widths } = m;
  const { B, T, len, adj, adjBlocks, grads, initial, addTo } = st;
  const spec = plan.runs[runIndex]!;
  const { run: cellRun, inst } = tape.runs[runIndex]!;
  const outSeeds: Record<string, ArrayLike<number>> = {};
  const seedBlocks: Record<string, ArenaBlock> = {};
  const seedIds: number[] = [];
  plan.nodes.forEach((n, k) => {
    if (n.op !== "apply" || n.run !== runIndex) return;
    if (adj[k] !== undefined) outSeeds[n.output] = adj[k]!;
    if (adjBlocks[k] !== undefined) (seedBlocks[n.output] = adjBlocks[k]!), seedIds.push(k);
  });
  const finalSeeds: Record<string, ArrayLike<number>> = {};
  for (const [k, v] of Object.entries(finalSeedsGiven ?? {})) {
    const local = localKeyIn(k, spec.layer);
    if (v !== undefined && local !== undefined) finalSeeds[local] = v;
  }
  if (Object.keys(outSeeds).length + Object.keys(finalSeeds).length + seedIds.length === 0) {
    // Nothing reaches this run (its outputs feed no seeded output or loss): zero gradients.
    for (const [s, v] of Object.entries((cellRun as { final: Record<string, A> }).final)) initial[qualifiedKey(spec.layer, s)] = new F(v.length) as A;
    return;
  }
  // Its input gradients that seed the layer before stay in the arena.
  const keep = spec.args.flatMap((arg, k) => (m.inArena[arg] ? [ioKey(m, runIndex, k)] : []));
  const io = seedIds.length + keep.length === 0 ? {} : { [ARENA_IO]: { given: seedBlocks, keep } };
  const r = inst.backward(cellRun as never, { outputs: outSeeds, final: finalSeeds, ...io });
  releaseBlocks(m, adjBlocks, seedIds);
  // A tied param's gradient adds into its owner's: the sum over both uses.
  for (const [p, v] of Object.entries(r.params)) {
    const key = storedKey(m, spec.layer, p);
    const acc = grads[key];
    if (acc === undefined) grads[key] = v instanceof F ? (v as A) : (F.from(v) as A);
    else for (let i = 0; i < acc.length; i++) acc[i]! += v[i]!;
  }
  for (const [s, v] of Object.entries(r.initial)) initial[qualifiedKey(spec.layer, s)] = v as A;
  const cellInputNames = m.plan.layers.find((l) => l.name === spec.layer)!.inputs;
  spec.args.forEach((arg, k) => {
    // Ids (fed as one-hot vectors) carry no gradient.
    if (plan.nodes[arg]!.op === "onehot") return;
    if (m.inArena[arg]) {
      adjBlocks[arg] = r.blocks![ioKey(m, runIndex, k)]!;
      return;
    }
    const g = cellInputNames === undefined ? r.x! : r.inputs![cellInputNames[k]!]!;
    addTo(arg, !spec.once && plan.nodes[arg]!.once ? sumOverSteps(g, B, T, widths[arg]!, len, F) : g);
  });
}

/**
 * The caller's inputs by name: one input is passed as it is (an array), several as an object
 * keyed by their names (every one required, no other key).
 */
function modelInputs(m: ModelInstance, input: unknown, where: string): Record<string, unknown> {
  const names = m.plan.inputs.map((i) => i.name);
  if (names.length === 1) return { [names[0]!]: input };
  if (typeof input !== "object" || input === null || ArrayBuffer.isView(input) || Array.isArray(input)) {
    throw new Error(`${where}: inputs must be an object with ${names.join(", ")}, received ${Array.isArray(input) ? "an array" : input === null ? "null" : typeof input}`);
  }
  const given = input as Record<string, unknown>;
  for (const k of Object.keys(given)) if (!names.includes(k)) throw new Error(`${where}: inputs.${k} is not an input of ${m.M}; its inputs are ${names.join(", ")}`);
  for (const k of names) {
    if (given[k] === undefined) {
      const spec = m.plan.inputs.find((i) => i.name === k)!;
      throw new Error(`${where}: inputs.${k} is missing (${spec.once ? "one value per example" : "one value per step of each example"}); the inputs of ${m.M} are ${names.join(", ")}`);
    }
  }
  return given;
}

/** One input's values: [T·B, W] / [B, W] floats, or T·B / B ids; a per-sequence input is zero for an example of length 0 (it has no values). */
function readInput<A extends FloatArr>(m: ModelInstance, name: string, given: Record<string, unknown>, id: number, where: string, B: number, T: number, len: (b: number) => number): A | Int32Array {
  const spec = m.plan.inputs.find((i) => i.name === name)!;
  const what = m.plan.inputs.length === 1 ? name : `inputs.${name}`;
  const W = m.widths[id]!;
  const value = given[name];
  if (!spec.once) {
    return spec.kind === "vector" ? checkArray<A>(where, what, value, T * B * W, `steps ${T} × batch ${B} × ${W}`, m.F) : checkIds(where, what, value, T, B, W, len, `steps ${T} × batch ${B}`);
  }
  const some = (b: number) => (len(b) > 0 ? 1 : 0);
  if (spec.kind === "index") return checkIds(where, what, value, 1, B, W, some, `batch ${B}, one id per example`);
  const arr = checkArray<A>(where, what, value, B * W, `batch ${B} × ${W}, one row per example`, m.F);
  if (!Array.from({ length: B }, (_, b) => len(b)).some((l) => l === 0)) return arr;
  const out = new m.F(arr) as A;
  for (let b = 0; b < B; b++) if (len(b) === 0) out.fill(0, b * W, (b + 1) * W);
  return out;
}

/** A layer run's cell inputs: each argument, a per-sequence one repeated at every step of a per-step run; an object keyed by the cell's input names when it has several. */
function cellInputs<A extends FloatArr>(m: ModelInstance, run: number, values: readonly (A | Int32Array | undefined)[], B: number, T: number): ArrayLike<number> | Record<string, ArrayLike<number>> | undefined {
  const spec = m.plan.runs[run]!;
  const names = m.plan.layers.find((l) => l.name === spec.layer)!.inputs;
  const args = spec.args.map((arg) => {
    const v = values[arg] as A;
    // A value in the arena is given to the cell as a block (arenaIOForward), not as an array.
    if (m.inArena[arg]) return undefined;
    if (spec.once || !m.plan.nodes[arg]!.once) return v;
    const W = m.widths[arg]!;
    const out = new m.F(T * B * W);
    for (let t = 0; t < T; t++) out.set(v, t * B * W);
    return out;
  });
  return names === undefined ? args[0] : Object.fromEntries(names.flatMap((n, k) => (args[k] === undefined ? [] : [[n, args[k]!]])));
}

/** The gradient of a value repeated at every step: the sum over each example's valid steps ([T·B, W] → [B, W]). */
function sumOverSteps(g: ArrayLike<number>, B: number, T: number, W: number, len: (b: number) => number, F: Float32ArrayConstructor | Float64ArrayConstructor): FloatArr {
  const out = new F(B * W);
  for (let b = 0; b < B; b++) {
    const L = Math.min(len(b), T);
    for (let t = 0; t < L; t++) for (let j = 0; j < W; j++) out[b * W + j]! += g[(t * B + b) * W + j]!;
  }
  return out;
}

/**
 * One step of training, truncated backpropagation through time when chunks follow each other:
 * forward over the chunk with its targets from `options.initial` (pass the previous step's
 * `final` to carry the state; the gradient stops there), backward of the loss, clipping by value
 * then by global norm (PyTorch's clip_grad_value_ / clip_grad_norm_), one optimizer step in place.
 */
function trainStepModel<A extends FloatArr>(
  m: ModelInstance,
  params: Record<string, A>,
  optimizer: { step(params: Record<string, A>, grads: Record<string, A>): void },
  input: unknown,
  opts: ModelForwardOptionsData,
  clip: { clipNorm?: number; clipValue?: number } = {},
): { loss: number; gradNorm: number; final: Record<string, A> } {
  checkKeys(`${m.M}.trainStep`, "clip", clip, ["clipNorm", "clipValue"]);
  for (const [k, v] of Object.entries(clip ?? {})) {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v <= 0)) throw new Error(`${m.M}.trainStep: clip.${k} must be a finite number > 0, received ${String(v)}`);
  }
  if (typeof (optimizer as { step?: unknown } | null)?.step !== "function") throw new Error(`${m.M}.trainStep: optimizer must be made by adam() or sgd() (an object with a step method), received ${optimizer === null ? "null" : typeof optimizer}`);
  // A model with dropout trains with it on unless told `training: false`, with the seed given for this step.
  const training = hasDropout(m.plan) && (opts as { training?: unknown }).training === undefined ? { ...opts, training: true } : opts;
  const run = forwardModel<A>(m, params, input, training, { where: `${m.M}.trainStep`, needSeed: "trainStep trains with dropout on: pass a seed per step, such as the step number, or training: false" });
  if (run.loss === undefined) throw new Error(`${m.M}.trainStep: options.targets must hold ${m.plan.targets.map((t) => t.name).join(", ") || "the model's targets"} (the model's loss needs them)`);
  if (!Number.isFinite(run.loss)) throw new Error(`${m.M}.trainStep: the loss is ${run.loss}; try a smaller learning rate or clipNorm`);
  const grads = backwardModel(m, run).params;
  if (clip.clipValue !== undefined) clipGradValue(grads, clip.clipValue);
  let gradNorm: number;
  if (clip.clipNorm !== undefined) gradNorm = clipGradNorm(grads, clip.clipNorm);
  else {
    let sum = 0;
    for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
    gradNorm = Math.sqrt(sum);
  }
  optimizer.step(params, grads);
  return { loss: run.loss, gradNorm, final: run.final };
}

/** Instantiates a model plan: one cell instance per layer, params named `layer.param`. */
export function buildModel<A extends FloatArr>(plan: ModelPlan, factories: Readonly<Record<string, CellFactory>>, dimsIn: unknown, options: { dtype?: "float32" | "float64"; backend?: "wasm" | "js"; threads?: number; simd?: "strict" | "relaxed"; checkFinite?: boolean }) {
  const m = instantiateModel(plan, factories, dimsIn, options);
  const { paramShapes, dtype, F } = m;
  const { checkFinite } = checkFactoryOptions(m.M, options);
  let disposed = false;
  /** Refuses a call after dispose() under the model's name (its layers would name their cells). */
  const live = (fn: string): void => {
    if (disposed) throw new Error(`${m.M}.${fn}: this instance was disposed`);
  };
  const api = {
    dims: m.dims,
    dtype,
    backend: m.layers[0]?.inst.backend ?? "js",
    simd: m.layers[0]?.inst.simd ?? "none",
    ready: Promise.all(m.layers.map((l) => l.inst.ready)).then(() => undefined),
    dispose: () => {
      disposed = true;
      m.layers.forEach((l) => l.inst.dispose?.());
      m.shared.arena?.dispose();
    },
    paramShapes,
    init: (seed: number): Record<string, A> => initModel<A>(m, seed),
    forward: (params: Record<string, ArrayLike<number>>, input: unknown, opts: ModelForwardOptionsData): ModelRunData<A> => (live("forward"), forwardModel<A>(m, params, input, opts)),
    backward: (run: ModelRunData<A>, seeds?: ModelSeedsData): ModelGradientsData<A> => (live("backward"), backwardModel<A>(m, run, seeds)),
    trainStep: (
      params: Record<string, A>,
      optimizer: { step(params: Record<string, A>, grads: Record<string, A>): void },
      input: unknown,
      opts: ModelForwardOptionsData,
      clip: { clipNorm?: number; clipValue?: number } = {},
    ) => (live("trainStep"), trainStepModel<A>(m, params, optimizer, input, opts, clip)),
    loadParams: (bytes: Uint8Array, options?: { allowNonFinite?: boolean }) =>
      paramsFromSafetensors(bytes, paramShapes, dtype, { ...checkLoadOptions(`${m.M}.loadParams`, options), tied: tiedRecord(plan) }) as Record<string, A>,
    saveParams: (params: Record<string, A>) => {
      checkNotTied(m, `${m.M}.saveParams`, "params", params);
      return paramsToSafetensors(checkParams(`${m.M}.saveParams`, params, paramShapes, F), paramShapes);
    },
  };
  return checkFinite ? withFiniteChecks(m.M, plan.inputs.length === 1 ? plan.inputs[0]!.name : "inputs", api) : api;
}

/** Integer ids in [0, size) at each valid step (others are not read), as an Int32Array. */
function checkIds(where: string, name: string, value: unknown, T: number, B: number, size: number, len: (b: number) => number, meaning: string): Int32Array {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) throw new Error(`${where}: ${name} must be an array of ${T * B} integer ids (${meaning}), received ${value === null ? "null" : typeof value}`);
  const arr = value as ArrayLike<number>;
  if (arr.length !== T * B) throw new Error(`${where}: ${name} must have length ${T * B} (${meaning}), received length ${arr.length}`);
  const out = new Int32Array(T * B);
  for (let r = 0; r < T * B; r++) {
    if (Math.floor(r / B) >= len(r % B)) continue;
    const v = arr[r];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= size) throw new Error(`${where}: ${name}[${r}] must be an integer id between 0 and ${size - 1}, received ${String(arr[r])}`);
    out[r] = v;
  }
  return out;
}

/** Ids reversed within each example's length (0 past it): `reverseSteps` for one id per row. */
function reverseIds(src: Int32Array, T: number, B: number, len: (b: number) => number): Int32Array {
  const out = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const L = len(b);
    for (let t = 0; t < L; t++) out[t * B + b] = src[(L - 1 - t) * B + b]!;
  }
  return out;
}

/** Each example's first `len(b)` steps in reverse order; zero past its length. Its own transpose. */
function reverseSteps(src: ArrayLike<number>, T: number, B: number, W: number, len: (b: number) => number, F: Float32ArrayConstructor | Float64ArrayConstructor): FloatArr {
  const out = new F(T * B * W);
  for (let b = 0; b < B; b++) {
    const L = len(b);
    for (let t = 0; t < L; t++) {
      const from = ((L - 1 - t) * B + b) * W;
      const to = (t * B + b) * W;
      for (let j = 0; j < W; j++) out[to + j] = src[from + j]!;
    }
  }
  return out;
}
