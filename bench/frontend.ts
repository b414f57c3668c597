/**
 * Front-end scaling benchmark: time to parse and check a file of N distinct LSTM cells (N = 1, 10, 100,
 * 1000) through `checkSource(file, text)` from src/compiler.ts. The time per cell should stay flat, i.e.
 * the front end is linear in the size of the file. Run alone with `npx tsx bench/frontend.ts [--quick]`;
 * `npm run bench` runs it too (select it alone with `--only F`).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FrontendRow } from "./report.js";
import { REPO_ROOT } from "./rnnc-cli.js";
import { PLANS, summarize, timeRepeated, type RepPlan } from "./stats.js";

/** Numbers of cells in the generated files. */
export const FRONTEND_SIZES = [1, 10, 100, 1000] as const;

/** examples/lstm.rnn (the acceptance program), renamed so that every cell in the file is distinct. */
const LSTM_EXAMPLE = readFileSync(path.join(REPO_ROOT, "examples", "lstm.rnn"), "utf8");
function lstmCell(k: number): string {
  return LSTM_EXAMPLE.replace("cell LSTM(", `cell LSTM_${k}(`);
}

/** A source file of `n` cells. */
export function frontendSource(n: number): string {
  return Array.from({ length: n }, (_, k) => lstmCell(k + 1)).join("\n");
}

type CheckSource = (file: string, text: string) => unknown;

/** Errors reported by the checker, if its result carries diagnostics (so a broken input is not timed). */
function errorsIn(result: unknown): string[] {
  const diags = (result as { diagnostics?: unknown })?.diagnostics;
  if (!Array.isArray(diags)) return [];
  return diags
    .filter((d) => (d as { severity?: string }).severity === "error")
    .map((d) => String((d as { message?: string }).message ?? "error"));
}

/** Runs the scaling benchmark, or says why it cannot. */
export async function runFrontendBench(plan: RepPlan): Promise<FrontendRow[] | { unavailable: string }> {
  const file = path.join(REPO_ROOT, "src", "compiler.ts");
  if (!existsSync(file)) return { unavailable: "src/compiler.ts does not exist yet" };
  let checkSource: CheckSource;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { checkSource?: unknown };
    if (typeof mod.checkSource !== "function") return { unavailable: "src/compiler.ts does not export checkSource yet" };
    checkSource = mod.checkSource as CheckSource;
  } catch (e) {
    return { unavailable: `src/compiler.ts fails to load: ${(e as Error).message.split("\n")[0]}` };
  }
  const rows: FrontendRow[] = [];
  for (const n of FRONTEND_SIZES) {
    const text = frontendSource(n);
    const errors = errorsIn(checkSource(`bench-${n}.rnn`, text));
    if (errors.length > 0) return { unavailable: `checkSource reports errors on the generated file: ${errors[0]}` };
    const { wall } = await timeRepeated(() => {
      checkSource(`bench-${n}.rnn`, text);
    }, n >= 1000 ? { ...plan, maxReps: Math.min(plan.maxReps, 10) } : plan);
    rows.push({ cells: n, lines: text.split("\n").length, summary: summarize(wall) });
  }
  return rows;
}

// Run alone: print the rows.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await runFrontendBench(process.argv.includes("--quick") ? PLANS.quick : PLANS.full);
  if (!Array.isArray(result)) {
    console.log(`front end (parse + check): not available: ${result.unavailable}`);
  } else {
    for (const r of result) {
      console.log(
        `${String(r.cells).padStart(4)} cells (${r.lines} lines): ${r.summary.median.toFixed(3)} ms, ` +
          `${(r.summary.median / r.cells).toFixed(4)} ms per cell`,
      );
    }
  }
}
