/**
 * Runs rnnc's own command line (src/cli/main.ts) for the benchmark, and says in one line why it cannot
 * when the CLI or an example does not exist yet. Never falls back to anything else: a system that rnnc
 * cannot produce is reported as not available.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/ is one level below it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where the benchmark writes compiled modules, exported models and weights (git-ignored). */
export const GENERATED_DIR = path.join(REPO_ROOT, "bench", "generated");

const CLI = path.join(REPO_ROOT, "src", "cli", "main.ts");

/** Result of one CLI call: ok, or the reason it failed as one line. */
export type CliResult = { ok: true } | { ok: false; reason: string };

/** First non-empty line of a tool's error output, for a one-line report. */
function firstLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).find((l) => l.length > 0);
  return line ?? "(no output)";
}

/** Checks that the CLI and the example exist, without running anything. */
export function rnncPrerequisite(example: string): CliResult {
  if (!existsSync(CLI)) return { ok: false, reason: "src/cli/main.ts does not exist yet" };
  if (!existsSync(path.join(REPO_ROOT, example))) return { ok: false, reason: `${example} does not exist yet` };
  return { ok: true };
}

/** Runs `node --import tsx src/cli/main.ts ...args` in the repository root. */
export function runRnnc(args: readonly string[]): CliResult {
  const res = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  if (res.error) return { ok: false, reason: `could not run the CLI: ${res.error.message}` };
  if (res.status !== 0) {
    return { ok: false, reason: `\`rnnc ${args[0]}\` exited ${res.status}: ${firstLine(res.stderr || res.stdout)}` };
  }
  return { ok: true };
}
