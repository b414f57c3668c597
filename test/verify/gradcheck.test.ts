/**
 * gradcheck on a hand-written float64 Elman kernel (elman-kernel.ts): it passes when the
 * kernel is right, with and without variable lengths and for tanh and relu; and when the
 * kernel is broken on purpose it fails, naming the tensor and the first failing step.
 */
import { describe, expect, it } from "vitest";
import { VerifyInputError } from "../../src/verify/errors.js";
import { gradcheck } from "../../src/verify/gradcheck.js";
import { gradcheckReportJson, renderGradcheckReport } from "../../src/verify/gradcheck-report.js";
import { elmanKernel } from "./elman-kernel.js";
import { elmanGraph } from "./graphs.js";
import { lowerSource, pytorchElmanSource } from "./lowered.js";

const dims = { I: 3, H: 4 };
const GRADIENTS = ["param W_ih", "param W_hh", "param b_ih", "param b_hh", "x", "initial h"];

describe("gradcheck on a correct kernel", () => {
  it.each([
    ["tanh", undefined],
    ["tanh", [4, 2]],
    ["relu", [1, 4]],
  ] as const)("%s, lengths %j: every tensor passes against finite differences and the oracle", async (activation, lengths) => {
    const report = await gradcheck(elmanGraph(activation), elmanKernel(dims, activation), { dims, steps: 4, lengths: lengths && [...lengths] });
    expect(report.pass).toBe(true);
    expect(report.gradients.map((g) => g.name)).toEqual(GRADIENTS);
    expect(report.forward.map((f) => f.name)).toEqual(["output h", "final h"]);
    for (const g of report.gradients) {
      expect(g.fd!.mode).toBe("full");
      // Measured: float64 finite differences agree to ~1e-9; the float32 oracle to ~1e-6.
      expect(g.fd!.elements.maxRel, g.name).toBeLessThan(1e-7);
      expect(g.oracle!.maxRel, g.name).toBeLessThan(2e-5);
      expect(g.firstFailingStep).toBeUndefined();
    }
    const text = renderGradcheckReport(report);
    expect(text.endsWith("PASS: 6 gradients and 2 forward values agree\n")).toBe(true);
  });

  it("passes with the graph the front end lowers from .rnn source", async () => {
    const graph = lowerSource("elman.rnn", pytorchElmanSource("tanh"), "Elman");
    const report = await gradcheck(graph, elmanKernel(dims), { dims, steps: 3, lengths: [2, 3] });
    expect(report.gradients.map((g) => [g.name, g.pass])).toEqual(GRADIENTS.map((n) => [n, true]));
    expect(report.pass).toBe(true);
  });

  it("is deterministic: same seed, same report", async () => {
    const run = () => gradcheck(elmanGraph(), elmanKernel(dims), { dims, steps: 3, seed: 5 }).then(renderGradcheckReport);
    expect(await run()).toBe(await run());
  });

  it("checks a large tensor on a sample plus projections", async () => {
    const big = { I: 40, H: 12 };
    const report = await gradcheck(elmanGraph(), elmanKernel(big), { dims: big, steps: 2, fd: { fullCheckLimit: 100, samples: 10 } });
    const w = report.gradients.find((g) => g.name === "param W_ih")!;
    expect([w.fd!.mode, w.fd!.elements.checked, w.fd!.projection!.checked]).toEqual(["sampled", 10, 2]);
    expect(report.pass).toBe(true);
    expect(renderGradcheckReport(report)).toMatch(/^param W_ih +\[12, 40\] +10\/480 \+2 proj +/m);
  });
});

