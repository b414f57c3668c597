#!/usr/bin/env node
// The `rnnc` launcher: runs the TypeScript sources directly through tsx, so `npx rnnc …` and
// `node bin/rnnc.js …` work without a build step.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/cli/main.ts");
await run();
