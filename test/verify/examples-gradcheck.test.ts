import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RULES } from "../../src/autodiff/rules.js";
import { compileUnit } from "../../src/compiler.js";
import { gradcheckSource } from "../../src/verify/unit.js";
import { ROOT } from "../helpers/generated.js";

// Model files have their own test (examples-model-gradcheck.test.ts).
const examples = readdirSync(join(ROOT, "examples"))
  .filter((f) => f.endsWith(".rnn"))
  .sort()
  .filter((f) => compileUnit(`examples/${f}`, readFileSync(join(ROOT, "examples", f), "utf8")).unit?.kind !== "model");

describe("gradcheck passes on every example cell", () => {
  it.each(examples)("%s", async (name) => {
    const file = `examples/${name}`;
    const { report, diagnostics } = await gradcheckSource(file, readFileSync(join(ROOT, file), "utf8"), { batch: 2, steps: 4, seed: 7 });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const failing = [...report!.forward, ...report!.gradients].filter((t) => !t.pass).map((t) => t.name);
    expect(failing).toEqual([]);
    expect(report!.gradients.length).toBeGreaterThan(0);
  });

  it("with variable lengths", async () => {
    const file = "examples/lstm.rnn";
    const { report } = await gradcheckSource(file, readFileSync(join(ROOT, file), "utf8"), { batch: 3, steps: 5, lengths: [5, 3, 1], seed: 3 });
    expect([...report!.forward, ...report!.gradients].filter((t) => !t.pass).map((t) => t.name)).toEqual([]);
  });
});

describe("gradcheck catches a wrong derivative rule", () => {
  const original = RULES.tanh!;
  afterEach(() => {
    RULES.tanh = original;
  });

  it("names the params whose gradients go wrong", async () => {
    // Break tanh' = 1 − y² into 1 − y (a plausible slip).
    RULES.tanh = (cx) => [cx.op("mul", [cx.g, cx.op("sub", [cx.c(1), cx.node.id])])];
    const file = "examples/gru.rnn";
    const { report } = await gradcheckSource(file, readFileSync(join(ROOT, file), "utf8"), { batch: 2, steps: 3, seed: 1 });
    expect(report!.pass).toBe(false);
    const failing = report!.gradients.filter((t) => !t.pass).map((t) => t.name);
    expect(failing).toContain("param W_ih");
    expect(failing).toContain("param b_hh");
    // The forward pass is unaffected by a derivative rule.
    expect(report!.forward.every((t) => t.pass)).toBe(true);
    // The mistake is in every step, so it shows with a single step.
    expect(report!.gradients.find((t) => t.name === "param W_ih")!.firstFailingStep).toBe(1);
  });
});
