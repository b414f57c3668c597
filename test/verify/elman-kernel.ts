/**
 * A hand-written float64 kernel for the PyTorch-layout Elman cell (graphs.ts `elmanGraph`)
 * that honours the generated module's contract (src/verify/contract.ts) — plain loops,
 * forward and backprop through time — so that gradcheck can be tested before the code
 * generator exists. `faults` breaks it on purpose.
 */
import type { CellKernel, GradientSeeds, Gradients, RunOptions, RunResult } from "../../src/verify/contract.js";
import { SeededRandom } from "../../src/core/random.js";

export interface ElmanFaults {
  /** Backward skips the b_hh gradient of this (0-based) time step. */
  readonly dropBiasGradAtStep?: number;
  /** Forward multiplies the output of this (0-based) time step by 1.01 (not the state). */
  readonly scaleOutputAtStep?: number;
  /** Forward adds 0.01 to the state of this (0-based) time step, output included. */
  readonly shiftStateAtStep?: number;
  /** Backward forgets to return the gradient of this param. */
  readonly omitParamGrad?: string;
}

interface ElmanRun extends RunResult {
  readonly params: Readonly<Record<string, Float64Array>>;
  readonly x: Float64Array;
  readonly options: RunOptions;
  /** h before and after each step, [T, B, H] each. */
  readonly hPrev: Float64Array;
  readonly hNext: Float64Array;
}

export function elmanKernel(dims: { I: number; H: number }, activation: "tanh" | "relu" = "tanh", faults: ElmanFaults = {}): CellKernel<ElmanRun> {
  const { I, H } = dims;
  const act = activation === "tanh" ? Math.tanh : (v: number) => Math.max(0, v);
  // The derivative from the activation's output y: tanh' = 1 − y², relu' = [y > 0].
  const dact = activation === "tanh" ? (y: number) => 1 - y * y : (y: number) => (y > 0 ? 1 : 0);
  const active = (o: RunOptions, t: number, b: number) => o.lengths === undefined || t < o.lengths[b]!;

  return {
    paramShapes: { W_ih: [H, I], W_hh: [H, H], b_ih: [H], b_hh: [H] },

    init(seed: number) {
      const rng = new SeededRandom(seed);
      const k = 1 / Math.sqrt(H);
      return { W_ih: rng.array(H * I, -k, k), W_hh: rng.array(H * H, -k, k), b_ih: rng.array(H, -k, k), b_hh: rng.array(H, -k, k) };
    },

    forward(params, x, options) {
      const { batch: B, steps: T } = options;
      const { W_ih, W_hh, b_ih, b_hh } = params as Record<string, Float64Array>;
      const h = options.initial?.h ? Float64Array.from(options.initial.h) : new Float64Array(B * H);
      const y = new Float64Array(T * B * H);
      const hPrev = new Float64Array(T * B * H);
      const hNext = new Float64Array(T * B * H);
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          const at = (t * B + b) * H;
          hPrev.set(h.subarray(b * H, b * H + H), at);
          if (!active(options, t, b)) {
            hNext.set(h.subarray(b * H, b * H + H), at);
            continue;
          }
          for (let i = 0; i < H; i++) {
            let s = b_ih![i]! + b_hh![i]!;
            for (let j = 0; j < I; j++) s += W_ih![i * I + j]! * x[(t * B + b) * I + j]!;
            for (let j = 0; j < H; j++) s += W_hh![i * H + j]! * hPrev[at + j]!;
            hNext[at + i] = act(s) + (t === faults.shiftStateAtStep ? 0.01 : 0);
          }
          h.set(hNext.subarray(at, at + H), b * H);
          for (let i = 0; i < H; i++) y[at + i] = hNext[at + i]! * (t === faults.scaleOutputAtStep ? 1.01 : 1);
        }
      }
      return { outputs: { h: y }, final: { h }, params, x, options, hPrev, hNext };
    },

    backward(run: ElmanRun, seeds: GradientSeeds): Gradients {
      const { batch: B, steps: T } = run.options;
      const { W_ih, W_hh } = run.params as Record<string, Float64Array>;
      const g = { W_ih: new Float64Array(H * I), W_hh: new Float64Array(H * H), b_ih: new Float64Array(H), b_hh: new Float64Array(H) };
      const dx = new Float64Array(T * B * I);
      const dh = seeds.final.h ? Float64Array.from(seeds.final.h) : new Float64Array(B * H);
      const dy = seeds.outputs.h;
      const dpre = new Float64Array(H);
      for (let t = T - 1; t >= 0; t--) {
        for (let b = 0; b < B; b++) {
          if (!active(run.options, t, b)) continue; // carried state: dh passes through unchanged
          const at = (t * B + b) * H;
          for (let i = 0; i < H; i++) dpre[i] = (dh[b * H + i]! + (dy ? dy[at + i]! : 0)) * dact(run.hNext[at + i]!);
          for (let i = 0; i < H; i++) {
            g.b_ih[i] = g.b_ih[i]! + dpre[i]!;
            if (t !== faults.dropBiasGradAtStep) g.b_hh[i] = g.b_hh[i]! + dpre[i]!;
            for (let j = 0; j < I; j++) g.W_ih[i * I + j] = g.W_ih[i * I + j]! + dpre[i]! * run.x[(t * B + b) * I + j]!;
            for (let j = 0; j < H; j++) g.W_hh[i * H + j] = g.W_hh[i * H + j]! + dpre[i]! * run.hPrev[at + j]!;
          }
          for (let j = 0; j < I; j++) {
            let s = 0;
            for (let i = 0; i < H; i++) s += W_ih![i * I + j]! * dpre[i]!;
            dx[(t * B + b) * I + j] = s;
          }
          for (let j = 0; j < H; j++) {
            let s = 0;
            for (let i = 0; i < H; i++) s += W_hh![i * H + j]! * dpre[i]!;
            dh[b * H + j] = s;
          }
        }
      }
      const params: Record<string, Float64Array> = { ...g };
      if (faults.omitParamGrad) delete params[faults.omitParamGrad];
      return { params, x: dx, initial: { h: dh } };
    },
  };
}
