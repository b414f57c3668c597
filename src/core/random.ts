import { createRng, nextFloat64, type Rng } from "../runtime/random.js";

/**
 * The project's one seeded generator, as an object: the runtime's xoshiro128** stream (the one
 * `init(seed)` draws weights from), with the draws the verifier, the demo and the benchmarks need.
 * The same seed gives the same numbers on every platform.
 */
export class SeededRandom {
  private readonly rng: Rng;

  /** `seed`: a safe integer (splitmix64 spreads nearby seeds to unrelated streams). */
  constructor(seed: number) {
    this.rng = createRng(seed);
  }

  /** A float in [0, 1) with 53 bits of randomness. */
  next(): number {
    return nextFloat64(this.rng);
  }

  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `n` values drawn uniformly from [low, high). */
  array(n: number, low: number, high: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(low, high);
    return out;
  }

  /** `k` distinct indices of [0, n), in increasing order (a partial Fisher–Yates shuffle). */
  sample(n: number, k: number): number[] {
    const pool = Array.from({ length: n }, (_, i) => i);
    const m = Math.min(k, n);
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, m).sort((a, b) => a - b);
  }
}
