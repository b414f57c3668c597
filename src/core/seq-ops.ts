/**
 * The operations of a model on whole sequences, and its losses: the kinds every level keys its
 * own table by — the checker's type rules (src/check/model-ops.ts), the generated module's forward
 * and vector–Jacobian products (src/runtime/model.ts, which cannot import this file and declares the
 * same union; src/backends/ts/model.ts proves the two equal), the ONNX emission
 * (src/backends/onnx/model.ts) and the tfjs oracle (src/verify/model-oracle.ts). Each table is a
 * `Record<Kind, Entry>`, so adding a kind here fails to compile until every level has its entry.
 */

/** Functions of sequences a model calls by name (`onehot(ids)`, `concat(a, b)`, `mean_over_time(h)`, `dropout(h, 0.3)`, …). */
export const SEQ_FUNCTIONS = ["onehot", "reverse", "concat", "last", "mean_over_time", "max_over_time", "dropout"] as const;
export type SeqFunction = (typeof SEQ_FUNCTIONS)[number];

/** Elementwise arithmetic between two sequences (or a sequence and a number), by operator. */
export const SEQ_ARITHMETIC = { "+": "add", "-": "sub", "*": "mul", "/": "div" } as const;
export type SeqArithmetic = (typeof SEQ_ARITHMETIC)[keyof typeof SEQ_ARITHMETIC];

/**
 * The elementwise functions of two operands (a `binary` node): the arithmetic operators and the
 * built-ins `max(a, b)`, `min(a, b)` (PyTorch's maximum/minimum; the same names as the IR's ops).
 */
export const SEQ_BINARY_BUILTINS = { max: "maximum", min: "minimum" } as const;
export type SeqBinaryFn = SeqArithmetic | (typeof SEQ_BINARY_BUILTINS)[keyof typeof SEQ_BINARY_BUILTINS];

/**
 * The elementwise built-ins of one operand a model applies to a sequence (a `unary` node; `neg` is
 * `-a`). Their names and conventions are the cell's (src/check/builtins.ts, src/ir/ops.ts):
 * `leaky_relu`/`elu` take an optional slope, `clamp` two bounds, `pow` an exponent, all numbers.
 */
export const SEQ_UNARY_FNS = [
  "neg", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign", "hard_sigmoid",
  "exp", "log", "sqrt", "abs", "clamp", "pow",
] as const;
export type SeqUnaryFn = (typeof SEQ_UNARY_FNS)[number];

/** The numbers a `unary` node carries: the slope of leaky_relu/elu, clamp's bounds, pow's exponent. */
export interface SeqUnaryAttrs {
  readonly alpha?: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly exponent?: number;
}

/**
 * Every sequence operation: what a model node other than its input and a layer's output computes.
 * `number` is a number operand of arithmetic (`0.5 * a`): one value broadcast to every step,
 * example and feature.
 */
export type SeqOp = SeqFunction | SeqBinaryFn | SeqUnaryFn | "number";

/** The loss functions of a `loss` line; the model's loss is the sum of its terms, each a mean. */
export const LOSSES = ["mse", "cross_entropy"] as const;
export type LossKind = (typeof LOSSES)[number];

/** The sequence operation a model node computes (`binary` and `unary` nodes carry theirs in `fn`). */
export function seqOpOf(node: { readonly op: string; readonly fn?: SeqBinaryFn | SeqUnaryFn }): SeqOp {
  return node.op === "binary" || node.op === "unary" ? node.fn! : (node.op as SeqFunction | "number");
}
