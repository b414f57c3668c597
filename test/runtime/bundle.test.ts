/**
 * The runtime's bundling step (scripts/bundle-runtime.ts): the committed bundle is what the script
 * makes from src/runtime today, and the bundler keeps what the entries reach, drops imports and
 * exports, and renames a private name two files share.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { BUNDLE_PATH, bundleRuntime } from "../../scripts/bundle-runtime.js";
import { MODEL_DRIVER_TEXT, RUNTIME_NAMES, RUNTIME_TEXT } from "../../src/runtime/generated/bundle.js";

describe("runtime bundle", () => {
  it("is up to date with src/runtime (run `npm run generate` after changing the runtime)", () => {
    expect(readFileSync(BUNDLE_PATH, "utf8")).toBe(bundleRuntime());
  });

  it("holds declarations only: no import or export is left, the driver apart from the rest", () => {
    for (const text of [RUNTIME_TEXT, MODEL_DRIVER_TEXT]) expect(text).not.toMatch(/^\s*(import|export)\b/m);
    expect(RUNTIME_TEXT).toMatch(/^function gemm\(/m);
    expect(RUNTIME_TEXT).not.toMatch(/^function buildModel/m);
    expect(MODEL_DRIVER_TEXT).toMatch(/^function buildModel</m);
    expect(RUNTIME_NAMES).toContain("buildModel");
  });

  it("keeps what the entries reach, in dependency order, and renames a clashing private name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rnnc-bundle-"));
    const files: Record<string, string> = {
      "index.ts": `export { a } from "./x.js";\n`,
      "model-api.ts": `export { m } from "./y.js";\n`,
      "x.ts": `// x's header\nimport { b } from "./y.js";\n\nfunction helper(): number {\n  return b() + 1;\n}\n\n/** a */\nexport function a(): number {\n  const helper2 = helper;\n  return helper2();\n}\n`,
      "y.ts": `function helper(): number {\n  return 2;\n}\n\nexport function b(): number {\n  return helper();\n}\n\nexport function dead(): number {\n  return 0;\n}\n\nexport const m = (): string => \`\${b()}\`;\n`,
    };
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, "bundle.ts"), bundleRuntime(dir));
      const bundle = (await import(pathToFileURL(join(dir, "bundle.ts")).href)) as Record<string, unknown>;
      const text = (name: string): unknown => bundle[name];
      expect(text("RUNTIME_TEXT")).toBe(
        "// ---- runtime/y.ts ----\nfunction helper(): number {\n  return 2;\n}\n\nfunction b(): number {\n  return helper();\n}\n\n" +
          "// ---- runtime/x.ts ----\n// x's header\n\nfunction helper$x(): number {\n  return b() + 1;\n}\n\n/** a */\nfunction a(): number {\n  const helper2 = helper$x;\n  return helper2();\n}\n",
      );
      expect(text("MODEL_DRIVER_TEXT")).toBe("// ---- runtime/y.ts ----\nconst m = (): string => `${b()}`;\n");
      expect(bundle.RUNTIME_NAMES).toEqual(["a", "b", "helper", "helper$x", "m"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
