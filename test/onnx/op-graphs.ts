/**
 * Small hand graphs that exercise every IR op the ONNX emission table knows, each in the
 * places the back end treats differently: per step on a batch (state-dependent), hoisted over
 * T·B (input-dependent), once (params only), batched and unbatched operands mixed.
 */
import { Dim } from "../../src/core/dims.js";
import type { NodeAttrs } from "../../src/ir/graph.js";
import { UNARY_OPS, type UnaryOp } from "../../src/ir/ops.js";
import { GraphMaker } from "./graphs.js";

const N = Dim.name("N");
const M = Dim.name("M");
export const OP_DIMS = { N: 3, M: 2 };

export interface OpCase {
  readonly name: string;
  readonly make: () => GraphMaker;
}

/** Ops whose argument must be positive (log, sqrt, pow with a fractional exponent). */
const POSITIVE: ReadonlySet<UnaryOp> = new Set(["log", "sqrt", "pow"]);
/** Ops that need attributes; each is exercised with the ones given below. */
const WITH_ATTRS: ReadonlySet<UnaryOp> = new Set(["clamp", "pow"]);

function unaryCase(op: UnaryOp, alpha?: number | NodeAttrs): OpCase {
  const attrs: NodeAttrs = alpha === undefined ? {} : typeof alpha === "number" ? { alpha } : alpha;
  const shown = Object.entries(attrs).map(([k, v]) => `${k} ${String(v)}`).join(", ");
  return {
    name: `unary ${op}${shown === "" ? "" : ` (${shown})`}`,
    make: () => {
      const g = new GraphMaker("Unary", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const positive = (v: number): number => (POSITIVE.has(op) ? g.ew("add", [g.ew("softplus", [v]), g.constant(0.1)]) : v);
      const perStep = g.ew(op, [positive(g.ew("add", [x, h]))], "per_step", attrs);
      g.next(h, g.ew("tanh", [perStep], "h'"));
      g.output("per_step", perStep);
      g.output("hoisted", g.ew(op, [positive(x)], "hoisted", attrs));
      return g;
    },
  };
}

export const OP_CASES: readonly OpCase[] = [
  ...UNARY_OPS.filter((op) => !WITH_ATTRS.has(op)).map((op) => unaryCase(op)),
  unaryCase("leaky_relu", 0.2),
  unaryCase("elu", 0.7),
  unaryCase("clamp", { lo: -0.5, hi: 0.8 }),
  unaryCase("pow", { exponent: 3 }),
  unaryCase("pow", { exponent: -1.5 }),
  {
    name: "binary ops: batched with batched, with a param, with constant and batched scalars",
    make: () => {
      const g = new GraphMaker("Binary", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const p = g.param("p", [N]);
      const s = g.param("s", []);
      const positiveX = g.ew("add", [g.ew("softplus", [x]), g.constant(0.5)]);
      const total = g.ew("sum", [h], "total");
      g.output("add", g.ew("add", [x, h]));
      g.output("sub_param", g.ew("sub", [p, h]));
      g.output("mul_const", g.ew("mul", [g.constant(2), h]));
      g.output("div_positive", g.ew("div", [h, positiveX]));
      g.output("scalar_param", g.ew("mul", [h, s]));
      g.output("batched_scalar_vector", g.ew("sub", [total, h]));
      g.output("vector_batched_scalar", g.ew("div", [x, g.ew("add", [g.ew("abs", [total]), g.constant(1)])]));
      g.output("batched_scalar_alone", g.ew("mul", [total, g.constant(3)]));
      g.output("param_only", g.ew("mul", [p, s]));
      g.output("const_only", g.ew("sub", [g.constant(1), g.constant(0.25)]));
      g.output("max_param", g.ew("maximum", [p, h]));
      g.output("min_const", g.ew("minimum", [h, g.constant(0.1)]));
      g.output("max_batched_scalar_vector", g.ew("maximum", [total, x]));
      g.output("min_vector_scalar_param", g.ew("minimum", [x, s]));
      g.next(h, g.ew("tanh", [g.ew("add", [g.ew("mul", [h, p]), x])], "h'"));
      return g;
    },
  },
  {
    name: "reductions sum, mean, max: per step, hoisted, once",
    make: () => {
      const g = new GraphMaker("Reduce", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const p = g.param("p", [N]);
      const next = g.ew("tanh", [g.ew("add", [h, x])], "h'");
      g.next(h, next);
      g.output("sum", g.ew("sum", [next]));
      g.output("mean", g.ew("mean", [next]));
      g.output("max", g.ew("max", [next]));
      g.output("mean_x", g.ew("mean", [x]));
      g.output("max_p", g.ew("max", [p]));
      return g;
    },
  },
  {
    name: "slice and concat: vectors, matrices, batched with unbatched",
    make: () => {
      const g = new GraphMaker("SliceConcat", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const W = g.param("W", [N.add(M), N]);
      const p = g.param("p", [M]);
      const tail = g.slice(h, Dim.const(1), N, "tail");
      const head = g.slice(x, Dim.const(0), Dim.const(1), "head");
      g.next(h, g.ew("tanh", [g.node("concat", [tail, head], [N], {}, "rolled")], "h'"));
      g.output("state_and_param", g.node("concat", [h, p], [N.add(M)]));
      g.output("param_and_input", g.node("concat", [p, x], [M.add(N)]));
      g.output("params", g.node("concat", [p, p, p], [M.scale(3)]));
      const rows = g.slice(W, N, N.add(M), "rows");
      g.output("matrix_rows_times_state", g.matmul(rows, h));
      g.output("matrix_concat", g.matmul(g.node("concat", [rows, rows], [M.scale(2), N]), x));
      return g;
    },
  },
  {
    name: "matmul: matrix and vector, batched on either side, transposed",
    make: () => {
      const g = new GraphMaker("MatMul", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const S = g.state("S", [N, N]);
      const W = g.param("W", [M, N]);
      const V = g.param("V", [N, M]);
      const p = g.param("p", [N]);
      g.next(h, g.ew("tanh", [g.ew("add", [g.matmul(S, h), x])], "h'"));
      g.next(S, g.ew("tanh", [g.ew("add", [g.matmul(S, S, "SS", { transA: true }), g.node("outer", [h, x], [N, N], {}, "hx")])], "S'"));
      g.output("W_h", g.matmul(W, h));
      g.output("Vt_h", g.matmul(V, h, undefined, { transA: true }));
      g.output("S_p", g.matmul(S, p));
      g.output("St_p", g.matmul(S, p, undefined, { transA: true }));
      g.output("S_h", g.matmul(S, h));
      g.output("St_h", g.matmul(S, h, undefined, { transA: true }));
      g.output("h_V", g.matmul(h, V));
      g.output("h_Wt", g.matmul(h, W, undefined, { transB: true }));
      g.output("p_S", g.matmul(p, S));
      g.output("h_S", g.matmul(h, S));
      g.output("h_St", g.matmul(h, S, undefined, { transB: true }));
      g.output("p_V", g.matmul(p, V));
      g.output("W_p", g.matmul(W, p));
      g.output("S_V", g.matmul(S, V));
      g.output("W_S", g.matmul(W, S));
      g.output("Vt_S", g.matmul(V, S, undefined, { transA: true }));
      g.output("S_Wt", g.matmul(S, W, undefined, { transB: true }));
      g.output("W_V", g.matmul(W, V));
      g.output("x_V", g.matmul(x, V));
      return g;
    },
  },
  {
    name: "edge cases: two inputs, a scalar state, a state and outputs that read no state, leaves as outputs",
    make: () => {
      const g = new GraphMaker("Edges", ["N", "M"]);
      const x = g.input("x", [N]);
      const u = g.input("u", [M]);
      const s = g.state("s", []);
      const h = g.state("h", [N]);
      const W = g.param("W", [N, M]);
      // s accumulates a scalar; h' depends on the inputs only (a hoisted value read per step).
      g.next(s, g.ew("add", [g.ew("mul", [s, g.constant(0.5)]), g.ew("sum", [x])], "s'"));
      g.next(h, g.ew("tanh", [g.ew("add", [g.matmul(W, u), x])], "h'"));
      g.output("x_itself", x);
      g.output("old_h", h);
      g.output("old_s", s);
      g.output("s_times_u", g.ew("mul", [s, u]));
      return g;
    },
  },
  {
    name: "a cell without outputs (only final states)",
    make: () => {
      const g = new GraphMaker("Silent", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      g.next(h, g.ew("tanh", [g.ew("add", [h, x])], "h'"));
      return g;
    },
  },
  {
    name: "gradient-graph ops: outer, broadcast, max_mask, pad, sum of a matrix, const of a dimension",
    make: () => {
      const g = new GraphMaker("GradientOps", ["N", "M"]);
      const x = g.input("x", [N]);
      const h = g.state("h", [N]);
      const p = g.param("p", [M]);
      g.next(h, g.ew("tanh", [g.ew("add", [h, x])], "h'"));
      const hx = g.node("outer", [h, x], [N, N], {}, "hx");
      g.output("outer_state_input", hx);
      g.output("outer_param_state", g.node("outer", [p, h], [M, N]));
      g.output("outer_params", g.node("outer", [p, p], [M, M]));
      g.output("broadcast_batched", g.node("broadcast", [g.ew("sum", [h])], [N, M], { shape: [N, M] }));
      g.output("broadcast_vector", g.node("broadcast", [g.ew("max", [x])], [M], { shape: [M] }));
      g.output("broadcast_const", g.node("broadcast", [g.constant(1.5)], [N], { shape: [N] }));
      g.output("max_mask", g.node("max_mask", [h], [N]));
      g.output("max_mask_param", g.node("max_mask", [p], [M]));
      g.output("pad_vector", g.node("pad", [h], [N.add(M)], { start: M, end: M.add(N), shape: [N.add(M)] }));
      g.output("pad_matrix", g.node("pad", [hx], [N.add(Dim.const(2)), N], { start: Dim.const(1), end: N.add(Dim.const(1)), shape: [N.add(Dim.const(2)), N] }));
      g.output("sum_matrix", g.ew("sum", [hx]));
      g.output("scaled_by_dim", g.ew("mul", [h, g.node("const", [], [], { dim: N.add(M) })]));
      return g;
    },
  },
];
