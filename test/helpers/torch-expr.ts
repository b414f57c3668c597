import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./generated.js";

/**
 * The PyTorch references of model expressions in test/fixtures/models/expr_*.json (float64, made by
 * scripts/torch_reference_expr.py): the program they compute, and everything under rnnc's names
 * (`rnn.W_ih`, `rnn.h`). Their gradients are of loss + Σ output ⊙ seeds.outputs + Σ final ⊙ seeds.final.
 */
export interface Tensor { shape: number[]; data: number[] }
export interface ExprFixture {
  name: string;
  program: string;
  model: string;
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  targets: Record<string, Tensor | number[]>;
  seeds: { outputs: Record<string, Tensor>; final: Record<string, Tensor> };
  outputs: Record<string, Tensor>;
  final: Record<string, Tensor>;
  /** null for a model without a loss (its gradients are of the seeded outputs alone). */
  loss: number | null;
  grads: { params: Record<string, Tensor>; x: Tensor; initial: Record<string, Tensor> };
}

export const EXPR_FIXTURES = ["expr_pooled", "expr_pooled_lengths", "expr_arith", "expr_arith_lengths", "expr_ties_lengths"] as const;

export function exprFixture(name: string): ExprFixture {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/models", `${name}.json`), "utf8")) as ExprFixture;
}

/** A tensor's data, or a plain list (class ids). */
export function dataOf(t: Tensor | number[]): number[] {
  return Array.isArray(t) ? t : t.data;
}

export const dataOfAll = (r: Record<string, Tensor>): Record<string, number[]> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data]));
