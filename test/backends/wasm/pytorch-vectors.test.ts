import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importGenerated, maxRelError, ROOT } from "../../helpers/generated.js";

/**
 * The wasm kernels (float32) against PyTorch's float64 vectors for the cells that once ran on the
 * js backend only: a cell with two inputs (examples/conditional_gru.rnn, torch.nn.GRU on the
 * concatenated inputs; scripts/torch_reference_inputs.py) and a cell with variational dropout in
 * training (examples/vardrop_gru.rnn; scripts/torch_reference_dropout.py, whose port of the
 * runtime's generator drew the same masks), with and without lengths, to 1e-4.
 */
interface Tensor { shape: number[]; data: number[] }
interface Vector {
  dims: Record<string, number>;
  batch: number;
  steps: number;
  lengths?: number[];
  seed?: number;
  params: Record<string, Tensor>;
  x?: Tensor;
  inputs?: Record<string, Tensor>;
  initial: Record<string, Tensor>;
  outputs: Record<string, Tensor>;
  R: Record<string, Tensor>;
  S: Record<string, Tensor>;
  grads: Record<string, Tensor>;
}
type Arrays = Record<string, ArrayLike<number>>;
interface Cell {
  readonly backend: string;
  forward(params: Arrays, input: unknown, options: Record<string, unknown>): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
  backward(run: unknown, seeds: { outputs?: Arrays; final?: Arrays }): { params: Record<string, Float32Array>; x?: Float32Array; inputs?: Record<string, Float32Array>; initial: Record<string, Float32Array> };
}

const vector = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/vectors", `${name}.json`), "utf8")) as Vector;
const data = (r: Record<string, Tensor>) => Object.fromEntries(Object.entries(r).map(([k, t]) => [k, t.data]));

const CASES = [
  { vector: "conditional_gru", file: "examples/conditional_gru.rnn", cell: "ConditionalGRU" },
  { vector: "conditional_gru_lengths", file: "examples/conditional_gru.rnn", cell: "ConditionalGRU" },
  { vector: "vardrop_gru", file: "examples/vardrop_gru.rnn", cell: "VarDropGRU" },
  { vector: "vardrop_gru_lengths", file: "examples/vardrop_gru.rnn", cell: "VarDropGRU" },
];

describe.each(CASES)("$cell on $vector: wasm float32 matches PyTorch", (c) => {
  const v = vector(c.vector);
  const input = v.inputs ? data(v.inputs) : v.x!.data;
  const options = {
    batch: v.batch,
    steps: v.steps,
    initial: { h: v.initial.h0!.data },
    ...(v.lengths ? { lengths: v.lengths } : {}),
    ...(v.seed !== undefined ? { training: true, seed: v.seed } : {}),
  };
  const make = async () => {
    const cell = ((await importGenerated(c.file))[c.cell] as (d: Record<string, number>, o: object) => Cell)(v.dims, { dtype: "float32", backend: "wasm" });
    expect(cell.backend).toBe("wasm");
    return cell;
  };

  it("forward: the output and the final state", async () => {
    const run = (await make()).forward(data(v.params), input, options);
    expect(maxRelError(run.outputs.h!, v.outputs.h!.data)).toBeLessThan(1e-4);
    expect(maxRelError(run.final.h!, v.outputs.h_T!.data)).toBeLessThan(1e-4);
  });

  it("backward: every param, every input, the initial state", async () => {
    const cell = await make();
    const g = cell.backward(cell.forward(data(v.params), input, options), { outputs: { h: v.R.h!.data }, final: { h: v.S.h_T!.data } });
    for (const p of Object.keys(v.params)) expect(maxRelError(g.params[p]!, v.grads[p]!.data), p).toBeLessThan(1e-4);
    const grads = v.inputs ? g.inputs! : { x: g.x! };
    expect(Object.keys(grads)).toEqual(v.inputs ? Object.keys(v.inputs) : ["x"]);
    for (const [name, got] of Object.entries(grads)) expect(maxRelError(got, v.grads[name]!.data), name).toBeLessThan(1e-4);
    expect(maxRelError(g.initial.h!, v.grads.h0!.data)).toBeLessThan(1e-4);
  });
});
