/**
 * Gradcheck in training mode for models (`rnnc gradcheck --training`, the library's `training`
 * option): the masks fixed by the seed in every forward run of the module (the finite differences
 * included) and in the tfjs oracle, which takes them from the runtime's generator. The oracle is
 * shown to apply them: its training run agrees with the module's training run and not with its
 * inference run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { compileModel, compileToTypeScript } from "../../src/compiler.js";
import { loadGeneratedModule } from "../../src/backends/ts/load.js";
import { gradcheckSource } from "../../src/verify/unit.js";
import { modelLayout } from "../../src/verify/model-layout.js";
import { modelOracleRun } from "../../src/verify/model-oracle.js";
import { VerifyInputError } from "../../src/verify/errors.js";
import { ROOT } from "../helpers/generated.js";
import { gradcheck } from "../../src/api/index.js";

const LSTM = "examples/dropout_lstm.rnn";
const CLASSIFIER = "test/fixtures/models/dropout_classifier.rnn";
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

async function rnnc(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
  const status = await main(["node", "rnnc", ...args], io);
  return { status, stdout: out.join(""), stderr: err.join("") };
}

describe("gradcheck of a model's training pass", () => {
  it.each([
    [LSTM, undefined],
    [CLASSIFIER, [4, 1, 3]],
  ])("%s passes with the masks of seed 5 (lengths %s)", async (file, lengths) => {
    const { report, diagnostics } = await gradcheckSource(join(ROOT, file), read(file), { batch: 3, steps: 4, seed: 5, training: true, ...(lengths ? { lengths } : {}) });
    expect(diagnostics).toEqual([]);
    expect(report!.training).toBe(true);
    const failing = [...report!.forward, ...report!.gradients].filter((t) => !t.pass).map((t) => t.name);
    expect(failing).toEqual([]);
    expect(report!.gradients.every((t) => t.oracle !== undefined && t.fd !== undefined)).toBe(true);
  });

  it("the oracle applies the module's masks: it agrees with the module's training run, not its inference run", async () => {
    const { model } = compileModel(join(ROOT, CLASSIFIER), read(CLASSIFIER));
    const dims = { I: 3, H: 4, C: 5 };
    const layout = modelLayout(model!, dims);
    const module = await loadGeneratedModule(compileToTypeScript(join(ROOT, CLASSIFIER), read(CLASSIFIER)).code!);
    const m = (module.DropoutClassifier as (d: object, o: object) => { init(s: number): Record<string, Float64Array>; forward(p: object, x: ArrayLike<number>, o: object): { outputs: Record<string, Float64Array> } })(dims, { dtype: "float64" });
    const params = m.init(2);
    const x = Float64Array.from({ length: 4 * 2 * 3 }, (_, i) => Math.sin(i + 1));
    const base = { batch: 2, steps: 4, initial: {}, targets: { label: [1, 3] } };
    const oracle = (await modelOracleRun(layout, { ...base, params, inputs: { x }, training: true, seed: 9 })).outputs["logits"]!;
    const training = m.forward(params, x, { ...base, training: true, seed: 9 }).outputs["logits"]!;
    const inference = m.forward(params, x, base).outputs["logits"]!;
    const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
    expect(diff(oracle, training)).toBeLessThan(1e-5);
    expect(diff(oracle, inference)).toBeGreaterThan(1e-2);
  });

  it("refuses the training option for a model without dropout, saying why", async () => {
    await expect(gradcheckSource(join(ROOT, "examples/stacked_lstm.rnn"), read("examples/stacked_lstm.rnn"), { training: true })).rejects.toThrow(VerifyInputError);
    const run = await rnnc("gradcheck", join(ROOT, "examples/stacked_lstm.rnn"), "--training");
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("error: the training option (--training) needs dropout, and model StackedLSTM has no `dropout(…)`, in the model or its layers' cells: its training pass is its inference pass, so check it without the option\n");
  });

  it("rnnc gradcheck --training --seed N: the report says training, and exits 0", async () => {
    const run = await rnnc("gradcheck", join(ROOT, LSTM), "--training", "--seed", "7", "--steps", "3", "--lengths", "3,2");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^gradcheck model DropoutLSTM \(I=3, H=4\) · batch 2 · steps 3 · seed 7 · lengths \[3, 2\] · training \(dropout masks from the seed\)$/m);
    expect(run.stdout.endsWith("PASS: 13 gradients and 5 forward values agree\n")).toBe(true);
  });

  it("the library's gradcheck takes `training`; a unit without dropout gives ok: false and the reason", async () => {
    const ok = await gradcheck(read(LSTM), { training: true, seed: 2, steps: 3 });
    expect([ok.ok, ok.pass, ok.report?.training]).toEqual([true, true, true]);
    expect(ok.text).toContain("· training (dropout masks from the seed)");
    const refused = await gradcheck(read("examples/stacked_lstm.rnn"), { training: true });
    expect([refused.ok, refused.pass, refused.error]).toEqual([false, false, "the training option (--training) needs dropout, and model StackedLSTM has no `dropout(…)`, in the model or its layers' cells: its training pass is its inference pass, so check it without the option"]);
  });
});
