import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./generated.js";

/**
 * The fixtures of scripts/torch_reference_inputs_models.py (test/fixtures/models/inputs_*.json):
 * models with several inputs, per step and per sequence, computed by PyTorch in float64, for the
 * models of test/fixtures/models/inputs_models.rnn (each fixture names its model).
 */
export interface Tensor {
  shape: number[];
  data: number[];
}

export interface InputsFixture {
  name: string;
  model: string;
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  inputs: Record<string, Tensor>;
  initial: Record<string, Tensor>;
  targets: Record<string, Tensor>;
  R: Record<string, Tensor>;
  S: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  loss_value: number;
  objective_value: number;
  grads: Record<string, Tensor>;
}

export const INPUTS_MODELS_FILE = "test/fixtures/models/inputs_models.rnn";

export const INPUTS_FIXTURES = [
  "inputs_cond_per_sequence",
  "inputs_cond_per_sequence_lengths",
  "inputs_cond_per_step",
  "inputs_cond_per_step_lengths",
  "inputs_concat",
  "inputs_concat_lengths",
  "inputs_concat_once",
  "inputs_concat_once_lengths",
] as const;

export function inputsFixture(name: string): InputsFixture {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as InputsFixture;
}

/** `{ name: data }` of a record of tensors. */
export function dataOf(r: Record<string, Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.data]));
}
