/**
 * gradcheck on a broken model driver: the generated module is compiled, one line of its embedded
 * driver (src/runtime/model.ts) is replaced, and the check must fail, naming exactly
 * the params, states and inputs the fault reaches.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderGradcheckReport } from "../../src/verify/gradcheck-report.js";
import { gradcheckModel } from "../../src/verify/model-gradcheck.js";
import { ROOT } from "../helpers/generated.js";
import { CHAR, failing, modelModule, PARITY } from "./model-programs.js";

const BIGRU = readFileSync(join(ROOT, "examples/bigru.rnn"), "utf8");
const BWD = ["param bwd.W_ih", "param bwd.W_hh", "param bwd.b_ih", "param bwd.b_hh"];

async function run(file: string, text: string, patch: { from: string; to: string } | undefined, options: { dims: Record<string, number>; batch?: number; lengths?: number[] }) {
  const { model, factory } = await modelModule(file, text, patch);
  return gradcheckModel(model, factory(options.dims, { dtype: "float64" }), { steps: 4, seed: 5, ...options });
}

describe("gradcheck catches a broken model driver", () => {
  it("a reverse whose gradient is not reversed: the backward layer, x and its initial state", async () => {
    const patch = { from: "addTo(node.arg, reverseSteps(g, T, B, widths[id]!, len, F))", to: "addTo(node.arg, g)" };
    const report = await run("examples/bigru.rnn", BIGRU, patch, { dims: { I: 3, H: 4 }, batch: 2, lengths: [4, 2] });
    expect(report.pass).toBe(false);
    expect(failing(report)).toEqual([...BWD, "x", "initial bwd.h"]);
    // Both references see it.
    for (const g of report.gradients.filter((t) => !t.pass)) expect([g.name, g.fd!.pass, g.oracle!.pass]).toEqual([g.name, false, false]);
    const text = renderGradcheckReport(report);
    expect(text).toMatch(/^ {2}param bwd\.W_ih: at \[\d+, \d\] kernel \S+, finite differences \S+, oracle \S+; first fails with \d steps?$/m);
    expect(text.endsWith("FAIL: 6 of 11 gradients and 0 of 3 forward values disagree\n")).toBe(true);
  });

  it("a `last` whose gradient lands on step T − 1 instead of each example's own last step", async () => {
    const patch = { from: "const o = ((L - 1) * B + b) * W;", to: "const o = ((T - 1) * B + b) * W;" };
    const report = await run("parity.rnn", PARITY, patch, { dims: { H: 3 }, batch: 2, lengths: [4, 2] });
    // The readout's gradients come from the logits, upstream of `last`: they stay right.
    expect(failing(report)).toEqual(["param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "x", "initial rnn.h"]);
    // Cut to s steps the lengths are min(4, s) and min(2, s): they first differ from s at s = 3.
    expect(report.gradients.filter((g) => !g.pass).map((g) => g.firstFailingStep)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(renderGradcheckReport(report)).toMatch(/^ {2}initial rnn\.h: at \[\d, \d\] kernel \S+, finite differences \S+, oracle \S+; first fails with 3 steps$/m);
  });

  it("…which full-length sequences cannot see", async () => {
    const patch = { from: "const o = ((L - 1) * B + b) * W;", to: "const o = ((T - 1) * B + b) * W;" };
    const report = await run("parity.rnn", PARITY, patch, { dims: { H: 3 }, batch: 2 });
    expect(failing(report)).toEqual([]);
  });

  it("a cross-entropy gradient without the target's −1/count: every param upstream of the logits", async () => {
    const patch = { from: "g[o + ids[r]!]! -= 1 / count;", to: "" };
    const report = await run("char.rnn", CHAR, patch, { dims: { V: 3, E: 4, H: 5 }, batch: 2 });
    expect(failing(report)).toEqual([
      "param emb.W", "param rnn.W_ih", "param rnn.W_hh", "param rnn.b_ih", "param rnn.b_hh", "param head.W", "param head.b", "initial rnn.h", "initial rnn.c",
    ]);
    expect(report.forward.every((f) => f.pass)).toBe(true);
  });

  it("a reverse that does not reverse, forward and backward alike: finite differences agree, the oracle does not", async () => {
    // Consistent with itself, so only an independent implementation of the model can tell.
    const patch = { from: "const from = ((L - 1 - t) * B + b) * W;", to: "const from = (t * B + b) * W;" };
    const report = await run("examples/bigru.rnn", BIGRU, patch, { dims: { I: 3, H: 4 }, batch: 2 });
    expect(failing(report)).toEqual(["output y", "final bwd.h", ...BWD, "x", "initial bwd.h"]);
    expect(report.gradients.every((g) => g.fd!.pass)).toBe(true);
    const text = renderGradcheckReport(report);
    expect(text).toMatch(/^ {2}output y: at \[\d, \d, \d\] kernel \S+, oracle \S+; first differs at step 1$/m);
    expect(text).toMatch(/^ {2}final bwd\.h: at \[\d, \d\] kernel \S+, oracle \S+; first fails with 2 steps$/m);
  });
});
