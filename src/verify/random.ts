import { SeededRandom } from "../core/random.js";

/**
 * Per-example lengths for `rnnc gradcheck --lengths random`: each in [1, steps], drawn from
 * `seed` (a stream of its own, apart from the check's other draws), so a report is reproducible
 * from its seed alone.
 */
export function randomLengths(batch: number, steps: number, seed: number): number[] {
  const rng = new SeededRandom(seed ^ 0x5eed1e);
  return Array.from({ length: batch }, () => 1 + rng.int(steps));
}
