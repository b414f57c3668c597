/**
 * IR graphs built by hand (until the lowering from .rnn exists, and independently of it):
 * PyTorch-layout Elman, LSTM and GRU, and a tiny builder for op-level test graphs.
 */
import { Dim, type Shape } from "../../src/core/dims.js";
import type { Span } from "../../src/diagnostics/span.js";
import type { Graph, LeafDecl, Node, NodeAttrs, OutputDecl, ParamDecl, StateDecl } from "../../src/ir/graph.js";
import { isReduce, type OpKind } from "../../src/ir/ops.js";
import { verifyGraph } from "../../src/ir/verify.js";

export const FILE = "test/hand.rnn";

/** Builds a Graph node by node; every node gets a span on its own line (line = id + 1). */
export class GraphMaker {
  readonly nodes: Node[] = [];
  readonly inputs: LeafDecl[] = [];
  readonly states: (LeafDecl & { next?: number })[] = [];
  readonly params: ParamDecl[] = [];
  readonly outputs: OutputDecl[] = [];

  constructor(readonly cell: string, readonly dims: string[]) {}

  /** Source text whose line k+1 is the text of node k (so doc strings can be checked). */
  sourceText(): string {
    return this.nodes.map((n) => `${n.label ?? n.op}`.padEnd(10, " ")).join("\n");
  }

  private span(id: number): Span {
    return { file: FILE, start: id * 11, end: id * 11 + 5 };
  }

  node(op: OpKind, inputs: number[], shape: Shape, attrs: NodeAttrs = {}, label?: string): number {
    const id = this.nodes.length;
    this.nodes.push({ id, op, inputs, attrs, shape, span: this.span(id), ...(label ? { label } : {}) });
    return id;
  }

  input(name: string, shape: Shape): number {
    const id = this.node("input", [], shape, { name }, name);
    this.inputs.push({ name, shape, node: id, span: this.span(id) });
    return id;
  }

  state(name: string, shape: Shape): number {
    const id = this.node("state", [], shape, { name }, name);
    this.states.push({ name, shape, node: id, span: this.span(id) });
    return id;
  }

  param(name: string, shape: Shape): number {
    const id = this.node("param", [], shape, { name }, name);
    this.params.push({ name, shape, node: id, span: this.span(id), init: { kind: "glorot" } });
    return id;
  }

  constant(value: number): number {
    return this.node("const", [], [], { value });
  }

  shapeOf(id: number): Shape {
    return this.nodes[id]!.shape;
  }

  /** Elementwise op (the shape of the higher-rank operand), or a reduction (a scalar). */
  ew(op: OpKind, inputs: number[], label?: string, attrs: NodeAttrs = {}): number {
    const shape = isReduce(op) ? [] : inputs.map((i) => this.shapeOf(i)).reduce((a, b) => (b.length > a.length ? b : a));
    return this.node(op, inputs, shape, attrs, label);
  }

  matmul(a: number, b: number, label?: string, trans: { transA?: boolean; transB?: boolean } = {}): number {
    const sa = trans.transA ? [...this.shapeOf(a)].reverse() : this.shapeOf(a);
    const sb = trans.transB ? [...this.shapeOf(b)].reverse() : this.shapeOf(b);
    const shape: Shape = sa.length === 2 && sb.length === 1 ? [sa[0]!] : sa.length === 1 ? [sb[1]!] : [sa[0]!, sb[1]!];
    return this.node("matmul", [a, b], shape, trans, label);
  }

  slice(v: number, start: Dim, end: Dim, label?: string): number {
    return this.node("slice", [v], [end.sub(start), ...this.shapeOf(v).slice(1)], { start, end }, label);
  }

  /** `split(v, k)` as k slices of the first axis. */
  split(v: number, k: number, labels: string[]): number[] {
    const part = this.shapeOf(v)[0]!.div(k);
    return labels.map((l, i) => this.slice(v, part.scale(i), part.scale(i + 1), l));
  }

  next(state: number, value: number): void {
    const s = this.states.find((d) => d.node === state)!;
    s.next = value;
  }

