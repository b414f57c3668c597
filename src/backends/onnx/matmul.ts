/**
 * The matrix product over a batch: which of Gemm and MatMul, on which operand order, with which
 * unsqueezes, for each placement of the batch axis (on the matrix, the vector, both, neither).
 */
import type { Emitter } from "./ops.js";
import { attr } from "./proto.js";
import type { Region, Val } from "./region.js";

/** A matrix operand read transposed: Transpose of its last two axes (batched or not). */
function transposed(r: Region, m: Val, role: string): string {
  return r.emit("Transpose", [m.name], { perm: attr.ints(m.batched ? [0, 2, 1] : [1, 0]) }, role);
}

/**
 * [m,k]@[k]→[m], [m,k]@[k,n]→[m,n], [k]@[k,n]→[n]; `transA`/`transB` read a matrix operand
 * transposed. The common case — a param matrix times a batch of vectors — is one Gemm with the
 * weight as stored; the rest is MatMul, whose broadcasting handles a batch on either side.
 */
export const matmul: Emitter = (r, node, [a, b]) => {
  const left = a!;
  const right = b!;
  const transA = node.attrs.transA === true && left.shape.length === 2;
  const transB = node.attrs.transB === true && right.shape.length === 2;
  const batched = left.batched || right.batched;
  const out = (name: string, shape: readonly number[]): Val => ({ name, batched, shape });
  const [lr, rr] = [left.shape.length, right.shape.length];
  if (lr === 2 && rr === 1) {
    const m = transA ? left.shape[1]! : left.shape[0]!;
    if (!left.batched && right.batched) {
      // W @ v for a batch of v is v · Wᵀ: Gemm reads W as stored (transB), no copy of W.
      return out(r.emit("Gemm", [right.name, left.name], { transB: attr.int(transA ? 0 : 1) }), [m]);
    }
    if (!right.batched) {
      // [m,k]@[k] (or, transposed, [k]@[k,m]); MatMul broadcasts over a batched matrix.
      return out(r.emit("MatMul", transA ? [right.name, left.name] : [left.name, right.name]), [m]);
    }
    // Both batched: a batch of matrices times a batch of vectors, as [B,m,k]@[B,k,1].
    if (transA) {
      const row = r.unsqueeze(right.name, [1], "row");
      return out(r.squeeze(r.emit("MatMul", [row, left.name], {}, "product"), [1], ""), [m]);
    }
    const column = r.unsqueeze(right.name, [2], "column");
    return out(r.squeeze(r.emit("MatMul", [left.name, column], {}, "product"), [2], ""), [m]);
  }
  if (lr === 1 && rr === 2) {
    const n = transB ? right.shape[0]! : right.shape[1]!;
    if (transB && left.batched && !right.batched) return out(r.emit("Gemm", [left.name, right.name], { transB: attr.int(1) }), [n]);
    const rhs = transB ? transposed(r, right, "transposed") : right.name;
    if (left.batched && right.batched) {
      const row = r.unsqueeze(left.name, [1], "row");
      return out(r.squeeze(r.emit("MatMul", [row, rhs], {}, "product"), [1], ""), [n]);
    }
    return out(r.emit("MatMul", [left.name, rhs]), [n]);
  }
  if (lr === 2 && rr === 2) {
    const m = transA ? left.shape[1]! : left.shape[0]!;
    const n = transB ? right.shape[0]! : right.shape[1]!;
    const lhs = transA ? transposed(r, left, "transposed_a") : left.name;
    const rhs = transB ? transposed(r, right, "transposed_b") : right.name;
    return out(r.emit("MatMul", [lhs, rhs]), [m, n]);
  }
  throw new Error(`internal: matmul of ranks ${lr} and ${rr}`);
};
