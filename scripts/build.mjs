#!/usr/bin/env node
// `npm run build`: src/ → dist/, what the published package runs (bin/rnnc.js imports dist/cli/main.js).
//
//   node scripts/build.mjs           clean, then JavaScript and declarations (prepack: what is published)
//   node scripts/build.mjs --js      JavaScript only, in place (~1 s; prepare, so that `npm ci` in a clone
//                                    gives a working `npx rnnc` even while a type error is being fixed;
//                                    and the test suite's global setup)
//   node scripts/build.mjs --types   declarations only, in place (tsc; the package test)
//
// - esbuild compiles each source file to an ES module beside where tsc would put it (dist mirrors
//   src, not a bundle: a module's `import.meta.url` finds the data files beside it as in src, and
//   every command's `await import(…)` stays lazy). tsc writes the declarations (.d.ts).
// - The data files the compiler reads at run time are copied to the same relative places: the
//   standard library's .rnn files (the runtime is embedded through src/runtime/generated/bundle.ts).
// - Chevrotain is vendored as its own single-file ESM bundle (with its licence): the package's main
//   entry loads ~700 lodash-es modules, which alone took longer than all of `rnnc check`.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const dist = join(root, "dist");
const require = createRequire(import.meta.url);
const mode = process.argv[2] ?? "--all";
if (!["--all", "--js", "--types"].includes(mode)) {
  console.error(`build: unknown option ${mode} (expected --js or --types, or nothing)`);
  process.exit(2);
}
/** Not part of the package: the demo runs onnxruntime-node from the clone (`npm run demo`). */
const EXCLUDED = new Set([join("cli", "demo.ts")]);

/** Every file under `dir`, as paths relative to it. */
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

/** A package's folder (its package.json need not be exported). */
function packageDir(name, from) {
  let dir = dirname(require.resolve(name, from === undefined ? undefined : { paths: [from] }));
  while (!readdirSync(dir).includes("package.json")) dir = dirname(dir);
  return dir;
}

async function buildJavaScript() {
  const { build } = await import("esbuild");
  const sources = walk(src).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !EXCLUDED.has(f));
  await build({
    entryPoints: sources.map((f) => join(src, f)),
    outdir: dist,
    outbase: src,
    format: "esm",
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "warning",
  });
  // The runtime reaches generated modules through src/runtime/generated/bundle.ts, a module like any
  // other: only the standard library is read as files.
  const isData = (f) => f.endsWith(".rnn");
  const data = walk(src).filter(isData);
  for (const file of data) {
    mkdirSync(dirname(join(dist, file)), { recursive: true });
    copyFileSync(join(src, file), join(dist, file));
  }
  vendorChevrotain();
  rewriteChevrotainImports(".js", "chevrotain.mjs");
  return `${sources.length} modules, ${data.length} data files`;
}

function vendorChevrotain() {
  const chevrotain = packageDir("chevrotain");
  const vendor = join(dist, "vendor");
  mkdirSync(vendor, { recursive: true });
  copyFileSync(join(chevrotain, "lib", "chevrotain.min.mjs"), join(vendor, "chevrotain.mjs"));
  copyFileSync(join(chevrotain, "chevrotain.d.ts"), join(vendor, "chevrotain.d.ts"));
  const version = JSON.parse(readFileSync(join(chevrotain, "package.json"), "utf8")).version;
  writeFileSync(
    join(vendor, "chevrotain.LICENSE.txt"),
    `dist/vendor/chevrotain.mjs is Chevrotain ${version} (https://github.com/chevrotain/chevrotain), its own bundle, which includes lodash-es.\n` +
      `Chevrotain's licence follows, then lodash's.\n\n${readFileSync(join(chevrotain, "LICENSE.txt"), "utf8")}\n\n` +
      readFileSync(join(packageDir("lodash-es", chevrotain), "LICENSE"), "utf8"),
  );
}

/** `from "chevrotain"` → the vendored copy, in every output file ending with `suffix`. */
function rewriteChevrotainImports(suffix, target) {
  for (const file of walk(dist).filter((f) => f.endsWith(suffix) && !f.startsWith(`vendor${sep}`))) {
    const path = join(dist, file);
    const text = readFileSync(path, "utf8");
    const rel = relative(dirname(path), join(dist, "vendor", target)).split(sep).join("/");
    const spec = rel.startsWith(".") ? rel : `./${rel}`;
    const next = text.replace(/(from\s+|import\s*\(\s*)"chevrotain"/g, (_, before) => `${before}"${spec}"`);
    if (next !== text) writeFileSync(path, next);
  }
}

function buildDeclarations() {
  const tsc = require.resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--emitDeclarationOnly"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("tsc failed");
  // The declarations refer to the vendored copy's types (dist/vendor/chevrotain.d.ts).
  rewriteChevrotainImports(".d.ts", "chevrotain.js");
  return "declarations";
}

try {
  const done = [];
  if (mode === "--all") rmSync(dist, { recursive: true, force: true });
  if (mode !== "--types") done.push(await buildJavaScript());
  if (mode !== "--js") done.push(buildDeclarations());
  // On stderr: `npm pack --json` prints its JSON on stdout after the prepack script.
  console.error(`build: dist/ (${done.join("; ")})`);
} catch (error) {
  console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
