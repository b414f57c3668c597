#!/usr/bin/env node
// The `rnnc` command: runs the compiled JavaScript in dist/ (`npm run build`; in a clone, `npm ci`
// builds it through the `prepare` script). For the TypeScript sources without a build step, use
// `npm run rnnc -- …` (tsx).
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (error) {
  const missing = error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/main.js");
  // Only a missing build, a broken installation or a bug in rnnc itself gets here; say so without a stack.
  process.stderr.write(
    missing
      ? "error: rnnc is not built: dist/cli/main.js is missing (run `npm run build` in rnnc's folder)\n"
      : `internal compiler error: rnnc could not start: ${error instanceof Error ? error.message : String(error)}\n` +
          "note: this is a bug in rnnc (or a damaged installation); please report it\n",
  );
  process.exitCode = missing ? 1 : 70;
}
if (cli) await cli.run();
