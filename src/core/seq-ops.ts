/**
 * The operations of a model on whole sequences, and its losses: the kinds every level keys its
 * own table by — the checker's type rules (src/check/model-ops.ts), the generated module's forward
 * and vector–Jacobian products (src/runtime/model.ts, which cannot import this file and declares the
 * same union; src/backends/ts/model.ts proves the two equal), the ONNX emission
 * (src/backends/onnx/model.ts) and the tfjs oracle (src/verify/model-oracle.ts). Each table is a
 * `Record<Kind, Entry>`, so adding a kind here fails to compile until every level has its entry.
 */

/** Functions of sequences a model calls by name (`onehot(ids)`, `concat(a, b)`, …). */
export const SEQ_FUNCTIONS = ["onehot", "reverse", "concat", "last", "dropout"] as const;
export type SeqFunction = (typeof SEQ_FUNCTIONS)[number];

/** Elementwise arithmetic between two sequences of one width and timing, by operator. */
export const SEQ_ARITHMETIC = { "+": "add", "-": "sub", "*": "mul" } as const;
export type SeqArithmetic = (typeof SEQ_ARITHMETIC)[keyof typeof SEQ_ARITHMETIC];

/** Every sequence operation: what a model node other than its input and a layer's output computes. */
export type SeqOp = SeqFunction | SeqArithmetic;

/** The loss functions of a `loss` line; the model's loss is the sum of its terms, each a mean. */
export const LOSSES = ["mse", "cross_entropy"] as const;
export type LossKind = (typeof LOSSES)[number];

/** The sequence operation a model node computes (`binary` nodes carry theirs in `fn`). */
export function seqOpOf(node: { readonly op: string; readonly fn?: SeqArithmetic }): SeqOp {
  return node.op === "binary" ? node.fn! : (node.op as SeqFunction);
}