  output(name: string, node: number): void {
    this.outputs.push({ name, node, span: this.span(node) });
  }

  graph(): Graph {
    const states: StateDecl[] = this.states.map((s) => {
      if (s.next === undefined) throw new Error(`test graph: state ${s.name} has no next value`);
      return { name: s.name, shape: s.shape, node: s.node, span: s.span, next: s.next };
    });
    const graph: Graph = { cell: this.cell, file: FILE, dims: this.dims, inputs: this.inputs, states, params: this.params, outputs: this.outputs, nodes: this.nodes };
    // Hand-built graphs obey the same invariants as lowered ones (shapes agree with the ops).
    verifyGraph(graph, `test graph ${this.cell}`);
    return graph;
  }
}

const I = Dim.name("I");
const H = Dim.name("H");

/** h' = tanh(W_ih @ x + b_ih + W_hh @ h + b_hh); output h' (torch.nn.RNN). */
export function elman(): GraphMaker {
  const g = new GraphMaker("Elman", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const Wih = g.param("W_ih", [H, I]);
  const Whh = g.param("W_hh", [H, H]);
  const bih = g.param("b_ih", [H]);
  const bhh = g.param("b_hh", [H]);
  const a = g.ew("add", [g.matmul(Wih, x), bih]);
  const b = g.ew("add", [a, g.matmul(Whh, h)]);
  const next = g.ew("tanh", [g.ew("add", [b, bhh])], "h'");
  g.next(h, next);
  g.output("h", next);
  return g;
}

/** PyTorch-layout LSTM: gates i, f, g, o stacked in rows. */
export function lstm(): GraphMaker {
  const g = new GraphMaker("LSTM", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const c = g.state("c", [H]);
  const Wih = g.param("W_ih", [H.scale(4), I]);
  const Whh = g.param("W_hh", [H.scale(4), H]);
  const bih = g.param("b_ih", [H.scale(4)]);
  const bhh = g.param("b_hh", [H.scale(4)]);
  const pre = g.ew("add", [g.ew("add", [g.ew("add", [g.matmul(Wih, x), bih]), g.matmul(Whh, h)]), bhh]);
  const [i, f, gg, o] = g.split(pre, 4, ["i", "f", "g", "o"]) as [number, number, number, number];
  const cNext = g.ew("add", [g.ew("mul", [g.ew("sigmoid", [f]), c]), g.ew("mul", [g.ew("sigmoid", [i]), g.ew("tanh", [gg])])], "c'");
  const hNext = g.ew("mul", [g.ew("sigmoid", [o]), g.ew("tanh", [cNext])], "h'");
  g.next(h, hNext);
  g.next(c, cNext);
  g.output("h", hNext);
  return g;
}

/** PyTorch-layout GRU: gates r, z, n; the reset gate multiplies W_hn h + b_hn. */
export function gru(): GraphMaker {
  const g = new GraphMaker("GRU", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const Wih = g.param("W_ih", [H.scale(3), I]);
  const Whh = g.param("W_hh", [H.scale(3), H]);
  const bih = g.param("b_ih", [H.scale(3)]);
  const bhh = g.param("b_hh", [H.scale(3)]);
  const [xr, xz, xn] = g.split(g.ew("add", [g.matmul(Wih, x), bih]), 3, ["xr", "xz", "xn"]) as [number, number, number];
  const [hr, hz, hn] = g.split(g.ew("add", [g.matmul(Whh, h), bhh]), 3, ["hr", "hz", "hn"]) as [number, number, number];
  const r = g.ew("sigmoid", [g.ew("add", [xr, hr])], "r");
  const z = g.ew("sigmoid", [g.ew("add", [xz, hz])], "z");
  const n = g.ew("tanh", [g.ew("add", [xn, g.ew("mul", [r, hn])])], "n");
  const next = g.ew("add", [g.ew("mul", [g.ew("sub", [g.constant(1), z]), n]), g.ew("mul", [z, h])], "h'");
  g.next(h, next);
  g.output("h", next);
  return g;
}
