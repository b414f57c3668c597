/**
 * The benchmark workloads, their FLOP counts, and the deterministic data (weights, inputs, loss weights)
 * every system receives, so that all systems compute the same numbers and can be compared element by element.
 */
import { SeededRandom } from "../src/core/random.js";

/** Which recurrent cell a workload runs. */
export type CellKind = "LSTM" | "GRU" | "PeepholeLSTM" | "LayerNormLSTM";

/** Forward only, or forward plus full backpropagation through time. */
export type Mode = "fwd" | "fwd+bwd";

/** One benchmark configuration: a cell at fixed sizes. */
export interface Workload {
  /** Stable identifier used in tables and `--only` (the group letter selects all workloads of a group). */
  readonly id: string;
  /** Group letter from the brief: A throughput, B latency, C custom cell. */
  readonly group: "A" | "B" | "C";
  readonly title: string;
  readonly cell: CellKind;
  /** The example file rnnc compiles for this workload. */
  readonly example: string;
  /** Number of gate blocks stacked in W_ih / W_hh (LSTM 4, GRU 3). */
  readonly gates: number;
  readonly I: number;
  readonly H: number;
  readonly B: number;
  readonly T: number;
}

const A_SIZES = { I: 128, H: 256, B: 32, T: 64 } as const;

/** All workloads, in report order. */
export const WORKLOADS: readonly Workload[] = [
  { id: "A-LSTM", group: "A", title: "throughput, LSTM", cell: "LSTM", example: "examples/lstm.rnn", gates: 4, ...A_SIZES },
  { id: "A-GRU", group: "A", title: "throughput, GRU", cell: "GRU", example: "examples/gru.rnn", gates: 3, ...A_SIZES },
  { id: "B-LSTM", group: "B", title: "latency, LSTM", cell: "LSTM", example: "examples/lstm.rnn", gates: 4, I: 32, H: 64, B: 1, T: 32 },
  {
    id: "C-peephole", group: "C", title: "custom cell, peephole LSTM", cell: "PeepholeLSTM",
    example: "examples/peephole_lstm.rnn", gates: 4, ...A_SIZES,
  },
  {
    id: "C-layernorm", group: "C", title: "custom cell, layer-normalised LSTM", cell: "LayerNormLSTM",
    example: "examples/layernorm_lstm.rnn", gates: 4, ...A_SIZES,
  },
];

/** The FLOP formula as printed in the console and in RESULTS.md. */
export const FLOP_FORMULA =
  "forward FLOPs = 2·G·H·(I+H)·B·T (G gates: LSTM 4, GRU 3; the two matrix products per step, elementwise work not counted); " +
  "fwd+bwd FLOPs = 3 × forward (full BPTT)";

/** FLOPs of one forward pass over the whole batch and sequence. */
export function forwardFlops(w: Workload): number {
  return 2 * w.gates * w.H * (w.I + w.H) * w.B * w.T;
}

/** FLOPs of one pass in the given mode. */
export function flopsFor(w: Workload, mode: Mode): number {
  return mode === "fwd" ? forwardFlops(w) : 3 * forwardFlops(w);
}

/** Parameters by name, each a row-major float32 array. */
export type Params = Record<string, Float32Array>;

/** The inputs every system gets for one workload. */
export interface WorkloadData {
  /** PyTorch layout: W_ih [G·H, I], W_hh [G·H, H], b_ih [G·H], b_hh [G·H] (custom cells: the cell's own). */
  readonly params: Params;
  /** Shapes of `params`, by name. */
  readonly paramShapes: Record<string, readonly number[]>;
  /** Input sequence [T, B, I], row-major. */
  readonly x: Float32Array;
  /** Loss weights [T, B, H]: loss = sum(outputs · R), so dLoss/dOutputs = R. */
  readonly R: Float32Array;
}

/** The project's seeded generator (src/core/random.ts), so that every run feeds the systems identical numbers. */
export function seededRandom(seed: number): () => number {
  const rng = new SeededRandom(seed);
  return () => rng.next();
}

/** A float32 array of `n` values drawn uniformly from [-k, k). */
export function uniformArray(n: number, k: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * k;
  return out;
}

/**
 * The standard data for an LSTM or GRU workload: PyTorch's default initialisation
 * uniform(-1/√H, 1/√H) for every parameter, inputs and loss weights uniform(-1, 1).
 */
export function makeStandardData(w: Workload, seed = 20241122): WorkloadData {
  const rand = seededRandom(seed);
  const G = w.gates;
  const k = 1 / Math.sqrt(w.H);
  const paramShapes: Record<string, readonly number[]> = {
    W_ih: [G * w.H, w.I],
    W_hh: [G * w.H, w.H],
    b_ih: [G * w.H],
    b_hh: [G * w.H],
  };
  const params: Params = {};
  for (const [name, shape] of Object.entries(paramShapes)) params[name] = uniformArray(size(shape), k, rand);
  return {
    params,
    paramShapes,
    x: uniformArray(w.T * w.B * w.I, 1, rand),
    R: uniformArray(w.T * w.B * w.H, 1, rand),
  };
}

/** Data for a custom cell whose parameters come from elsewhere (rnnc's own `init`). */
export function makeCustomData(
  w: Workload,
  params: Params,
  paramShapes: Record<string, readonly number[]>,
  seed = 20241122,
): WorkloadData {
  const rand = seededRandom(seed + 1);
  return { params, paramShapes, x: uniformArray(w.T * w.B * w.I, 1, rand), R: uniformArray(w.T * w.B * w.H, 1, rand) };
}

/** Number of elements of a shape. */
export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Selects workloads by `--only` tokens: a group letter ("A") or a full id ("A-GRU"); empty selects all.
 * Returns the unknown tokens too, so the caller can report them instead of silently ignoring them.
 */
export function selectWorkloads(only: readonly string[]): { selected: Workload[]; unknown: string[] } {
  if (only.length === 0) return { selected: [...WORKLOADS], unknown: [] };
  const unknown = only.filter(
    (tok) => tok !== "F" && !WORKLOADS.some((w) => w.group === tok || w.id.toLowerCase() === tok.toLowerCase()),
  );
  const selected = WORKLOADS.filter((w) =>
    only.some((tok) => tok === w.group || tok.toLowerCase() === w.id.toLowerCase()),
  );
  return { selected, unknown };
}