describe("gradcheck on a broken kernel", () => {
  it("names the param whose gradient drops a step, and the first failing step", async () => {
    const kernel = elmanKernel(dims, "tanh", { dropBiasGradAtStep: 2 });
    const report = await gradcheck(elmanGraph(), kernel, { dims, steps: 4 });
    expect(report.pass).toBe(false);
    const failing = report.gradients.filter((g) => !g.pass);
    expect(failing.map((g) => [g.name, g.fd!.pass, g.oracle!.pass, g.firstFailingStep])).toEqual([["param b_hh", false, false, 3]]);
    expect(report.forward.every((f) => f.pass)).toBe(true);
    const text = renderGradcheckReport(report);
    expect(text).toMatch(/^param b_hh +\[4\] +4\/4 +\S+ +\S+ +FAIL +\S+ +\S+ +FAIL +3$/m);
    expect(text).toMatch(/^ {2}param b_hh: at \[\d\] kernel \S+, finite differences \S+, oracle \S+; first fails with 3 steps$/m);
    expect(text.endsWith("FAIL: 1 of 6 gradients and 0 of 2 forward values disagree\n")).toBe(true);
  });

  it("finds a fault at the first step", async () => {
    const report = await gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { dropBiasGradAtStep: 0 }), { dims, steps: 3 });
    expect(report.gradients.filter((g) => !g.pass).map((g) => [g.name, g.firstFailingStep])).toEqual([["param b_hh", 1]]);
  });

  it("catches a wrong forward output against the oracle, at its time step", async () => {
    const report = await gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { scaleOutputAtStep: 1 }), { dims, steps: 4 });
    const out = report.forward.find((f) => f.name === "output h")!;
    expect([out.pass, out.firstFailingStep]).toEqual([false, 2]);
    expect(report.forward.find((f) => f.name === "final h")!.pass).toBe(true);
    expect(report.pass).toBe(false);
  });

  it("locates a wrong state update: outputs at its step, the final state by sequence length", async () => {
    const report = await gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { shiftStateAtStep: 2 }), { dims, steps: 4 });
    expect(report.forward.map((f) => [f.name, f.pass, f.firstFailingStep])).toEqual([["output h", false, 3], ["final h", false, 3]]);
    expect(renderGradcheckReport(report)).toMatch(/^ {2}final h: at \[\d, \d\] kernel \S+, oracle \S+; first fails with 3 steps$/m);
  });

  it("runs without the oracle when asked", async () => {
    const report = await gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { dropBiasGradAtStep: 1 }), { dims, steps: 2, oracle: false });
    expect(report.gradients.map((g) => [g.name, g.oracle, g.pass, g.firstFailingStep])).toEqual([
      ["param W_ih", undefined, true, undefined], ["param W_hh", undefined, true, undefined], ["param b_ih", undefined, true, undefined],
      ["param b_hh", undefined, false, 2], ["x", undefined, true, undefined], ["initial h", undefined, true, undefined],
    ]);
    expect(renderGradcheckReport(report)).toContain("tfjs oracle: not used\n");
  });

  it("reports a missing gradient as a precise error", async () => {
    await expect(gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { omitParamGrad: "W_hh" }), { dims })).rejects.toThrow(
      new VerifyInputError("kernel.backward: gradient of param `W_hh`: expected an array of 16 numbers (shape [4, 4]), found nothing"),
    );
  });

  it("reports a param shape that disagrees with the cell", async () => {
    const kernel = { ...elmanKernel(dims), paramShapes: { W_ih: [3, 4], W_hh: [4, 4], b_ih: [4], b_hh: [4] } };
    await expect(gradcheck(elmanGraph(), kernel, { dims })).rejects.toThrow(
      "the kernel's param `W_ih` has shape [3, 4], but cell Elman declares [4, 3]",
    );
  });
});

describe("gradcheck report as JSON", () => {
  it("round-trips through JSON.stringify with the verdicts and the first failing step", async () => {
    const report = await gradcheck(elmanGraph(), elmanKernel(dims, "tanh", { dropBiasGradAtStep: 1 }), { dims, steps: 3 });
    const json = JSON.parse(JSON.stringify(gradcheckReportJson(report))) as {
      pass: boolean;
      gradients: { name: string; pass: boolean; firstFailingStep?: number; fd: { mode: string; elements: { checked: number } } }[];
    };
    expect(json.pass).toBe(false);
    expect(json.gradients.map((g) => [g.name, g.pass, g.firstFailingStep ?? null, g.fd.elements.checked])).toEqual([
      ["param W_ih", true, null, 12], ["param W_hh", true, null, 16], ["param b_ih", true, null, 4],
      ["param b_hh", false, 2, 4], ["x", true, null, 18], ["initial h", true, null, 8],
    ]);
  });
});
