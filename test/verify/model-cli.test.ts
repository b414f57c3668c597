/**
 * `rnnc gradcheck` on a model file, in process: the model is what a model file means, `--cell`
 * may name it, `--lengths random` draws lengths from the seed, and the exit code says whether
 * every gradient agreed.
 */
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { ROOT } from "../helpers/generated.js";

function fakeIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

async function gradcheck(...args: string[]) {
  const io = fakeIO();
  const status = await main(["node", "rnnc", "gradcheck", ...args], io);
  return { status, stdout: io.out.join(""), stderr: io.err.join("") };
}

describe("rnnc gradcheck on a model file", () => {
  it("checks the file's model with default dims 3, 4, …, and exits 0", async () => {
    const run = await gradcheck(`${ROOT}/examples/bigru.rnn`, "--steps", "3", "--batch", "3", "--lengths", "3,1,2");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^gradcheck model BiGRU \(I=3, H=4\) · batch 3 · steps 3 · seed 0 · lengths \[3, 1, 2\]$/m);
    expect(run.stdout).toMatch(/^param bwd\.W_hh +\[12, 4\] +48\/48 .* ok .* ok$/m);
    expect(run.stdout).toMatch(/^initial fwd\.h +\[3, 4\] +12\/12 /m);
    expect(run.stdout.endsWith("PASS: 11 gradients and 3 forward values agree\n")).toBe(true);
  });

  it("takes the model's name with --cell, dims by name and random lengths", async () => {
    const run = await gradcheck(`${ROOT}/examples/stacked_lstm.rnn`, "--cell", "StackedLSTM", "--dims", "H=2", "--steps", "3", "--lengths", "random", "--seed", "4", "--json");
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as { cell: string; kind: string; dims: Record<string, number>; lengths: number[]; pass: boolean };
    expect([json.cell, json.kind, json.dims, json.pass]).toEqual(["StackedLSTM", "model", { I: 3, H: 2 }, true]);
    expect(json.lengths).toHaveLength(2);
    for (const len of json.lengths) expect(len >= 1 && len <= 3).toBe(true);
  });
});
