/**
 * The layer rules (.dependency-cruiser.mjs) hold for src/: every import points down
 * core/diagnostics → syntax → check → ir → autodiff → backends → verify → train → cli, the runtime
 * stands alone, and the compiler's core uses no Node built-in. The few known violations being
 * removed are listed in .dependency-cruiser-known-violations.json; that list may only shrink.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cruise, type ICruiseOptions, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

async function rules(): Promise<ICruiseOptions> {
  return extractDepcruiseOptions(join(ROOT, ".dependency-cruiser.mjs"));
}

/** Violations of the project's rules in `dir` (relative to `baseDir`), as `rule: from → to`. */
async function violations(baseDir: string, dir: string, known?: ICruiseOptions["knownViolations"]): Promise<string[]> {
  const result = await cruise([dir], { ...(await rules()), baseDir, ...(known ? { knownViolations: known } : {}) });
  if (typeof result.output === "string") throw new Error("expected a cruise result, got text");
  // Known violations come back with severity "ignore".
  return result.output.summary.violations.filter((v) => v.rule.severity !== "ignore").map((v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe("layer rules", () => {
  it("hold for src/, apart from the known violations being removed", async () => {
    const known = JSON.parse(readFileSync(join(ROOT, ".dependency-cruiser-known-violations.json"), "utf8")) as IViolation[];
    expect(await violations(ROOT, "src", known)).toEqual([]);
    // Every known violation still occurs: a fixed one must leave the list, so the list only shrinks.
    const all = await violations(ROOT, "src");
    for (const v of known) expect(all).toContain(`${v.rule.name}: ${v.from} → ${v.to}`);
  }, 60_000);

  it("fail on a backwards import, on the runtime importing the compiler, and on Node built-ins in the compiler", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-layers-"));
    const files: Record<string, string> = {
      // Backwards: a lower layer importing a higher one.
      "src/core/dims.ts": `import { check } from "../check/checker.js";\nexport const dims = check;\n`,
      "src/ir/lower.ts": `import { gradcheck } from "../verify/gradcheck.js";\nexport const lower = gradcheck;\n`,
      // The runtime importing anything outside itself.
      "src/runtime/gemm.ts": `import { dims } from "../core/dims.js";\nexport const gemm = dims;\n`,
      // A Node built-in in the compiler's core.
      "src/check/checker.ts": `import { readFileSync } from "node:fs";\nexport const check = readFileSync;\n`,
      // One back end importing another.
      "src/backends/onnx/emit.ts": `import { emit } from "../ts/emit.js";\nexport const onnx = emit;\n`,
      // Allowed: downward imports, a back end's own files, the runtime from above, Node in the CLI.
      "src/backends/onnx/index.ts": `import { onnx } from "./emit.js";\nimport { lower } from "../../ir/lower.js";\nexport const all = [onnx, lower];\n`,
      "src/backends/ts/emit.ts": `import { gemm } from "../../runtime/gemm.js";\nexport const emit = gemm;\n`,
      "src/verify/gradcheck.ts": `export const gradcheck = 1;\n`,
      "src/cli/main.ts": `import { writeFileSync } from "node:fs";\nimport { all } from "../backends/onnx/index.js";\nexport const main = [writeFileSync, all];\n`,
    };
    try {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      expect(await violations(dir, "src")).toEqual([
        "backends-side-by-side: src/backends/onnx/emit.ts → src/backends/ts/emit.ts",
        "compiler-core-without-node: src/check/checker.ts → fs",
        "layer-core: src/core/dims.ts → src/check/checker.ts",
        "layer-ir: src/ir/lower.ts → src/verify/gradcheck.ts",
        "runtime-stands-alone: src/runtime/gemm.ts → src/core/dims.ts",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
