/**
 * Hand-built IR graphs of the PyTorch-layout cells (Elman, LSTM, GRU), for testing the
 * verifier before the lowering (src/ir/lower.ts) exists. Each mirrors the .rnn program of
 * the language brief node for node, with symbolic `Dim` shapes.
 */
import { Dim, type Shape } from "../../src/core/dims.js";
import { syntheticSpan } from "../../src/diagnostics/span.js";
import type { Graph, LeafDecl, Node, NodeAttrs, OutputDecl, ParamDecl, StateDecl } from "../../src/ir/graph.js";
import type { BinaryOp, OpKind, ReduceOp, UnaryOp } from "../../src/ir/ops.js";

const span = syntheticSpan("test/verify/graphs.ts");
const I = Dim.name("I");
const H = Dim.name("H");

/** A tiny graph builder that infers each node's shape from the op's rule. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  private readonly inputs: LeafDecl[] = [];
  private readonly states: { name: string; shape: Shape; node: number; next?: number }[] = [];
  private readonly params: ParamDecl[] = [];
  private readonly outputs: OutputDecl[] = [];

  constructor(private readonly cell: string, private readonly dims: string[]) {}

  private add(op: OpKind, inputs: number[], shape: Shape, attrs: NodeAttrs = {}, label?: string): number {
    const id = this.nodes.length;
    this.nodes.push({ id, op, inputs, attrs, shape, span, label });
    return id;
  }

  shapeOf(id: number): Shape {
    return this.nodes[id]!.shape;
  }

  input(name: string, shape: Shape): number {
    const node = this.add("input", [], shape, { name });
    this.inputs.push({ name, shape, node, span });
    return node;
  }

  state(name: string, shape: Shape): number {
    const node = this.add("state", [], shape, { name });
    this.states.push({ name, shape, node });
    return node;
  }

  param(name: string, shape: Shape): number {
    const node = this.add("param", [], shape, { name });
    this.params.push({ name, shape, node, span, init: { kind: "glorot" } });
    return node;
  }

  const(value: number): number {
    return this.add("const", [], [], { value });
  }

  /** [m,k]@[k] → [m]; [m,k]@[k,n] → [m,n]; [k]@[k,n] → [n]; transA / transB transpose a matrix. */
  matmul(a: number, b: number, transA = false, transB = false): number {
    let sa = this.shapeOf(a);
    if (transA) sa = [sa[1]!, sa[0]!];
    let sb = this.shapeOf(b);
    if (transB) sb = [sb[1]!, sb[0]!];
    const shape = sa.length === 1 ? [sb[1]!] : sb.length === 1 ? [sa[0]!] : [sa[0]!, sb[1]!];
    return this.add("matmul", [a, b], shape, { ...(transA && { transA }), ...(transB && { transB }) });
  }

  /** A scalar const whose value is a dimension (gradient graphs: mean's n). */
  constDim(dim: Dim): number {
    return this.add("const", [], [], { dim });
  }

  /** Zeros of `shape` with `a` at rows [start, end) (gradient graphs: the adjoint of slice). */
  pad(a: number, start: Dim, end: Dim, shape: Shape): number {
    return this.add("pad", [a], shape, { start, end, shape });
  }

  outer(a: number, b: number): number {
    return this.add("outer", [a, b], [this.shapeOf(a)[0]!, this.shapeOf(b)[0]!]);
  }

  unary(op: UnaryOp, a: number, alpha?: number | NodeAttrs): number {
    return this.add(op, [a], this.shapeOf(a), alpha === undefined ? {} : typeof alpha === "number" ? { alpha } : alpha);
  }

  binary(op: BinaryOp, a: number, b: number): number {
    const sa = this.shapeOf(a);
    return this.add(op, [a, b], sa.length > 0 ? sa : this.shapeOf(b));
  }

  /** sum, mean, max of a vector (sum also of a matrix) → scalar; max_mask keeps the shape. */
  reduce(op: ReduceOp | "max_mask", a: number): number {
    return this.add(op, [a], op === "max_mask" ? this.shapeOf(a) : []);
  }

  broadcast(a: number, shape: Shape): number {
    return this.add("broadcast", [a], shape, { shape });
  }

  slice(a: number, start: Dim, end: Dim): number {
    return this.add("slice", [a], [end.sub(start), ...this.shapeOf(a).slice(1)], { start, end });
  }

  concat(...parts: number[]): number {
    const first = parts.map((p) => this.shapeOf(p)[0]!).reduce((x, y) => x.add(y));
    return this.add("concat", parts, [first, ...this.shapeOf(parts[0]!).slice(1)]);
  }

  next(state: string, node: number): void {
    this.states.find((s) => s.name === state)!.next = node;
  }

  output(name: string, node: number): void {
    this.outputs.push({ name, node, span });
  }

  build(): Graph {
    const states: StateDecl[] = this.states.map((s) => ({ name: s.name, shape: s.shape, node: s.node, span, next: s.next! }));
    return {
      cell: this.cell, file: "test/verify/graphs.ts", dims: this.dims,
      inputs: this.inputs, states, params: this.params, outputs: this.outputs, nodes: this.nodes,
    };
  }
}

