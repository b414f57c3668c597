/**
 * The IR's op set. Every op works on ONE example at ONE step (the cell's view); the back ends
 * add the batch and time loops. Shapes have rank 0 (scalar), 1 (vector) or 2 (matrix).
 */

/**
 * Elementwise functions of one argument. `step` (x > 0 ? 1 : 0) and `sign` exist for derivative
 * rules. `clamp` has attrs.lo ≤ attrs.hi (min(max(x, lo), hi)); `pow` has attrs.exponent.
 * `dropout` multiplies by mask number attrs.site of the example (drop probability attrs.p): in
 * training a mask drawn once per example for the whole sequence (variational dropout), else ones.
 */
export const UNARY_OPS = [
  "neg", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign", "hard_sigmoid",
  "exp", "log", "sqrt", "abs", "step", "sign", "clamp", "pow", "dropout",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/**
 * Elementwise functions of two arguments of equal shape, or one of them a scalar (rank 0).
 * `maximum`/`minimum` are `max(a, b)`/`min(a, b)`.
 */
export const BINARY_OPS = ["add", "sub", "mul", "div", "maximum", "minimum"] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** Reductions of a vector to a scalar (`sum` also of a matrix, in gradient graphs). */
export const REDUCE_OPS = ["sum", "mean", "max"] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export type OpKind =
  | "input" | "state" | "param" // leaves, attrs.name
  | "seed" //                      gradient graphs only: the adjoint arriving at a state' or an output (attrs.name)
  | "const" //                     scalar literal, attrs.value
  | "matmul" //                    [m,k]@[k] → [m]; [m,k]@[k,n] → [m,n]; [k]@[k,n] → [n]; attrs.transA/transB transpose a matrix operand
  | "outer" //                     [m] ⊗ [n] → [m,n]   (gradient of a matrix–vector product)
  | UnaryOp
  | BinaryOp
  | ReduceOp
  | "max_mask" //                  one-hot of the (first) maximum of a vector; gradient of max
  | "broadcast" //                 scalar → attrs.shape
  | "slice" //                     rows [attrs.start, attrs.end) of the first axis
  | "pad" //                       gradient of slice: zeros of attrs.shape with the input at rows [start, end)
  | "concat"; //                   along the first axis

export function isUnary(op: OpKind): op is UnaryOp {
  return (UNARY_OPS as readonly string[]).includes(op);
}
export function isBinary(op: OpKind): op is BinaryOp {
  return (BINARY_OPS as readonly string[]).includes(op);
}
export function isReduce(op: OpKind): op is ReduceOp {
  return (REDUCE_OPS as readonly string[]).includes(op);
}
export function isLeaf(op: OpKind): boolean {
  return op === "input" || op === "state" || op === "param" || op === "seed" || op === "const";
}

/** The unary ops that take a parameter, and its default. */
export const UNARY_DEFAULT_ALPHA: Partial<Record<UnaryOp, number>> = { leaky_relu: 0.01, elu: 1 };
