/**
 * Element-wise comparison of two arrays with one error measure used everywhere in the
 * verifier, so that every number in a report means the same thing:
 *
 *   rel(a, b) = |a − b| / max(|a|, |b|, floor)
 *
 * i.e. a relative error for values larger than `floor` and an absolute error scaled by
 * 1/floor below it (a gradient of 1e-9 computed as 0 is not a failure; one of 1e-2 is).
 * A comparison passes iff the largest rel is ≤ `rel`. NaN or a mismatched infinity is an
 * infinite error.
 */
export interface Tolerance {
  /** Largest allowed relative error. */
  readonly rel: number;
  /** Below this magnitude errors count as absolute (divided by `floor`). */
  readonly floor: number;
}

/** How one array compares with its reference. */
export interface Comparison {
  readonly maxAbs: number;
  readonly maxRel: number;
  /** Flat index of the element with the largest rel (−1 when nothing was compared). */
  readonly worstIndex: number;
  readonly actual: number;
  readonly expected: number;
  /** Elements compared. */
  readonly checked: number;
  readonly tolerance: Tolerance;
  readonly pass: boolean;
}

/** rel(a, b) as defined above. */
export function relativeError(a: number, b: number, floor: number): number {
  if (a === b) return 0; // equal infinities included
  const diff = Math.abs(a - b);
  if (!Number.isFinite(diff)) return Infinity;
  return diff / Math.max(Math.abs(a), Math.abs(b), floor);
}

/**
 * Compares `actual` with `expected` at `indices` (all elements when absent). The arrays
 * must have equal lengths (callers validate sizes first).
 */
export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  indices?: readonly number[],
): Comparison {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = -1;
  const count = indices?.length ?? expected.length;
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k]! : k;
    const a = actual[i]!;
    const b = expected[i]!;
    const rel = relativeError(a, b, tolerance.floor);
    const abs = a === b ? 0 : Number.isFinite(a - b) ? Math.abs(a - b) : Infinity;
    if (abs > maxAbs) maxAbs = abs;
    if (worst < 0 || rel > maxRel) {
      maxRel = rel;
      worst = i;
    }
  }
  return {
    maxAbs,
    maxRel,
    worstIndex: worst,
    actual: worst >= 0 ? actual[worst]! : NaN,
    expected: worst >= 0 ? expected[worst]! : NaN,
    checked: count,
    tolerance,
    pass: maxRel <= tolerance.rel,
  };
}
