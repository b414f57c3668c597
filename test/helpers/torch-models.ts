import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./generated.js";

/**
 * The PyTorch reference models in test/fixtures/models (float64, made by
 * scripts/torch_reference_models.py; see the README there) and how their names map to the shipped
 * example models: layer k of a stack is `l{k}`, the reverse direction `bwd`; PyTorch's states are
 * indexed layer·D + direction. Both back ends' tests read them through here.
 */
export interface Tensor { shape: number[]; data: number[] }
export interface ModelFixture {
  dims: { I: number; H: number };
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Tensor;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}

export function modelFixture(name: string): ModelFixture {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as ModelFixture;
}

/** Slab k of a [K, B, H] tensor (PyTorch's state layout: index layer·D + direction). */
export function slab(t: Tensor, k: number): number[] {
  const n = t.shape[1]! * t.shape[2]!;
  return t.data.slice(k * n, (k + 1) * n);
}

/** A cell's param names (std LSTM and GRU) → PyTorch's, before the layer suffix. */
export const TORCH_PARAM_NAMES = { W_ih: "weight_ih", W_hh: "weight_hh", b_ih: "bias_ih", b_hh: "bias_hh" } as const;

export interface TorchModelCase {
  readonly fixture: string;
  readonly example: string;
  readonly factory: string;
  /** model layer → PyTorch suffix and state index (layer·D + direction) */
  readonly layers: Readonly<Record<string, { readonly suffix: string; readonly index: number }>>;
  readonly states: readonly string[];
}

const BIGRU = { fwd: { suffix: "_l0", index: 0 }, bwd: { suffix: "_l0_reverse", index: 1 } };

export const TORCH_MODEL_CASES: readonly TorchModelCase[] = [
  { fixture: "lstm_2layer", example: "examples/stacked_lstm.rnn", factory: "StackedLSTM", layers: { l0: { suffix: "_l0", index: 0 }, l1: { suffix: "_l1", index: 1 } }, states: ["h", "c"] },
  { fixture: "gru_bidirectional", example: "examples/bigru.rnn", factory: "BiGRU", layers: BIGRU, states: ["h"] },
  { fixture: "gru_bidirectional_lengths", example: "examples/bigru.rnn", factory: "BiGRU", layers: BIGRU, states: ["h"] },
];

/** The fixture's params under the model's names (`l0.W_ih`). */
export function paramsFor(c: TorchModelCase, f: ModelFixture): Record<string, number[]> {
  const p: Record<string, number[]> = {};
  for (const [layer, { suffix }] of Object.entries(c.layers)) for (const [mine, theirs] of Object.entries(TORCH_PARAM_NAMES)) p[`${layer}.${mine}`] = f.params[`${theirs}${suffix}`]!.data;
  return p;
}

/** Per model state (`l0.h`), its slab of a PyTorch state tensor; `key` names the tensor for a state (`h` → `h0`). */
export function statesFor(c: TorchModelCase, source: Record<string, Tensor>, key: (state: string) => string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [layer, { index }] of Object.entries(c.layers)) for (const s of c.states) out[`${layer}.${s}`] = slab(source[key(s)]!, index);
  return out;
}
