import type { Chunk } from "../trainer.js";
import type { Dtype, UnitSignature } from "../unit.js";
import type { Example } from "./sequences.js";
import { dataRng, shuffle } from "./split.js";

/** Batches drawn together for bucketing: sorting a pool by length keeps the padding small. */
const POOL_BATCHES = 16;

/**
 * The batches of one epoch, as indices into the examples: the training examples shuffled (seed and
 * epoch decide), cut into pools of 16 batches, each pool sorted by length (stable) and cut into
 * batches of `batch` (the last one may be smaller), and the batches shuffled. Bucketing by length
 * this way keeps each batch's sequences of similar lengths, so little of a batch is padding.
 */
export function epochBatches(train: readonly number[], lengthOf: (i: number) => number, batch: number, seed: number, epoch: number): number[][] {
  const rng = dataRng(seed, 1 + epoch);
  const order = shuffle([...train], rng);
  const batches: number[][] = [];
  for (let p = 0; p < order.length; p += batch * POOL_BATCHES) {
    const pool = order.slice(p, p + batch * POOL_BATCHES).sort((a, b) => lengthOf(a) - lengthOf(b));
    for (let b = 0; b < pool.length; b += batch) batches.push(pool.slice(b, b + batch));
  }
  return shuffle(batches, rng);
}

/** Consecutive batches of examples in order (for evaluation, no shuffling). */
export function inOrder(indices: readonly number[], batch: number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < indices.length; b += batch) out.push(indices.slice(b, b + batch));
  return out;
}

/**
 * One batch as the unit reads it, time-major: x [T, B] ids or [T, B, I] numbers with T the longest
 * sequence, `lengths` per example (the model ignores the steps past them), and each target [T, B]
 * or [B] ids, or [T, B, O] or [B, O] numbers. Every batch starts its states from zero.
 */
export function assemble(sig: UnitSignature, examples: readonly Example[], indices: readonly number[], dtype: Dtype): Chunk {
  const B = indices.length;
  const batch = indices.map((i) => examples[i]!);
  const T = Math.max(...batch.map((e) => e.length));
  const F = dtype === "float64" ? Float64Array : Float32Array;
  const x = timeMajor(batch.map((e) => e.input), batch.map((e) => e.length), T, B, sig.input.kind === "index" ? Int32Array : F);
  const targets: Record<string, Int32Array | Float32Array | Float64Array> = {};
  for (const t of sig.targets) {
    const parts = batch.map((e) => e.targets[t.name]!);
    const A = t.kind === "index" ? Int32Array : F;
    targets[t.name] = t.timing === "once" ? concat(parts, A) : timeMajor(parts, batch.map((e) => e.length), T, B, A);
  }
  return { x, targets, steps: T, batch: B, lengths: batch.map((e) => e.length), resetState: true };
}

type ArrayCtor = Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;

/** Example b's rows (length[b] × W) at [t, b, :] of a [T, B, W] array; zero past its length. */
function timeMajor<A extends ArrayCtor>(parts: readonly ArrayLike<number>[], lengths: readonly number[], T: number, B: number, A: A): InstanceType<A> {
  const W = parts.length > 0 ? parts[0]!.length / lengths[0]! : 0;
  const out = new A(T * B * W) as InstanceType<A>;
  parts.forEach((p, b) => {
    for (let t = 0; t < lengths[b]!; t++) for (let j = 0; j < W; j++) out[(t * B + b) * W + j] = p[t * W + j]!;
  });
  return out;
}

function concat<A extends ArrayCtor>(parts: readonly ArrayLike<number>[], A: A): InstanceType<A> {
  const W = parts[0]!.length;
  const out = new A(parts.length * W) as InstanceType<A>;
  parts.forEach((p, b) => {
    for (let j = 0; j < W; j++) out[b * W + j] = p[j]!;
  });
  return out;
}
