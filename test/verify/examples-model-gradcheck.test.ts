/**
 * Every example file that defines a model passes `rnnc gradcheck` (the library side), with full
 * sequences and with variable lengths including an empty one: a new example model is covered
 * as soon as it is added.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileUnit } from "../../src/compiler.js";
import { gradcheckSource } from "../../src/verify/unit.js";
import { ROOT } from "../helpers/generated.js";
import { failing } from "./model-programs.js";

const models = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".rnn"))
  .sort()
  .filter((f) => compileUnit(`examples/${f}`, readFileSync(join(ROOT, "examples", f), "utf8")).unit?.kind === "model");

describe("gradcheck passes on every example model", () => {
  it("finds the example models", () => {
    expect(models).toEqual(expect.arrayContaining(["bigru.rnn", "stacked_lstm.rnn"]));
  });

  it.each(models.flatMap((f) => [[f, "full length", {}], [f, "lengths [4, 2, 0]", { batch: 3, lengths: [4, 2, 0] }]] as const))("%s, %s", async (name, _, options) => {
    const file = `examples/${name}`;
    const { report, diagnostics } = await gradcheckSource(file, readFileSync(join(ROOT, file), "utf8"), { steps: 4, seed: 7, ...options });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(report!.kind).toBe("model");
    expect(report!.gradients.length).toBeGreaterThan(0);
    // The verdict only (not expectClean's margins): an example may be larger than the test programs.
    expect(failing(report!)).toEqual([]);
    expect(report!.pass).toBe(true);
  });
});
