import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./generated.js";

/**
 * Vitest's global setup: compiles src/ to dist/ (JavaScript only, ~1–2 s) before any test runs,
 * so the tests that spawn `node bin/rnnc.js` run the current sources, as built for the package.
 */
export default function setup(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "--js"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}