/** The four PyTorch-layout params and W_ih@x + b_ih, W_hh@h + b_hh, for `gates` rows per gate group. */
function affine(g: GraphBuilder, rows: Dim, x: number, h: number): { xs: number; hs: number } {
  const W_ih = g.param("W_ih", [rows, I]);
  const W_hh = g.param("W_hh", [rows, H]);
  const b_ih = g.param("b_ih", [rows]);
  const b_hh = g.param("b_hh", [rows]);
  return { xs: g.binary("add", g.matmul(W_ih, x), b_ih), hs: g.binary("add", g.matmul(W_hh, h), b_hh) };
}

/** h' = act(W_ih@x + b_ih + W_hh@h + b_hh); output h' (torch.nn.RNN). */
export function elmanGraph(activation: "tanh" | "relu" = "tanh"): Graph {
  const g = new GraphBuilder("Elman", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const { xs, hs } = affine(g, H, x, h);
  const next = g.unary(activation, g.binary("add", xs, hs));
  g.next("h", next);
  g.output("h", next);
  return g.build();
}

/** The LSTM of the language brief: gates i, f, g, o stacked in rows (torch.nn.LSTM). */
export function lstmGraph(): Graph {
  const g = new GraphBuilder("LSTM", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const c = g.state("c", [H]);
  const { xs, hs } = affine(g, H.scale(4), x, h);
  const gates = g.binary("add", xs, hs);
  const [i, f, gg, o] = [0, 1, 2, 3].map((k) => g.slice(gates, H.scale(k), H.scale(k + 1)));
  const c2 = g.binary("add", g.binary("mul", g.unary("sigmoid", f!), c), g.binary("mul", g.unary("sigmoid", i!), g.unary("tanh", gg!)));
  const h2 = g.binary("mul", g.unary("sigmoid", o!), g.unary("tanh", c2));
  g.next("c", c2);
  g.next("h", h2);
  g.output("h", h2);
  return g.build();
}

/** The GRU of the language brief: gates r, z, n; r multiplies W_hn h + b_hn (torch.nn.GRU). */
export function gruGraph(): Graph {
  const g = new GraphBuilder("GRU", ["I", "H"]);
  const x = g.input("x", [I]);
  const h = g.state("h", [H]);
  const { xs, hs } = affine(g, H.scale(3), x, h);
  const [xr, xz, xn] = [0, 1, 2].map((k) => g.slice(xs, H.scale(k), H.scale(k + 1)));
  const [hr, hz, hn] = [0, 1, 2].map((k) => g.slice(hs, H.scale(k), H.scale(k + 1)));
  const r = g.unary("sigmoid", g.binary("add", xr!, hr!));
  const z = g.unary("sigmoid", g.binary("add", xz!, hz!));
  const n = g.unary("tanh", g.binary("add", xn!, g.binary("mul", r, hn!)));
  const h2 = g.binary("add", g.binary("mul", g.binary("sub", g.const(1), z), n), g.binary("mul", z, h));
  g.next("h", h2);
  g.output("h", h2);
  return g.build();
}
