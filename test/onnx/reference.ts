/**
 * An independent float64 reference: interprets the IR step graph for ONE example at a time with
 * plain loops (no ONNX, no batching tricks), and runs it over a batch and a sequence with the
 * shared semantics (states start at `initial` or zero; past its length an example keeps its
 * state and outputs zero). It is itself checked against the PyTorch vectors.
 */
import type { Graph, Node } from "../../src/ir/graph.js";
import { UNARY_DEFAULT_ALPHA } from "../../src/ir/ops.js";

interface T {
  shape: number[];
  data: number[];
}

const map = (a: T, f: (x: number) => number): T => ({ shape: a.shape, data: a.data.map(f) });

function zip(a: T, b: T, f: (x: number, y: number) => number): T {
  if (a.shape.length === 0) return { shape: b.shape, data: b.data.map((y) => f(a.data[0]!, y)) };
  if (b.shape.length === 0) return { shape: a.shape, data: a.data.map((x) => f(x, b.data[0]!)) };
  if (a.data.length !== b.data.length) throw new Error(`reference: shapes ${a.shape} and ${b.shape}`);
  return { shape: a.shape, data: a.data.map((x, i) => f(x, b.data[i]!)) };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function unary(op: string, attrs: Node["attrs"]): (x: number) => number {
  const alpha = attrs.alpha;
  switch (op) {
    case "neg": return (x) => -x;
    case "sigmoid": return sigmoid;
    case "tanh": return Math.tanh;
    case "relu": return (x) => Math.max(0, x);
    case "leaky_relu": { const a = alpha ?? UNARY_DEFAULT_ALPHA.leaky_relu!; return (x) => (x >= 0 ? x : a * x); }
    case "elu": { const a = alpha ?? UNARY_DEFAULT_ALPHA.elu!; return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1)); }
    case "softplus": return (x) => Math.log1p(Math.exp(x));
    case "softsign": return (x) => x / (1 + Math.abs(x));
    case "hard_sigmoid": return (x) => Math.min(1, Math.max(0, x / 6 + 0.5));
    case "exp": return Math.exp;
    case "log": return Math.log;
    case "sqrt": return Math.sqrt;
    case "abs": return Math.abs;
    case "step": return (x) => (x > 0 ? 1 : 0);
    case "sign": return Math.sign;
    case "clamp": return (x) => Math.min(attrs.hi!, Math.max(attrs.lo!, x));
    case "pow": return (x) => x ** attrs.exponent!;
    case "dropout": return (x) => x; // inference
    default: throw new Error(`reference: no unary ${op}`);
  }
}

/** Element (i, j) of a matrix, read transposed if asked. */
function at(m: T, i: number, j: number, trans: boolean): number {
  const cols = m.shape[1]!;
  return trans ? m.data[j * cols + i]! : m.data[i * cols + j]!;
}

function transpose(m: T): T {
  const [r, c] = [m.shape[0]!, m.shape[1]!];
  const data: number[] = [];
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) data.push(m.data[i * c + j]!);
  return { shape: [c, r], data };
}

function matmul(a: T, b0: T, transA: boolean, transB: boolean): T {
  const b = transB && b0.shape.length === 2 ? transpose(b0) : b0;
  if (a.shape.length === 2) {
    const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    if (b.shape.length === 1) {
      const data = Array.from({ length: m }, (_, i) => { let s = 0; for (let p = 0; p < k; p++) s += at(a, i, p, transA) * b.data[p]!; return s; });
      return { shape: [m], data };
    }
    const n = b.shape[1]!;
    const data: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += at(a, i, p, transA) * b.data[p * n + j]!; data.push(s); }
    return { shape: [m, n], data };
  }
  const [k, n] = [b.shape[0]!, b.shape[1]!];
  const data = Array.from({ length: n }, (_, j) => { let s = 0; for (let p = 0; p < k; p++) s += a.data[p]! * b.data[p * n + j]!; return s; });
  return { shape: [n], data };
}

