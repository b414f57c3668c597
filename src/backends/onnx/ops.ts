/**
 * The emission table: one entry per IR op, turning a node of the per-example step graph into
 * ONNX nodes over a batch. A batched value [B, …shape] sits next to unbatched ones (params,
 * constants: just `shape`); ONNX broadcasting lines them up except where noted.
 */
import type { Node } from "../../ir/graph.js";
import { UNARY_DEFAULT_ALPHA, type OpKind, type UnaryOp } from "../../ir/ops.js";
import { OnnxExportError } from "./errors.js";
import { matmul } from "./matmul.js";
import { attr, type AttrValue } from "./proto.js";
import type { Region, Val } from "./region.js";

export type Emitter = (region: Region, node: Node, args: readonly Val[]) => Val;

/** Per-example shape → axis of the same dimension in the ONNX tensor. */
function axis(v: Val, perExampleAxis: number): number {
  return v.batched ? perExampleAxis + 1 : perExampleAxis;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** The unary ops that map to one ONNX op with fixed attributes. */
const SIMPLE_UNARY: Partial<Record<UnaryOp, string>> = {
  neg: "Neg", sigmoid: "Sigmoid", tanh: "Tanh", relu: "Relu", softplus: "Softplus", softsign: "Softsign",
  exp: "Exp", log: "Log", sqrt: "Sqrt", abs: "Abs", sign: "Sign",
};

function unary(op: UnaryOp): Emitter {
  return (r, node, [x]) => {
    const v = x!;
    const same = (name: string): Val => ({ name, batched: v.batched, shape: v.shape });
    const simple = SIMPLE_UNARY[op];
    if (simple) return same(r.emit(simple, [v.name]));
    switch (op) {
      case "leaky_relu":
      case "elu":
        return same(r.emit(op === "elu" ? "Elu" : "LeakyRelu", [v.name], { alpha: attr.float(node.attrs.alpha ?? UNARY_DEFAULT_ALPHA[op]!) }));
      case "hard_sigmoid":
        // PyTorch's hardsigmoid: clamp(x/6 + 1/2, 0, 1) — ONNX's HardSigmoid with these constants.
        return same(r.emit("HardSigmoid", [v.name], { alpha: attr.float(1 / 6), beta: attr.float(0.5) }));
      case "clamp":
        // Clip takes its bounds as attributes before opset 11 and as inputs from 11 on.
        return same(
          r.opset >= 11
            ? r.emit("Clip", [v.name, r.model.floatScalar(node.attrs.lo!), r.model.floatScalar(node.attrs.hi!)])
            : r.emit("Clip", [v.name], { min: attr.float(node.attrs.lo!), max: attr.float(node.attrs.hi!) }),
        );
      case "pow":
        return same(r.emit("Pow", [v.name, r.model.floatScalar(node.attrs.exponent!)]));
      case "step": {
        const positive = r.emit("Greater", [v.name, r.model.floatScalar(0)], {}, "positive");
        return same(r.emit("Cast", [positive], { to: attr.int(1) }));
      }
      default:
        throw new Error(`internal: unary op ${op} has no ONNX emission`);
    }
  };
}

/**
 * Elementwise binary: equal per-example shapes, or one side a scalar. A batched scalar is [B],
 * which would align with the LAST axis of a batched vector, so it is unsqueezed to [B, 1, …].
 */
function binary(onnxOp: string): Emitter {
  return (r, _node, [a, b]) => {
    const left = a!;
    const right = b!;
    const lift = (s: Val, other: Val, role: string): string =>
      s.batched && s.shape.length === 0 && other.shape.length > 0 ? r.unsqueeze(s.name, range(1, other.shape.length + 1), role) : s.name;
    const shape = left.shape.length >= right.shape.length ? left.shape : right.shape;
    const name = r.emit(onnxOp, [lift(left, right, "lhs"), lift(right, left, "rhs")]);
    return { name, batched: left.batched || right.batched, shape };
  };
}

/** Reduces every per-example axis (a vector; `sum` also a matrix in gradient graphs). */
function reduce(onnxOp: string): Emitter {
  return (r, _node, [x]) => {
    const v = x!;
    const name = r.axesOp(onnxOp, v.name, v.shape.map((_, i) => axis(v, i)), { keepdims: attr.int(0) }, "");
    return { name, batched: v.batched, shape: [] };
  };
}

/** Rows [start, end) of the first per-example axis. */
const slice: Emitter = (r, node, [x]) => {
  const v = x!;
  const dims = r.dims;
  const start = node.attrs.start!.evaluate(dims);
  const end = node.attrs.end!.evaluate(dims);
  const name = r.emit("Slice", [v.name, r.model.int64([start]), r.model.int64([end]), r.model.int64([axis(v, 0)])]);
  return { name, batched: v.batched, shape: [end - start, ...v.shape.slice(1)] };
};

/** Gradient of slice: zeros of attrs.shape with the input at rows [start, end). */
const pad: Emitter = (r, node, [x]) => {
  const v = x!;
  const shape = node.attrs.shape!.map((d) => d.evaluate(r.dims));
  const start = node.attrs.start!.evaluate(r.dims);
  const end = node.attrs.end!.evaluate(r.dims);
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  const lead = v.batched ? [0] : [];
  // ONNX pads: every axis's leading amount, then every axis's trailing amount.
  const pads = [...lead, start, ...zeros(shape.length - 1), ...lead, shape[0]! - end, ...zeros(shape.length - 1)];
  const name = r.opset >= 11 ? r.emit("Pad", [v.name, r.model.int64(pads)]) : r.emit("Pad", [v.name], { pads: attr.ints(pads) });
  return { name, batched: v.batched, shape };
};

/** Along the first per-example axis; unbatched operands are expanded to the batch first. */
const concat: Emitter = (r, _node, args) => {
  const batched = args.some((v) => v.batched);
  const parts = args.map((v, i) =>
    batched && !v.batched ? r.emit("Expand", [v.name, r.batchShape(v.shape.length)], {}, `expand${i}`) : v.name,
  );
  const rows = args.reduce((s, v) => s + v.shape[0]!, 0);
  const name = r.emit("Concat", parts, { axis: attr.int(batched ? 1 : 0) });
  return { name, batched, shape: [rows, ...args[0]!.shape.slice(1)] };
};

/** [m] ⊗ [n] → [m,n] as [m,1] · [1,n] (gradient graphs only). */
const outer: Emitter = (r, _node, [a, b]) => {
  const left = a!;
  const right = b!;
  const column = r.unsqueeze(left.name, [axis(left, 1)], "column");
  const row = r.unsqueeze(right.name, [axis(right, 0)], "row");
  return { name: r.emit("Mul", [column, row]), batched: left.batched || right.batched, shape: [left.shape[0]!, right.shape[0]!] };
};

/** Scalar → attrs.shape (gradient graphs only). */
const broadcast: Emitter = (r, node, [s]) => {
  const v = s!;
  const shape = node.attrs.shape!.map((d) => d.evaluate(r.dims));
  if (!v.batched) return { name: r.emit("Expand", [v.name, r.model.int64(shape)]), batched: false, shape };
  const lifted = shape.length > 0 ? r.unsqueeze(v.name, range(1, shape.length + 1), "lift") : v.name;
  return { name: r.emit("Expand", [lifted, r.model.int64([1, ...shape])]), batched: true, shape };
};

/** One-hot of the first maximum of a vector: ArgMax (first index on ties) compared with 0…n−1. */
const maxMask: Emitter = (r, _node, [x]) => {
  const v = x!;
  const n = v.shape[0]!;
  const index = r.emit("ArgMax", [v.name], { axis: attr.int(axis(v, 0)), keepdims: attr.int(1) }, "argmax");
  const hit = r.emit("Equal", [r.model.int64(range(0, n)), index], {}, "one_hot");
  return { name: r.emit("Cast", [hit], { to: attr.int(1) }), batched: v.batched, shape: v.shape };
};

const leaf: Emitter = (r, node) => r.value(node);

/** A literal, or (gradient graphs) a dimension's value such as mean's n. */
const constant: Emitter = (r, node) => ({
  name: r.model.floatScalar(node.attrs.dim ? node.attrs.dim.evaluate(r.dims) : node.attrs.value ?? 0),
  batched: false,
  shape: [],
});

/** Gradient graphs' adjoint leaves have no place in a forward model. */
const seed: Emitter = (_r, node) => {
  throw new OnnxExportError(`the ONNX back end exports forward graphs; this graph has the gradient-only leaf \`seed\` (${node.attrs.name ?? "unnamed"})`);
};

/** Every IR op, forward and gradient-only; a missing entry is a compile error here. */
export const EMITTERS: Readonly<Record<OpKind, Emitter>> = {
  input: leaf, state: leaf, param: leaf, const: constant, seed,
  matmul, outer, slice, pad, concat, broadcast, max_mask: maxMask,
  neg: unary("neg"), sigmoid: unary("sigmoid"), tanh: unary("tanh"), relu: unary("relu"),
  leaky_relu: unary("leaky_relu"), elu: unary("elu"), softplus: unary("softplus"), softsign: unary("softsign"),
  hard_sigmoid: unary("hard_sigmoid"), exp: unary("exp"), log: unary("log"), sqrt: unary("sqrt"),
  abs: unary("abs"), step: unary("step"), sign: unary("sign"),
  add: binary("Add"), sub: binary("Sub"), mul: binary("Mul"), div: binary("Div"),
  maximum: binary("Max"), minimum: binary("Min"), clamp: unary("clamp"), pow: unary("pow"),
  // An exported model is for inference, where dropout is the identity.
  dropout: (r, _node, [x]) => ({ ...x!, name: r.emit("Identity", [x!.name]) }),
  sum: reduce("ReduceSum"), mean: reduce("ReduceMean"), max: reduce("ReduceMax"),
};

/**
 * The slices that, together with `node`, cut one value's first axis into consecutive parts from
 * its start to its end — what `let [i, f, g, o] = split(v, 4)` lowers to — or undefined.
 */
function splitParts(node: Node, nodes: readonly Node[], dims: Readonly<Record<string, number>>): Node[] | undefined {
  const source = node.inputs[0]!;
  const parts = nodes.filter((n) => n.op === "slice" && n.inputs[0] === source);
  if (parts.length < 2) return undefined;
  const bounds = parts.map((n) => ({ n, start: n.attrs.start!.evaluate(dims), end: n.attrs.end!.evaluate(dims) })).sort((a, b) => a.start - b.start || a.end - b.end);
  const length = nodes[source]!.shape[0]!.evaluate(dims);
  let at = 0;
  for (const b of bounds) {
    if (b.start !== at || b.end <= b.start) return undefined;
    at = b.end;
  }
  return at === length ? bounds.map((b) => b.n) : undefined;
}

/**
 * One ONNX Split for all the parts of a `split` (instead of a Slice each, with its three index
 * constants): fewer nodes per step, which is what an unrolled graph's speed depends on.
 */
function emitSplit(region: Region, parts: readonly Node[], nodes: readonly Node[]): void {
  const v = region.value(nodes[parts[0]!.inputs[0]!]!);
  const dims = region.dims;
  const sizes = parts.map((p) => p.attrs.end!.evaluate(dims) - p.attrs.start!.evaluate(dims));
  const names = parts.map((p) => `${region.prefix}${p.label ?? p.op}_${p.id}`);
  const source = nodes[parts[0]!.inputs[0]!]!;
  const splitAxis = axis(v, 0);
  const inputs = region.opset >= 13 ? [v.name, region.model.int64(sizes)] : [v.name];
  const attrs: Record<string, AttrValue> = region.opset >= 13 ? { axis: attr.int(splitAxis) } : { axis: attr.int(splitAxis), split: attr.ints(sizes) };
  region.withNode(parts[0]!, () =>
    region.emitNamed("Split", inputs, `split_${source.label ?? source.op}_${source.id}`, region.model.locate(parts[0]!), attrs, names),
  );
  parts.forEach((p, i) => {
    const part: Val = { name: names[i]!, batched: v.batched, shape: [sizes[i]!, ...v.shape.slice(1)] };
    region.values.set(p.id, part);
    region.declare(part);
  });
}

/**
 * `W @ v + c` for a batch of vectors v as one Gemm(v, W, c) (transB): when the product's only
 * reader is the add (`gemmAdds`) and c broadcasts as Gemm's C does ([m], a scalar, or [B, m]).
 * Returns the add's value, or undefined when the pattern does not apply.
 */
function emitGemmAdd(region: Region, product: Node, add: Node, nodes: readonly Node[]): Val | undefined {
  const [w, v] = product.inputs.map((i) => region.value(nodes[i]!));
  const otherId = add.inputs[0] === product.id ? add.inputs[1]! : add.inputs[0]!;
  const c = region.value(nodes[otherId]!);
  const m = w!.shape[product.attrs.transA === true ? 1 : 0];
  const gemm = w!.shape.length === 2 && v!.shape.length === 1 && !w!.batched && v!.batched;
  const broadcasts = (c.shape.length === 1 && c.shape[0] === m) || (c.shape.length === 0 && !c.batched);
  if (!gemm || !broadcasts || m === undefined) return undefined;
  const name = region.withNode(add, () => region.emit("Gemm", [v!.name, w!.name, c.name], { transB: attr.int(product.attrs.transA === true ? 0 : 1) }));
  return { name, batched: true, shape: [m] };
}

/** Emits one IR node in `region`, reading its inputs' values there. */
export function emitNode(region: Region, node: Node, nodes: readonly Node[], gemmAdds?: ReadonlyMap<number, number>): Val {
  const addId = node.op === "matmul" ? gemmAdds?.get(node.id) : undefined;
  if (addId !== undefined) {
    const add = nodes[addId]!;
    const fused = emitGemmAdd(region, node, add, nodes);
    if (fused) {
      // The add is done; the product itself has no other reader and no value of its own.
      region.values.set(add.id, fused);
      region.declare(fused);
      return fused;
    }
  }
  if (node.op === "add") {
    const done = region.values.get(node.id);
    if (done) return done;
  }
  if (node.op === "slice") {
    const done = region.values.get(node.id);
    if (done) return done;
    const parts = splitParts(node, nodes, region.dims);
    if (parts) {
      emitSplit(region, parts, nodes);
      return region.values.get(node.id)!;
    }
  }
  const args = node.inputs.map((i) => region.value(nodes[i]!));
  const v = region.withNode(node, () => EMITTERS[node.op](region, node, args));
  region.values.set(node.id, v);
  region.declare(v);
  return v;
}
