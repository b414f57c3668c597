/**
 * The cells' PyTorch-layout params repacked for ONNX's LSTM and GRU operators, which stack the
 * same gates in another order and add a leading num_directions axis of 1:
 *   LSTM  PyTorch rows i, f, g, o  →  ONNX i, o, f, c  (g is ONNX's c);
 *   GRU   PyTorch rows r, z, n     →  ONNX z, r, h     (n is ONNX's h).
 * W [1, G·H, I] from W_ih, R [1, G·H, H] from W_hh, B [1, 2·G·H] = [b_ih; b_hh], each reordered.
 */

/**
 * `values` holds `order.length` blocks of `rows` rows of `cols` numbers each (row-major); the
 * result holds block `order[0]`, then block `order[1]`, … — one gate block per ONNX gate.
 */
export function reorderGateBlocks(values: Float32Array, rows: number, cols: number, order: readonly number[]): Float32Array {
  const block = rows * cols;
  if (values.length !== block * order.length) throw new Error(`internal: ${values.length} numbers are not ${order.length} gate blocks of [${rows}, ${cols}]`);
  const out = new Float32Array(values.length);
  order.forEach((from, to) => out.set(values.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

/** `[first; second]` in one array (B = [W_b; R_b]). */
export function concatenate(first: Float32Array, second: Float32Array): Float32Array {
  const out = new Float32Array(first.length + second.length);
  out.set(first, 0);
  out.set(second, first.length);
  return out;
}
