/**
 * Loads a PyTorch reference vector (test/fixtures/vectors/README.md) and renames its
 * tensors to the IR's names: weight_ih → W_ih, bias_hh → b_hh, h0 → h, c0 → c, output y →
 * output h (the cells say `output h'`), h_T → final h.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Tensor { shape: number[]; data: number[] }
interface RawVector {
  name: string;
  dims: Record<string, number>;
  batch: number;
  steps: number;
  params: Record<string, Tensor>;
  x: Tensor;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Tensor;
  S: Record<string, Tensor>;
  loss_value: number;
  grads: Record<string, Tensor>;
}

export interface ReferenceVector {
  name: string;
  dims: Record<string, number>;
  batch: number;
  steps: number;
  params: Record<string, Float64Array>;
  x: Float64Array;
  initial: Record<string, Float64Array>;
  /** Per-step output `h` [T, B, H]. */
  outputs: Record<string, Float64Array>;
  final: Record<string, Float64Array>;
  seeds: { outputs: Record<string, Float64Array>; final: Record<string, Float64Array> };
  lossValue: number;
  grads: { params: Record<string, Float64Array>; x: Float64Array; initial: Record<string, Float64Array> };
}

const PARAM_NAMES: Record<string, string> = { weight_ih: "W_ih", weight_hh: "W_hh", bias_ih: "b_ih", bias_hh: "b_hh" };

const f64 = (t: Tensor) => Float64Array.from(t.data);
const stateName = (k: string) => k.replace(/(0|_T)$/, "");

export function loadVector(file: string): ReferenceVector {
  const path = fileURLToPath(new URL(`../fixtures/vectors/${file}.json`, import.meta.url));
  const raw = JSON.parse(readFileSync(path, "utf8")) as RawVector;
  const rename = (rec: Record<string, Tensor>, names: (k: string) => string) =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [names(k), f64(v)]));
  const finalKeys = Object.keys(raw.outputs).filter((k) => k.endsWith("_T"));
  return {
    name: raw.name,
    dims: raw.dims,
    batch: raw.batch,
    steps: raw.steps,
    params: rename(raw.params, (k) => PARAM_NAMES[k]!),
    x: f64(raw.x),
    initial: rename(raw.initial, stateName),
    outputs: { h: f64(raw.outputs.y!) },
    final: Object.fromEntries(finalKeys.map((k) => [stateName(k), f64(raw.outputs[k]!)])),
    seeds: { outputs: { h: f64(raw.R) }, final: rename(raw.S, stateName) },
    lossValue: raw.loss_value,
    grads: {
      params: rename(Object.fromEntries(Object.entries(raw.grads).filter(([k]) => k in PARAM_NAMES)), (k) => PARAM_NAMES[k]!),
      x: f64(raw.grads.x!),
      initial: rename(Object.fromEntries(Object.entries(raw.grads).filter(([k]) => /0$/.test(k))), stateName),
    },
  };
}
