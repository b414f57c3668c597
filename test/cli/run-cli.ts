import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: the CLI runs from here so fixture paths in its output are short and stable. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `node bin/rnnc.js …args` as a user would, with colour-related variables cleared. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  const { NO_COLOR: _n, FORCE_COLOR: _f, RNNC_BACKTRACE: _b, ...rest } = process.env;
  const result = spawnSync(process.execPath, ["bin/rnnc.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...rest, ...env },
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const FIXTURES = "test/cli/fixtures";
