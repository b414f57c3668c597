import type { Node } from "../../../ir/graph.js";
import type { BinaryOp, OpKind, UnaryOp } from "../../../ir/ops.js";
import { ValType, type FunctionBuilder } from "../../wasm/encoder.js";
import type { VecMath } from "../../wasm/vmath.js";

/**
 * How every IR op runs in the WebAssembly kernels: a typed table, so a new op does not
 * compile until it has a lowering. Elementwise ops are f32x4 instruction sequences (their
 * arguments in v128 locals, the result left on the stack) fused into the loops of loops.ts;
 * the index ops (slice, pad, broadcast) are addressing; reductions are loop sinks; the rest
 * are kernels of their own (writer.ts).
 */
export type Emit = (f: FunctionBuilder, vm: VecMath, args: readonly number[], node: Node) => void;

export type Lowering =
  | { readonly kind: "leaf" }
  | { readonly kind: "map"; readonly emit: Emit }
  | { readonly kind: "index" }
  | { readonly kind: "reduce" }
  /**
   * An elementwise op with a second operand the writer supplies per row: dropout's mask (one row
   * per example, drawn by the runtime's generator; see writer.ts `mask`). `emit` gets (x, mask).
   */
  | { readonly kind: "masked"; readonly emit: Emit }
  /** A kernel of its own: a GEMM, a copy into a concat, a one-hot of the maximum, an outer product. */
  | { readonly kind: "kernel" };

/** Applies a VecMath routine (local in, local out) and pushes its result. */
const math = (fn: "exp" | "log" | "tanh" | "sigmoid" | "expm1" | "log1p") => (f: FunctionBuilder, vm: VecMath, [x]: readonly number[]) => {
  const out = f.local(ValType.v128);
  vm[fn](x!, out);
  f.get(out);
};

/** x > 0 ? x : other, per lane (a NaN takes `other`, as `x > 0` is false in JS too). */
const positiveOr = (other: (f: FunctionBuilder, vm: VecMath, x: number) => void): Emit => (f, vm, [x]) => {
  f.get(x!);
  other(f, vm, x!);
  f.get(x!).f32x4c(0).simd("f32x4.gt").simd("v128.bitselect");
};

const UNARY: Record<UnaryOp, Emit> = {
  neg: (f, _, [x]) => f.get(x!).simd("f32x4.neg"),
  sigmoid: math("sigmoid"),
  tanh: math("tanh"),
  relu: positiveOr((f) => f.f32x4c(0)),
  leaky_relu: (f, vm, a, node) => positiveOr((g, _, x) => g.get(x).f32x4c(node.attrs.alpha!).simd("f32x4.mul"))(f, vm, a, node),
  elu: (f, vm, a, node) =>
    positiveOr((g, m, x) => {
      const e = g.local(ValType.v128);
      m.expm1(x, e);
      g.get(e).f32x4c(node.attrs.alpha!).simd("f32x4.mul");
    })(f, vm, a, node),
  // max(x, 0) + log1p(exp(−|x|)): no overflow for large x, no loss for very negative x.
  softplus: (f, vm, [x]) => {
    const t = f.local(ValType.v128);
    f.get(x!).simd("f32x4.abs").simd("f32x4.neg").set(t);
    vm.exp(t, t);
    vm.log1p(t, t);
    f.get(x!).f32x4c(0).simd("f32x4.pmax").get(t).simd("f32x4.add");
  },
  softsign: (f, _, [x]) => f.get(x!).get(x!).simd("f32x4.abs").f32x4c(1).simd("f32x4.add").simd("f32x4.div"),
  // clamp(x/6 + 1/2, 0, 1), NaN kept.
  hard_sigmoid: (f, _, [x]) => f.get(x!).f32x4c(6).simd("f32x4.div").f32x4c(0.5).simd("f32x4.add").f32x4c(0).simd("f32x4.max").f32x4c(1).simd("f32x4.min"),
  exp: math("exp"),
  log: math("log"),
  sqrt: (f, _, [x]) => f.get(x!).simd("f32x4.sqrt"),
  abs: (f, _, [x]) => f.get(x!).simd("f32x4.abs"),
  step: (f, _, [x]) => f.get(x!).f32x4c(0).simd("f32x4.gt").f32x4c(1).simd("v128.and"),
  // min(max(x, lo), hi) with NaN kept, as Math.min/Math.max in the JS kernels.
  clamp: (f, _, [x], node) => f.get(x!).f32x4c(node.attrs.lo!).simd("f32x4.max").f32x4c(node.attrs.hi!).simd("f32x4.min"),
  pow: (f, vm, [x], node) => power(f, vm, x!, node.attrs.exponent!),
  // x times the example's mask (the second argument, supplied by the writer).
  dropout: (f, _, [x, mask]) => f.get(x!).get(mask!).simd("f32x4.mul"),
  sign: (f, _, [x]) => {
    f.get(x!).f32x4c(0).simd("f32x4.gt").f32x4c(1).simd("v128.and");
    f.get(x!).f32x4c(0).simd("f32x4.lt").f32x4c(-1).simd("v128.and");
    f.simd("v128.or");
  },
};

