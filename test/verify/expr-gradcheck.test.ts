/**
 * `rnnc gradcheck` (finite differences in float64 and the tfjs oracle) on the model-expression
 * programs of test/fixtures/models: pooling over time, numbers, elementwise built-ins, a per-sequence
 * value broadcast over the steps — with full sequences and with lengths including an empty one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gradcheckSource } from "../../src/verify/unit.js";
import { ROOT } from "../helpers/generated.js";
import { failing } from "./model-programs.js";

const programs = ["expr_pooled.rnn", "expr_arith.rnn", "expr_ties.rnn"];

describe("gradcheck passes on model expressions", () => {
  it.each(programs.flatMap((f) => [[f, "full length", {}], [f, "lengths [4, 2, 0]", { batch: 3, lengths: [4, 2, 0] }]] as const))("%s, %s", async (name, _, options) => {
    const file = `test/fixtures/models/${name}`;
    const { report, diagnostics } = await gradcheckSource(file, readFileSync(join(ROOT, file), "utf8"), { steps: 4, seed: 3, ...options });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(report!.kind).toBe("model");
    expect(failing(report!)).toEqual([]);
    expect(report!.pass).toBe(true);
  });
});
