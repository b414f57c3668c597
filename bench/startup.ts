/**
 * Start-up of the installed package (npm run bench:startup; not a test). Packs rnnc, installs the
 * tarball into an empty temporary project (or uses the project given as the first argument, e.g.
 * one left by an earlier run with --keep), and times cold processes there, interleaved, median of
 * RUNS each: `node -e 0` (the floor), `rnnc --help`, `rnnc check`, `rnnc compile --js` (JavaScript to
 * stdout: esbuild), `rnnc compile --js -o` (also the .d.ts: the TypeScript compiler), `rnnc compile`
 * (TypeScript); then the library's warm `compile` of an example in one process.
 *
 *   npx tsx bench/startup.ts [PROJECT] [--runs N] [--keep]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./rnnc-cli.js";
import { quantile } from "./stats.js";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 9;
const keep = args.includes("--keep");
const given = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");

function setUp(): string {
  const work = mkdtempSync(path.join(os.tmpdir(), "rnnc-startup-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const { filename } = (JSON.parse(out) as { filename: string }[])[0]!;
  const project = path.join(work, "project");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "startup", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", path.join(work, filename), "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, stdio: "ignore" });
  return project;
}

const project = given ?? setUp();
copyFileSync(path.join(REPO_ROOT, "examples", "lstm.rnn"), path.join(project, "lstm.rnn"));
const rnnc = path.join(project, "node_modules", ".bin", "rnnc");

const commands: Record<string, [string, string[]]> = {
  "node -e 0": [process.execPath, ["-e", "0"]],
  "rnnc --help": [rnnc, ["--help"]],
  "rnnc check lstm.rnn": [rnnc, ["check", "lstm.rnn"]],
  "rnnc compile lstm.rnn --js": [rnnc, ["compile", "lstm.rnn", "--js"]],
  "rnnc compile lstm.rnn --js -o out/lstm.js": [rnnc, ["compile", "lstm.rnn", "--js", "-o", "out/lstm.js"]],
  "rnnc compile lstm.rnn": [rnnc, ["compile", "lstm.rnn"]],
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, [command, argv]] of Object.entries(commands)) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, argv, { cwd: project, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
    times[name]!.push(ms);
  }
}

const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const floor = median(times["node -e 0"]!);
const limits: Record<string, number> = { "rnnc --help": 4, "rnnc check lstm.rnn": 6, "rnnc compile lstm.rnn --js": 12 };

// The library's warm compile: one process, the first call loads and warms up, then RUNS more.
writeFileSync(
  path.join(project, "warm.mjs"),
  `import { readFileSync } from "node:fs";
import { compile } from "rnnc";
const source = readFileSync("lstm.rnn", "utf8");
await compile(source, { file: "lstm.rnn" });
const times = [];
for (let i = 0; i < ${RUNS}; i++) { const t = performance.now(); const r = await compile(source, { file: "lstm.rnn" }); times.push(performance.now() - t); if (!r.ok) throw new Error("did not compile"); }
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)]);
`,
);
const warm = Number(execFileSync(process.execPath, ["warm.mjs"], { cwd: project, encoding: "utf8" }).trim());

const rows = Object.keys(commands).map((name) => {
  const m = median(times[name]!);
  const ratio = m / floor;
  const limit = limits[name];
  return `| \`${name}\` | ${m.toFixed(0)} ms | ${ratio.toFixed(1)}× | ${limit === undefined ? "" : `≤ ${limit}× ${ratio <= limit ? "✓" : "✗"}`} |`;
});
console.log(`Start-up of the installed package (median of ${RUNS} cold runs; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}):\n`);
console.log("| command | median | × `node -e 0` | target |\n|---|---|---|---|");
console.log(rows.join("\n"));
console.log(`| library: warm \`compile\` of examples/lstm.rnn | ${warm.toFixed(1)} ms | | < 20 ms ${warm < 20 ? "✓" : "✗"} |`);
if (given === undefined) {
  if (keep) console.log(`\n(project kept: ${project})`);
  else rmSync(path.dirname(project), { recursive: true, force: true });
}