/**
 * x^k for a constant k, as Math.pow: a small integer k by repeated squaring (exact products), ½ as
 * sqrt, any other k as exp(k·log|x|) — with x's sign kept for an odd integer k, and NaN for a negative
 * x and a fractional k (log of a negative number is NaN).
 */
function power(f: FunctionBuilder, vm: VecMath, x: number, k: number): void {
  if (k === 0.5) { f.get(x).simd("f32x4.sqrt"); return; }
  if (Number.isInteger(k) && Math.abs(k) <= 16) {
    const acc = f.local(ValType.v128), base = f.local(ValType.v128);
    f.f32x4c(1).set(acc);
    f.get(x).set(base);
    for (let e = Math.abs(k); e > 0; e >>= 1) {
      if (e & 1) f.get(acc).get(base).simd("f32x4.mul").set(acc);
      if (e > 1) f.get(base).get(base).simd("f32x4.mul").set(base);
    }
    if (k < 0) f.f32x4c(1).get(acc).simd("f32x4.div");
    else f.get(acc);
    return;
  }
  const t = f.local(ValType.v128);
  f.get(x);
  if (Number.isInteger(k)) f.simd("f32x4.abs");
  f.set(t);
  vm.log(t, t);
  f.get(t).f32x4c(k).simd("f32x4.mul").set(t);
  vm.exp(t, t);
  if (Number.isInteger(k) && k % 2 !== 0) {
    // Copy x's sign bit onto |x|^k.
    f.get(t).i32x4c(0x7fffffff).simd("v128.and").get(x).i32x4c(-0x80000000).simd("v128.and").simd("v128.or");
  } else {
    f.get(t);
  }
}

const binary = (op: "f32x4.add" | "f32x4.sub" | "f32x4.mul" | "f32x4.div" | "f32x4.max" | "f32x4.min"): Emit => (f, _, [a, b]) => f.get(a!).get(b!).simd(op);
const BINARY: Record<BinaryOp, Emit> = {
  add: binary("f32x4.add"),
  sub: binary("f32x4.sub"),
  mul: binary("f32x4.mul"),
  div: binary("f32x4.div"),
  // NaN propagates and −0 < +0, as Math.max/Math.min.
  maximum: binary("f32x4.max"),
  minimum: binary("f32x4.min"),
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
  neg: map(UNARY.neg), sigmoid: map(UNARY.sigmoid), tanh: map(UNARY.tanh), relu: map(UNARY.relu),
  leaky_relu: map(UNARY.leaky_relu), elu: map(UNARY.elu), softplus: map(UNARY.softplus), softsign: map(UNARY.softsign),
  hard_sigmoid: map(UNARY.hard_sigmoid), exp: map(UNARY.exp), log: map(UNARY.log), sqrt: map(UNARY.sqrt),
  abs: map(UNARY.abs), step: map(UNARY.step), sign: map(UNARY.sign), clamp: map(UNARY.clamp), pow: map(UNARY.pow),
  dropout: { kind: "masked", emit: UNARY.dropout },
  add: map(BINARY.add), sub: map(BINARY.sub), mul: map(BINARY.mul), div: map(BINARY.div),
  maximum: map(BINARY.maximum), minimum: map(BINARY.minimum),
  sum: { kind: "reduce" },
  mean: { kind: "reduce" },
  max: { kind: "reduce" },
  max_mask: { kind: "kernel" },
  broadcast: { kind: "index" },
  slice: { kind: "index" },
  pad: { kind: "index" },
  concat: { kind: "kernel" },
};

/** The f32x4 instructions of an elementwise op (a masked op's take the mask as a second argument). */
export function mapOf(node: Node): Emit {
  const l = LOWERING[node.op];
  if (l.kind !== "map" && l.kind !== "masked") throw new Error(`internal: ${node.op} is not elementwise`);
  return l.emit;
}
