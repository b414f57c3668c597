import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler.js";
import { gradcheckModel } from "../../src/verify/model-gradcheck.js";
import type { ModelKernel } from "../../src/verify/contract.js";
import { importGenerated, ROOT } from "../helpers/generated.js";
import { INPUTS_MODELS_FILE } from "../helpers/torch-inputs.js";

/**
 * gradcheck on models with several inputs: the generated module's gradients of every param, of each
 * vector input by name (a per-sequence one [B, W]) and of the initial state agree with finite
 * differences and with the tfjs oracle (which repeats a per-sequence argument over the steps itself),
 * also with an example of length 0 (its per-sequence input is zero, and so is its gradient).
 */
const text = readFileSync(join(ROOT, INPUTS_MODELS_FILE), "utf8");

describe("gradcheck on models with several inputs", () => {
  for (const [name, dims] of [["CondPerSequence", { I: 3, C: 2, H: 3, O: 2 }], ["CondPerStep", { I: 2, C: 3, H: 2, O: 2 }], ["Concat2", { I: 2, J: 3, H: 2 }]] as const) {
    for (const lengths of [undefined, [4, 0, 2]]) {
      it(`${name}${lengths ? `, lengths [${lengths.join(", ")}]` : ""}`, async () => {
        const model = compileModel(INPUTS_MODELS_FILE, text, name).model!;
        const module = await importGenerated(INPUTS_MODELS_FILE);
        const kernel = (module[name] as (d: object, o: object) => ModelKernel)(dims, { dtype: "float64" });
        const report = await gradcheckModel(model, kernel, { dims, batch: 3, steps: 4, seed: 3, ...(lengths ? { lengths } : {}) });
        const names = report.gradients.map((g) => g.name);
        for (const i of model.inputs) expect(names).toContain(i.name);
        expect(report.gradients.filter((g) => !g.pass).map((g) => g.name)).toEqual([]);
        expect(report.forward.filter((f) => !f.pass).map((f) => f.name)).toEqual([]);
        expect(report.pass).toBe(true);
      });
    }
  }
});
