import { createRng, nextUint32, type Rng } from "../../weights/index.js";
import { TrainInputError } from "../errors.js";

/** Streams of random numbers for the data, apart from the params' `init(seed)`: one per use and epoch. */
export function dataRng(seed: number, stream: number): Rng {
  return createRng((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0);
}

/** Fisher–Yates with `rng`: the same seed gives the same order. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = nextUint32(rng) % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Holds out round(fraction · n) examples for validation, chosen by the seed; both splits in file
 * order. At least one example stays for training, and a fraction > 0 holds out at least one.
 */
export function splitIndices(n: number, fraction: number, seed: number, file: string): { train: number[]; val: number[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new TrainInputError(`--val must be a fraction in [0, 1), found ${fraction}`);
  const nVal = fraction === 0 ? 0 : Math.max(1, Math.round(fraction * n));
  if (n - nVal < 1) throw new TrainInputError(`${file} has ${n} example${n === 1 ? "" : "s"}: holding out ${nVal} for validation (--val ${fraction}) leaves none to train on`);
  const order = shuffle(Array.from({ length: n }, (_, i) => i), dataRng(seed, 0));
  const held = new Set(order.slice(0, nVal));
  const train: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) (held.has(i) ? val : train).push(i);
  return { train, val };
}
