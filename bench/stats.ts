/**
 * Timing statistics and the repetition loop shared by the in-process systems.
 * The median is the reported figure; min–max and the interquartile range show the spread.
 */

/** How many repetitions to time. */
export interface RepPlan {
  /** Untimed runs before timing (the correctness run already warmed each system once). */
  readonly warmup: number;
  readonly minReps: number;
  readonly maxReps: number;
  /** Stop adding repetitions once this much time was spent timing (after `minReps`). */
  readonly budgetMs: number;
}

/** The plans for a normal run and for `--quick`. */
export const PLANS = {
  full: { warmup: 2, minReps: 5, maxReps: 40, budgetMs: 3000 },
  quick: { warmup: 1, minReps: 3, maxReps: 5, budgetMs: 300 },
} as const satisfies Record<string, RepPlan>;

/**
 * Caps a plan for systems that are slow (tfjs cpu takes seconds per batch): few repetitions, and no extra
 * warm-up beyond the correctness run, which already ran the same computation once.
 */
export function capPlan(plan: RepPlan, maxReps: number): RepPlan {
  return {
    warmup: 0,
    minReps: Math.min(plan.minReps, maxReps),
    maxReps: Math.min(plan.maxReps, maxReps),
    budgetMs: plan.budgetMs,
  };
}

/** Summary of timing samples in milliseconds. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
}

/** Quantile by linear interpolation between order statistics (the "type 7" rule of R and NumPy). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of an empty sample");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** Median, min, max and quartiles of a non-empty sample. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

/**
 * Timing samples in ms: wall-clock time (the reported figure) and the CPU time the process used in the
 * same interval (all its threads). On a machine shared with other work, wall time includes waiting for a
 * core and CPU time does not, so the pair shows how much of a sample was contention.
 */
export interface Timing {
  readonly wall: number[];
  readonly cpu: number[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `fn` up to `plan.warmup` times untimed (fewer when one run already takes half the budget: the
 * correctness run has warmed it too), then times it at least `plan.minReps` times and at most
 * `plan.maxReps` times, stopping early once `plan.budgetMs` is spent.
 */
export async function timeRepeated(fn: () => Promise<void> | void, plan: RepPlan): Promise<Timing> {
  for (let i = 0; i < plan.warmup; i++) {
    const t0 = performance.now();
    await fn();
    if (performance.now() - t0 > plan.budgetMs / 2) break;
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  let spent = 0;
  while (wall.length < plan.maxReps && (wall.length < plan.minReps || spent < plan.budgetMs)) {
    const c0 = cpuMs();
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    cpu.push(cpuMs() - c0);
    wall.push(dt);
    spent += dt;
  }
  return { wall, cpu };
}

/** Largest absolute elementwise difference; Infinity when lengths differ or a value is NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Two systems timed in alternating single repetitions: each one's median, and the median and quartiles of the pairwise ratios. */
export interface PairedRatio {
  readonly pairs: number;
  readonly first: number;
  readonly second: number;
  readonly ratio: Summary;
}

/**
 * Times `first` and `second` one repetition each, in turn, `pairs` times, and returns the
 * pairwise ratios first ÷ second: on a shared host one thread's speed moves by 1.5× over
 * minutes, which a ratio of two separately timed medians inherits; two repetitions a few
 * milliseconds apart see the same machine.
 */
export async function pairedRatio(first: () => Promise<number>, second: () => Promise<number>, pairs: number): Promise<PairedRatio> {
  const a: number[] = [], b: number[] = [], ratios: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const x = await first();
    const y = await second();
    a.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  return { pairs, first: summarize(a).median, second: summarize(b).median, ratio: summarize(ratios) };
}