function evalNode(node: Node, args: T[], dims: Record<string, number>, leaves: (n: Node) => T): T {
  const [a, b] = args as [T, T];
  switch (node.op) {
    case "input": case "state": case "param": return leaves(node);
    case "const": return { shape: [], data: [node.attrs.dim ? node.attrs.dim.evaluate(dims) : node.attrs.value!] };
    case "matmul": return matmul(a, b, node.attrs.transA === true, node.attrs.transB === true);
    case "add": return zip(a, b, (x, y) => x + y);
    case "sub": return zip(a, b, (x, y) => x - y);
    case "mul": return zip(a, b, (x, y) => x * y);
    case "div": return zip(a, b, (x, y) => x / y);
    case "maximum": return zip(a, b, (x, y) => (x >= y ? x : y));
    case "minimum": return zip(a, b, (x, y) => (x <= y ? x : y));
    case "sum": return { shape: [], data: [a.data.reduce((s, x) => s + x, 0)] };
    case "mean": return { shape: [], data: [a.data.reduce((s, x) => s + x, 0) / a.data.length] };
    case "max": return { shape: [], data: [Math.max(...a.data)] };
    case "slice": {
      const row = a.shape.length === 2 ? a.shape[1]! : 1;
      const [s, e] = [node.attrs.start!.evaluate(dims), node.attrs.end!.evaluate(dims)];
      return { shape: [e - s, ...a.shape.slice(1)], data: a.data.slice(s * row, e * row) };
    }
    case "pad": {
      const shape = node.attrs.shape!.map((d) => d.evaluate(dims));
      const row = shape.length === 2 ? shape[1]! : 1;
      const data = new Array<number>(shape[0]! * row).fill(0);
      a.data.forEach((v, i) => (data[node.attrs.start!.evaluate(dims) * row + i] = v));
      return { shape, data };
    }
    case "concat": return { shape: [args.reduce((s, t) => s + t.shape[0]!, 0), ...a.shape.slice(1)], data: args.flatMap((t) => t.data) };
    case "outer": return { shape: [a.shape[0]!, b.shape[0]!], data: a.data.flatMap((x) => b.data.map((y) => x * y)) };
    case "broadcast": {
      const shape = node.attrs.shape!.map((d) => d.evaluate(dims));
      return { shape, data: new Array<number>(shape.reduce((p, q) => p * q, 1)).fill(a.data[0]!) };
    }
    case "max_mask": {
      const m = a.data.indexOf(Math.max(...a.data));
      return { shape: a.shape, data: a.data.map((_, i) => (i === m ? 1 : 0)) };
    }
    default: return map(a, unary(node.op, node.attrs));
  }
}

/** One step for one example: the next states and the outputs. */
export function referenceStep(
  graph: Graph,
  dims: Record<string, number>,
  params: Record<string, ArrayLike<number>>,
  inputs: Record<string, number[]>,
  states: Record<string, number[]>,
): { states: Record<string, number[]>; outputs: Record<string, number[]> } {
  const values: T[] = [];
  const leaves = (n: Node): T => {
    const name = n.attrs.name!;
    const src = n.op === "param" ? params[name] : n.op === "state" ? states[name] : inputs[name];
    if (!src) throw new Error(`reference: no value for ${n.op} ${name}`);
    return { shape: n.shape.map((d) => d.evaluate(dims)), data: Array.from(src) };
  };
  for (const n of graph.nodes) values.push(evalNode(n, n.inputs.map((i) => values[i]!), dims, leaves));
  return {
    states: Object.fromEntries(graph.states.map((s) => [s.name, values[s.next]!.data])),
    outputs: Object.fromEntries(graph.outputs.map((o) => [o.name, values[o.node]!.data])),
  };
}

export interface SequenceRun {
  /** Per output: [T, B, …] flattened. */
  readonly outputs: Record<string, number[]>;
  /** Per state: [B, …] flattened. */
  readonly finals: Record<string, number[]>;
}

/**
 * Runs the cell over x [T, B, …] (per input, flattened), with optional initial states [B, …]
 * and lengths; the reference semantics of the whole project.
 */
export function referenceRun(
  graph: Graph,
  dims: Record<string, number>,
  params: Record<string, ArrayLike<number>>,
  x: Record<string, ArrayLike<number>>,
  steps: number,
  batch: number,
  initial: Record<string, ArrayLike<number>> = {},
  lengths: readonly number[] = new Array<number>(batch).fill(steps),
): SequenceRun {
  const size = (shape: Graph["inputs"][number]["shape"]): number => shape.reduce((p, d) => p * d.evaluate(dims), 1);
  const outSize = Object.fromEntries(graph.outputs.map((o) => [o.name, size(graph.nodes[o.node]!.shape)]));
  const outputs: Record<string, number[]> = Object.fromEntries(graph.outputs.map((o) => [o.name, new Array<number>(steps * batch * outSize[o.name]!).fill(0)]));
  const finals: Record<string, number[]> = {};
  for (let b = 0; b < batch; b++) {
    let states = Object.fromEntries(graph.states.map((s) => {
      const n = size(s.shape);
      const init = initial[s.name];
      return [s.name, init ? Array.from(init).slice(b * n, (b + 1) * n) : new Array<number>(n).fill(0)];
    }));
    for (let t = 0; t < Math.min(steps, lengths[b]!); t++) {
      const inputs = Object.fromEntries(graph.inputs.map((i) => {
        const n = size(i.shape);
        return [i.name, Array.from(x[i.name]!).slice((t * batch + b) * n, (t * batch + b + 1) * n)];
      }));
      const r = referenceStep(graph, dims, params, inputs, states);
      for (const o of graph.outputs) {
        const n = outSize[o.name]!;
        r.outputs[o.name]!.forEach((v, k) => (outputs[o.name]![(t * batch + b) * n + k] = v));
      }
      states = r.states;
    }
    for (const s of graph.states) (finals[s.name] ??= []).push(...states[s.name]!);
  }
  return { outputs, finals };
}
