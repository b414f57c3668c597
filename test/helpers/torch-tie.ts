import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./generated.js";

/**
 * The PyTorch reference of examples/tied_lm.rnn (test/fixtures/models/tie_*.json, made by
 * scripts/torch_reference_tie.py): torch.nn.Embedding, LSTM and Linear with `decoder.weight =
 * encoder.weight`, in float64, under the model's own names (`embed.W` is encoder.weight.T; there
 * is no `readout.W`). The objective is loss + sum(logits ⊙ R) + Σ sum(final ⊙ S).
 */
export interface Tensor { shape: number[]; data: number[] }
export interface TieFixture {
  note: string;
  dims: { V: number; E: number };
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  tokens: Tensor;
  next: Tensor;
  initial: Record<string, Tensor>;
  outputs: { logits: Tensor };
  final: Record<string, Tensor>;
  loss: number;
  R: Tensor;
  S: Record<string, Tensor>;
  /** Every stored param's, and `initial.lstm.h` / `initial.lstm.c`. */
  grads: Record<string, Tensor>;
}

export const TIE_FIXTURES = ["tie_lm", "tie_lm_lengths"] as const;

export function tieFixture(name: string): TieFixture {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as TieFixture;
}

/** `{ name: data }` of a record of tensors. */
export function dataOf(record: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(record).map(([k, t]) => [k, t.data]));
}
