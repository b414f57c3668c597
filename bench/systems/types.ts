/**
 * The contract between the runner and one benchmarked system. Each system lives in its own file under
 * bench/systems/ and either sets itself up for a workload or says, in one line, why it cannot.
 */
import type { RepPlan, Timing } from "../stats.js";
import type { Mode, Workload, WorkloadData } from "../workloads.js";

/** What a system computed, for the correctness check against the reference. */
export interface Outputs {
  /** Per-step outputs [T, B, H]. */
  readonly h: Float32Array;
  /** dLoss/dW_hh for loss = sum(outputs · R); present in "fwd+bwd" mode. */
  readonly gradWhh?: Float32Array;
}

/** A system set up for one workload: weights loaded, model compiled. */
export interface Instance {
  /** Runs once in `mode` and returns the outputs (this run also serves as the first warm-up). */
  outputs(mode: Mode): Promise<Outputs>;
  /** Times `mode` according to `plan`. */
  time(mode: Mode, plan: RepPlan): Promise<Timing>;
  /** Releases tensors, sessions, temporary files. */
  dispose(): Promise<void>;
}

/** Why a system is not benchmarked for a workload; printed as one line. */
export interface Unavailable {
  readonly unavailable: string;
}

/** A benchmarked system. */
export interface BenchSystem {
  /** Short stable name used in tables and the chart. */
  readonly name: string;
  /** True for rnnc's own systems (the ratio column divides by rnnc's TypeScript kernel). */
  readonly isRnnc?: boolean;
  /** The modes it can run (ONNX Runtime has no training). */
  readonly modes: readonly Mode[];
  /** Upper bound on timed repetitions (slow systems), or undefined for the plan's own. */
  readonly maxReps?: number;
  /**
   * Its timings come from one measurement made elsewhere (a separate process), not from calls
   * the runner can interleave with the other systems' (see ROUNDS in run.ts).
   */
  readonly timedElsewhere?: boolean;
  /** `plan` is the repetition plan the runner will time with (systems that time themselves need it early). */
  setup(w: Workload, data: WorkloadData, plan: RepPlan): Promise<Instance | Unavailable>;
  /** Facts about the system's build learnt while running (e.g. PyTorch's BLAS), for RESULTS.md. */
  notes?(): readonly string[];
}

/** Type guard for the "not available" answer of `setup`. */
export function isUnavailable(x: Instance | Unavailable): x is Unavailable {
  return (x as Unavailable).unavailable !== undefined;
}
