#!/usr/bin/env node
// The `rnnc` launcher: runs the TypeScript sources directly through tsx, so `npx rnnc …` and
// `node bin/rnnc.js …` work without a build step.
//
// tsx is given our own tsconfig explicitly. Otherwise it would look for a tsconfig.json in the
// user's working directory and compile rnnc with *their* settings. That tsconfig also maps
// `chevrotain` to the package's single-file bundle: the default entry pulls in ~700 lodash-es
// modules, each passing through tsx's loader, which made `rnnc check` spend ~2 s importing the
// parser library; the bundle is the same version of the same code in one module (~0.1 s).
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("./tsconfig.runtime.json", import.meta.url)) });
let cli;
try {
  cli = await import("../src/cli/main.ts");
} catch (error) {
  // Only a broken installation or a compile error in rnnc itself gets here; say so without a stack.
  process.stderr.write(
    `internal compiler error: rnnc could not start: ${error instanceof Error ? error.message : String(error)}\n` +
      "note: this is a bug in rnnc (or a damaged installation); please report it\n",
  );
  process.exitCode = 70;
}
if (cli) await cli.run();
