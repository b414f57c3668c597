/**
 * gradcheck on models written here: a per-sequence classifier (`last`), a character model (ids,
 * an embedding, per-step cross-entropy), an MSE regression and a stateless layer applied twice;
 * each with and without variable lengths. Every param, x (vector inputs) and every layer's
 * initial state is checked against finite differences and the tfjs model oracle.
 */
import { describe, expect, it } from "vitest";
import { gradcheckSource } from "../../src/verify/unit.js";
import { gradcheckReportJson, renderGradcheckReport } from "../../src/verify/gradcheck-report.js";
import { ARITHMETIC, CHAR, expectClean, PARITY, REGRESSION, SHARED } from "./model-programs.js";

async function check(file: string, text: string, options: Parameters<typeof gradcheckSource>[2] = {}) {
  const { report, diagnostics } = await gradcheckSource(file, text, { steps: 4, seed: 3, ...options });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return report!;
}

const WITHOUT = {};
const WITH = { batch: 3, lengths: [4, 2, 1] };
const WITH_EMPTY = { batch: 3, lengths: [3, 0, 1] };

describe("gradcheck passes on model programs", () => {
  it.each([["without lengths", WITHOUT], ["with lengths", WITH], ["with an empty sequence", WITH_EMPTY]])("arithmetic between sequences (+, -, *; per step and per sequence), %s", async (_, options) => {
    const report = await check("arithmetic.rnn", ARITHMETIC, options);
    expect(report.gradients.map((g) => g.name)).toContain("param p.W");
    expectClean(report);
  });

  it.each([["without lengths", WITHOUT], ["with lengths", WITH], ["with an empty sequence", WITH_EMPTY]])("parity classifier (last, per-sequence cross-entropy), %s", async (_, options) => {
    const report = await check("parity.rnn", PARITY, options);
    expect(report.kind).toBe("model");
    expect(report.dims).toEqual({ H: 3 });
    expect(report.forward.map((f) => f.name)).toEqual(["output logits", "final rnn.h", "loss"]);
    expect(report.gradients.map((g) => g.name)).toEqual([
      "param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "param head.W", "param head.b", "x", "initial rnn.h",
    ]);
    expect(report.forward.find((f) => f.name === "output logits")!.shape).toEqual([report.batch, 2]);
    expectClean(report);
  });

  it.each([["without lengths", WITHOUT], ["with lengths", WITH]])("character model (ids, Embedding, per-step cross-entropy), %s", async (_, options) => {
    const report = await check("char.rnn", CHAR, options);
    expect(report.dims).toEqual({ V: 3, E: 4, H: 5 });
    // Ids have no gradient: no "x".
    expect(report.gradients.map((g) => g.name)).toEqual([
      "param emb.W", "param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "param head.W", "param head.b", "initial rnn.h", "initial rnn.c",
    ]);
    expect(report.forward.map((f) => f.name)).toEqual(["output logits", "final rnn.h", "final rnn.c", "loss"]);
    expectClean(report);
  });

  it.each([["without lengths", WITHOUT], ["with an empty sequence", WITH_EMPTY]])("MSE regression, %s", async (_, options) => {
    const report = await check("regression.rnn", REGRESSION, options);
    expect(report.gradients.map((g) => g.name)).toEqual([
      "param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "param head.W", "param head.b", "x", "initial rnn.h",
    ]);
    expectClean(report);
  });

  it.each([["without lengths", WITHOUT], ["with lengths", WITH]])("a stateless layer applied twice, %s", async (_, options) => {
    const report = await check("shared.rnn", SHARED, options);
    // One set of params for both applications; no state for the stateless layer.
    expect(report.gradients.map((g) => g.name)).toEqual([
      "param proj.W", "param proj.b", "param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "x", "initial rnn.h", "initial rnn.c",
    ]);
    expectClean(report);
  });

  it("samples a large tensor (elements plus projections), as for cells", async () => {
    const report = await check("parity.rnn", PARITY, { dims: { H: 12 }, steps: 3, fd: { fullCheckLimit: 100, samples: 10 } });
    const w = report.gradients.find((g) => g.name === "param rnn.W_hh")!;
    expect([w.fd!.mode, w.fd!.elements.checked, w.fd!.projection!.checked]).toEqual(["sampled", 10, 2]);
    expect(renderGradcheckReport(report)).toMatch(/^param rnn\.W_hh +\[36, 12\] +10\/432 \+2 proj +/m);
    expect(report.pass).toBe(true);
  });
});

describe("the model report", () => {
  it("says it checks a model, and of which objective", async () => {
    const report = await check("parity.rnn", PARITY, { lengths: [4, 2], batch: 2 });
    const text = renderGradcheckReport(report);
    expect(text.split("\n").slice(0, 2)).toEqual([
      "gradcheck model Parity (H=3) · batch 2 · steps 4 · seed 3 · lengths [4, 2]",
      "objective: loss + Σ outputs ⊙ R + Σ final states ⊙ S (R, S random; the gradients are of it)",
    ]);
    expect(text).toMatch(/^loss +\[\] +\S+ +\S+ +ok$/m);
    expect(text).toMatch(/^initial rnn\.h +\[2, 3\] +6\/6 +\S+ +\S+ +ok +\S+ +\S+ +ok$/m);
    expect(text.endsWith("PASS: 8 gradients and 3 forward values agree\n")).toBe(true);
    const json = JSON.parse(JSON.stringify(gradcheckReportJson(report))) as { cell: string; kind: string; pass: boolean };
    expect([json.cell, json.kind, json.pass]).toEqual(["Parity", "model", true]);
  });

  it("names a model without a loss's objective without one", async () => {
    const text = renderGradcheckReport(await check("shared.rnn", SHARED, { steps: 2 }));
    expect(text).toContain("\nobjective: Σ outputs ⊙ R + Σ final states ⊙ S (R, S random; the gradients are of it)\n");
  });
});
