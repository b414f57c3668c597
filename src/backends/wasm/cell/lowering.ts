import type { Node } from "../../../ir/graph.js";
import type { BinaryOp, OpKind, UnaryOp } from "../../../ir/ops.js";
import type { FunctionBody } from "./asm.js";
import { VMATH } from "./vmath.js";

/**
 * How every IR op runs in the WebAssembly kernels: a typed table, so a new op does not
 * compile until it has a lowering. Elementwise ops are f32x4 instruction sequences (their
 * argument(s) on the stack, the result left there) fused into the loops of loops.ts; the
 * index ops (slice, pad, broadcast) are addressing; the rest are loops or kernels of their own.
 */
export type Lowering =
  | { readonly kind: "leaf" }
  | { readonly kind: "map"; readonly emit: (f: FunctionBody, node: Node) => void }
  | { readonly kind: "index" }
  | { readonly kind: "reduce" }
  /** A kernel of its own (see writer.ts): a GEMM, a copy into a concat, a one-hot, an outer product. */
  | { readonly kind: "kernel" };

type Emit = (f: FunctionBody, node: Node) => void;

/** x (on the stack) into a fresh local; returns it. */
function hold(f: FunctionBody) {
  const x = f.local("v128");
  f.set(x);
  return x;
}

/** cond ? x : other, per lane; `other` pushes its value. */
function where(f: FunctionBody, cond: (x: ReturnType<typeof hold>) => void, other: (x: ReturnType<typeof hold>) => void): void {
  const x = hold(f);
  f.get(x);
  other(x);
  cond(x);
  f.simd("bitselect");
}

const gtZero = (f: FunctionBody) => (x: ReturnType<typeof hold>) => f.get(x).f32x4(0).simd("f32x4_gt");

/** log(1 + u) for u ≥ 0, exact for tiny u (Goldberg's trick: log(w)·u / (w − 1), w = 1 + u). */
function log1p(f: FunctionBody): void {
  const u = hold(f);
  const w = f.local("v128");
  f.get(u).f32x4(1).simd("f32x4_add").set(w);
  f.get(w);
  VMATH.log(f);
  f.get(u).simd("f32x4_mul").get(w).f32x4(1).simd("f32x4_sub").simd("f32x4_div");
  f.get(u);
  f.get(w).f32x4(1).simd("f32x4_ne");
  f.simd("bitselect");
}

const UNARY: Record<UnaryOp, Emit> = {
  neg: (f) => f.simd("f32x4_neg"),
  sigmoid: (f) => VMATH.sigmoid(f),
  tanh: (f) => VMATH.tanh(f),
  relu: (f) => where(f, gtZero(f), () => f.f32x4(0)),
  leaky_relu: (f, n) => where(f, gtZero(f), (x) => f.get(x).f32x4(n.attrs.alpha!).simd("f32x4_mul")),
  elu: (f, n) =>
    where(f, gtZero(f), (x) => {
      f.get(x);
      VMATH.exp(f);
      f.f32x4(1).simd("f32x4_sub").f32x4(n.attrs.alpha!).simd("f32x4_mul");
    }),
  // max(x, 0) + log1p(exp(−|x|)): no overflow for large x, no loss for very negative x.
  softplus: (f) => {
    const x = hold(f);
    f.get(x).f32x4(0).simd("f32x4_pmax");
    f.get(x).simd("f32x4_abs").simd("f32x4_neg");
    VMATH.exp(f);
    log1p(f);
    f.simd("f32x4_add");
  },
  softsign: (f) => {
    const x = hold(f);
    f.get(x).get(x).simd("f32x4_abs").f32x4(1).simd("f32x4_add").simd("f32x4_div");
  },
  // clamp(x/6 + 1/2, 0, 1), NaN kept.
  hard_sigmoid: (f) => f.f32x4(6).simd("f32x4_div").f32x4(0.5).simd("f32x4_add").f32x4(0).simd("f32x4_max").f32x4(1).simd("f32x4_min"),
  exp: (f) => VMATH.exp(f),
  log: (f) => VMATH.log(f),
  sqrt: (f) => f.simd("f32x4_sqrt"),
  abs: (f) => f.simd("f32x4_abs"),
  step: (f) => f.f32x4(0).simd("f32x4_gt").f32x4(1).simd("and"),
  sign: (f) => {
    const x = hold(f);
    f.get(x).f32x4(0).simd("f32x4_gt").f32x4(1).simd("and");
    f.get(x).f32x4(0).simd("f32x4_lt").f32x4(-1).simd("and");
    f.simd("or");
  },
};

const BINARY: Record<BinaryOp, Emit> = {
  add: (f) => f.simd("f32x4_add"),
  sub: (f) => f.simd("f32x4_sub"),
  mul: (f) => f.simd("f32x4_mul"),
  div: (f) => f.simd("f32x4_div"),
};

const map = (emit: Emit): Lowering => ({ kind: "map", emit });

export const LOWERING: Record<OpKind, Lowering> = {
  input: { kind: "leaf" },
  state: { kind: "leaf" },
  param: { kind: "leaf" },
  seed: { kind: "leaf" },
  const: { kind: "leaf" },
  matmul: { kind: "kernel" },
  outer: { kind: "kernel" },
  ...(Object.fromEntries(Object.entries(UNARY).map(([k, e]) => [k, map(e)])) as Record<UnaryOp, Lowering>),
  ...(Object.fromEntries(Object.entries(BINARY).map(([k, e]) => [k, map(e)])) as Record<BinaryOp, Lowering>),
  sum: { kind: "reduce" },
  mean: { kind: "reduce" },
  max: { kind: "reduce" },
  max_mask: { kind: "kernel" },
  broadcast: { kind: "index" },
  slice: { kind: "index" },
  pad: { kind: "index" },
  concat: { kind: "kernel" },
};

/** The f32x4 instructions of an elementwise op. */
export function mapOf(node: Node): Emit {
  const l = LOWERING[node.op];
  if (l.kind !== "map") throw new Error(`internal: ${node.op} is not elementwise`);
  return l.emit;
}
