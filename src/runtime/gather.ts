// Integer ids in place of one-hot vectors: a matrix product whose right operand is a one-hot
// vector is one column (or row) of the matrix. The generated kernels call these for a cell input
// every reader of which is `W @ x` (src/ir/id-inputs.ts): O(E) per token, not O(V·E).

/**
 * The ids of a [T, B] sequence for a cell: each valid step's id must be an integer in [0, size);
 * a step past its example's length is not read (it may hold anything) and becomes −1, which the
 * gather reads as a zero vector and the scatter-add skips — exactly what its one-hot row (zero
 * past the length) contributes.
 */
export function idRows(where: string, name: string, value: unknown, T: number, B: number, size: number, lengths: Int32Array | undefined): Int32Array {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) throw new Error(`${where}: ${name} must be an array of ${T * B} integer ids (steps ${T} × batch ${B}), received ${value === null ? "null" : typeof value}`);
  const arr = value as ArrayLike<number>;
  if (arr.length !== T * B) throw new Error(`${where}: ${name} must have length ${T * B} (steps ${T} × batch ${B} ids), received length ${arr.length}`);
  const out = new Int32Array(T * B);
  for (let r = 0; r < T * B; r++) {
    if (lengths !== undefined && Math.floor(r / B) >= lengths[r % B]!) {
      out[r] = -1;
      continue;
    }
    const v = arr[r];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= size) throw new Error(`${where}: ${name}[${r}] must be an integer id between 0 and ${size - 1}, received ${String(arr[r])}`);
    out[r] = v;
  }
  return out;
}

/**
 * out[oOff + r·ldo + j] = t[tOff + id_r·idStride + j·jStride] for r < n, j < e, with
 * id_r = ids[idsOff + r]; a negative id gives zeros. `W @ onehot(id)` for W [e×V] is
 * (idStride 1, jStride V); `Wᵀ @ onehot(id)` for W [V×e] is (idStride e, jStride 1).
 */
export function gatherIds(n: number, ids: Int32Array, idsOff: number, t: ArrayLike<number>, tOff: number, idStride: number, jStride: number, e: number, out: Float32Array | Float64Array, oOff: number, ldo: number): void {
  for (let r = 0; r < n; r++) {
    const id = ids[idsOff + r]!;
    const o = oOff + r * ldo;
    if (id < 0) {
      out.fill(0, o, o + e);
      continue;
    }
    const s = tOff + id * idStride;
    for (let j = 0; j < e; j++) out[o + j] = t[s + j * jStride]!;
  }
}

/**
 * The gather's transpose, summed over rows in order r = 0…n−1 (deterministic):
 * t[tOff + id_r·idStride + j·jStride] += g[gOff + r·ldg + j]; a negative id adds nothing.
 */
export function scatterAddIds(n: number, ids: Int32Array, idsOff: number, g: ArrayLike<number>, gOff: number, ldg: number, e: number, t: Float32Array | Float64Array, tOff: number, idStride: number, jStride: number): void {
  for (let r = 0; r < n; r++) {
    const id = ids[idsOff + r]!;
    if (id < 0) continue;
    const s = tOff + id * idStride;
    const o = gOff + r * ldg;
    for (let j = 0; j < e; j++) t[s + j * jStride]! += g[o + j]!;
  }
}

/**
 * Copies into `dst` (zeros) the parts of `src` the ids touched: row id of a [v×e] table
 * (`rows`), else column id of an [e×v] one; ids outside [0, v) (−1 past a length) touch nothing.
 * A gradient made only of scatter-adds is zero elsewhere, so a vocabulary of 10,000 costs the
 * rows the batch used, not V·E floats copied (and as many pages of a fresh array faulted in).
 */
export function copyTouched(dst: Float32Array | Float64Array, src: ArrayLike<number>, ids: Int32Array, rows: boolean, v: number, e: number): void {
  const seen = new Uint8Array(v);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r]!;
    if (id < 0 || id >= v || seen[id] === 1) continue;
    seen[id] = 1;
    if (rows) {
      for (let j = 0, o = id * e; j < e; j++) dst[o + j] = src[o + j]!;
    } else {
      for (let j = 0, o = id; j < e; j++, o += v) dst[o] = src[o]!;
    }
  }
}
