/**
 * A small seeded pseudo-random generator (mulberry32) so that every draw of the gradient
 * check — inputs, loss weights, sampled elements, projection directions — is reproducible
 * from one integer seed, on every platform (it uses only 32-bit integer arithmetic).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    // Mix the seed once so that nearby seeds (0, 1, 2) give unrelated streams.
    this.state = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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

/**
 * Per-example lengths for `rnnc gradcheck --lengths random`: each in [1, steps], drawn from
 * `seed` (a stream of its own, apart from the check's other draws), so a report is reproducible
 * from its seed alone.
 */
export function randomLengths(batch: number, steps: number, seed: number): number[] {
  const rng = new SeededRandom(seed ^ 0x5eed1e);
  return Array.from({ length: batch }, () => 1 + rng.int(steps));
}
