/**
 * `npm run bench [-- --quick] [-- --only A,B]`: every system on every workload in one run. For each
 * workload and mode, the reference (rnnc's TypeScript kernel when it exists, else tfjs on the cpu backend)
 * runs first; every other system is compared with it (max |Δ| of the outputs, and of dLoss/dW_hh for
 * fwd+bwd) and only then timed; a system off by more than the tolerance (report.ts) is WRONG, not timed or
 * ranked.
 * Writes bench/RESULTS.md and bench/chart.svg.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderChart } from "./chart.js";
import { readEnvironment } from "./environment.js";
import { runFrontendBench } from "./frontend.js";
import { maxAbs, renderConsole, renderMarkdown, toleranceFor, type BenchReport, type CeilingRow, type Row, type ThreadRatioRow } from "./report.js";
import { REPO_ROOT } from "./rnnc-cli.js";
import { capPlan, maxAbsDiff, pairedRatio, PLANS, summarize, type RepPlan, type Timing } from "./stats.js";
import { measureCeiling } from "./systems/js-ceiling.js";
import { ortNativeSystem } from "./systems/ort-native.js";
import { ortRnncSystem } from "./systems/ort-rnnc.js";
import { ortTorchTracedSystem } from "./systems/ort-torch-traced.js";
import { loadRnncCell, rnncTsSystem, rnncWasmRelaxedSystem, rnncWasmSystem } from "./systems/rnnc-ts.js";
import { tfjsSystem } from "./systems/tfjs.js";
import { torchSystem } from "./systems/torch.js";
import { isUnavailable, type BenchSystem, type Instance, type Outputs } from "./systems/types.js";
import {
  flopsFor, makeCustomData, makeStandardData, selectWorkloads,
  type Mode, type Workload, type WorkloadData,
} from "./workloads.js";

interface Options {
  quick: boolean;
  only: string[];
}

const USAGE = `usage: npm run bench -- [--quick] [--only A,B,C,F | --only A-GRU,...]
  --quick       few repetitions (a smoke run)
  --only LIST   workload groups (A throughput, B latency, C custom cell, F front end) or workload ids`;

function parseArgs(argv: readonly string[]): Options | string {
  const opts: Options = { quick: false, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") opts.quick = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const value = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (value === undefined || value.trim() === "") return "--only needs a list, e.g. --only A,B";
      opts.only.push(...value.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
    } else if (a === "--help" || a === "-h") return "";
    else return `unknown argument ${JSON.stringify(a)}`;
  }
  return opts;
}

/** The systems, in report order. rnnc's come first: its TypeScript kernel is the reference when present. */
function systemsFor(quick: boolean): BenchSystem[] {
  return [
    rnncTsSystem,
    rnncWasmSystem(1),
    rnncWasmSystem(2),
    rnncWasmRelaxedSystem,
    ortRnncSystem("unroll"),
    ortRnncSystem("scan"),
    ortRnncSystem("native"),
    ortNativeSystem,
    ortTorchTracedSystem,
    torchSystem,
    tfjsSystem("wasm"),
    tfjsSystem("cpu", quick ? 2 : 3), // seconds per batch: a few repetitions only
  ];
}

/**
 * Timing rounds per workload and mode: each system that passed the check runs a fifth of its
 * repetitions (and budget) per round, the systems in turn, so a change in the machine's load —
 * this machine is shared — hits every system alike and the ratios between them stay fair. A
 * slow system (a `maxReps` cap) and one timed in another process run in the first round only.
 */
const ROUNDS = 5;

/** Times the systems in ROUNDS interleaved rounds; per system its timings, or the error it raised. */
async function timeInRounds(mode: Mode, timed: readonly { s: BenchSystem; inst: Instance }[], plan: RepPlan): Promise<Map<BenchSystem, Timing | Error>> {
  const rounds = plan === PLANS.quick ? 1 : ROUNDS;
  const out = new Map<BenchSystem, Timing | Error>();
  const share = (n: number) => Math.max(1, Math.ceil(n / rounds));
  for (let r = 0; r < rounds; r++) {
    for (const { s, inst } of timed) {
      const whole = s.maxReps !== undefined || s.timedElsewhere === true;
      const sofar = out.get(s);
      if (sofar instanceof Error || (whole && r > 0)) continue;
      const roundPlan: RepPlan = whole
        ? s.maxReps === undefined ? plan : capPlan(plan, s.maxReps)
        : { warmup: r === 0 ? plan.warmup : 1, minReps: share(plan.minReps), maxReps: share(plan.maxReps), budgetMs: plan.budgetMs / rounds };
      try {
        const t = await inst.time(mode, roundPlan);
        out.set(s, sofar === undefined ? { wall: [...t.wall], cpu: [...t.cpu] } : { wall: [...sofar.wall, ...t.wall], cpu: [...sofar.cpu, ...t.cpu] });
      } catch (e) {
        out.set(s, e instanceof Error ? e : new Error(String(e)));
      }
    }
  }
  return out;
}

/** Alternating pairs of single repetitions timed for the two-thread ratio (see pairedRatio). */
const RATIO_PAIRS = 30;

/**
 * rnnc's wasm kernels on two threads against one, timed in alternating single repetitions
 * once both have been timed without error: the ratio the medians give moves with the host's load.
 */
async function threadsRatio(w: Workload, mode: Mode, timed: readonly { s: BenchSystem; inst: Instance }[], timings: Map<BenchSystem, Timing | Error>, plan: RepPlan): Promise<ThreadRatioRow | undefined> {
  const find = (name: string) => timed.find((t) => t.s.name === name && !(timings.get(t.s) instanceof Error));
  const one = find("rnnc-wasm");
  const two = find("rnnc-wasm×2");
  if (one === undefined || two === undefined) return undefined;
  const single = { warmup: 0, minReps: 1, maxReps: 1, budgetMs: 0 };
  const rep = (inst: Instance) => async () => (await inst.time(mode, single)).wall[0]!;
  const r = await pairedRatio(rep(one.inst), rep(two.inst), plan === PLANS.quick ? 5 : RATIO_PAIRS);
  progress(w, mode, "threads", `two threads ${r.ratio.median.toFixed(2)}× one in ${r.pairs} alternating pairs (quartiles ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)})`);
  return { workload: w.id, mode, ...r };
}

function errorText(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split("\n")[0]!;
}

/** The data for a workload; custom cells take rnnc's own parameters (its `init`), so they need rnnc. */
async function dataFor(w: Workload): Promise<WorkloadData | string> {
  if (w.group !== "C") return makeStandardData(w);
  const cell = await loadRnncCell(w);
  if (!("forward" in cell)) return `workload C needs rnnc's compiled cell: ${cell.unavailable}`;
  return makeCustomData(w, cell.init(20241122), cell.paramShapes);
}

function progress(w: Workload, mode: Mode | "", system: string, text: string): void {
  console.log(`  ${w.id.padEnd(12)} ${mode.padEnd(8)} ${system.padEnd(16)} ${text}`);
}

/** Benchmarks one workload's systems; returns the reference system's name and its gradient scale. */
async function benchWorkload(
  w: Workload,
  data: WorkloadData,
  systems: readonly BenchSystem[],
  plan: RepPlan,
  rows: Row[],
  threadRatios: ThreadRatioRow[],
): Promise<{ reference: string; gradScale?: number }> {
  let gradScale: number | undefined;
  const instances = new Map<BenchSystem, Instance>();
  const skip = (s: BenchSystem, status: Row["status"], note: string) => {
    for (const mode of s.modes) rows.push({ workload: w.id, mode, system: s.name, isReference: false, status, note, flops: flopsFor(w, mode) });
  };
  for (const s of systems) {
    try {
      const inst = await s.setup(w, data, plan);
      if (isUnavailable(inst)) {
        skip(s, "not available", inst.unavailable);
        progress(w, "", s.name, `not available: ${inst.unavailable}`);
      } else instances.set(s, inst);
    } catch (e) {
      skip(s, "error", errorText(e));
      progress(w, "", s.name, `error during setup: ${errorText(e)}`);
    }
  }
  const refSystem = [...instances.keys()].find((s) => s.name === "rnnc-ts") ?? [...instances.keys()].find((s) => s.name === "tfjs-cpu");
  for (const mode of ["fwd", "fwd+bwd"] as const) {
    let ref: Outputs | undefined;
    if (refSystem !== undefined) {
      try {
        ref = await instances.get(refSystem)!.outputs(mode);
        if (ref.gradWhh !== undefined) gradScale = maxAbs(ref.gradWhh);
      } catch (e) {
        progress(w, mode, refSystem.name, `reference failed: ${errorText(e)}`);
      }
    }
    // Check every system first; then time those that passed, interleaved (see timeInRounds).
    const timed: { s: BenchSystem; inst: Instance; row: Omit<Row, "status" | "summary" | "cpuSummary"> & { status: Row["status"] } }[] = [];
    for (const [s, inst] of instances) {
      if (!s.modes.includes(mode)) continue;
      const base = { workload: w.id, mode, system: s.name, isReference: s === refSystem && ref !== undefined, flops: flopsFor(w, mode) };
      try {
        const out = s === refSystem && ref !== undefined ? ref : await inst.outputs(mode);
        const diffH = ref === undefined ? undefined : maxAbsDiff(out.h, ref.h);
        const diffGrad =
          mode === "fwd" || ref?.gradWhh === undefined || out.gradWhh === undefined ? undefined : maxAbsDiff(out.gradWhh, ref.gradWhh);
        const missingGrad = mode === "fwd+bwd" && ref?.gradWhh !== undefined && out.gradWhh === undefined;
        const gradTolerance = toleranceFor(ref?.gradWhh === undefined ? 0 : maxAbs(ref.gradWhh));
        const badH = diffH !== undefined && diffH > toleranceFor(ref === undefined ? 0 : maxAbs(ref.h));
        if (ref !== undefined && (badH || (diffGrad ?? 0) > gradTolerance || missingGrad)) {
          const what = missingGrad ? "no dW_hh" : badH ? "outputs differ" : "dW_hh differs";
          rows.push({ ...base, status: "WRONG", note: what, diffH, diffGrad });
          progress(w, mode, s.name, `WRONG (${what}: max|Δ| out ${diffH}, dW_hh ${diffGrad ?? "—"}); not timed`);
          continue;
        }
        const status = ref === undefined ? "unchecked" : "ok";
        timed.push({ s, inst, row: { ...base, status, note: ref === undefined ? "no reference to compare with" : undefined, diffH, diffGrad } });
      } catch (e) {
        rows.push({ ...base, isReference: false, status: "error", note: errorText(e) });
        progress(w, mode, s.name, `error: ${errorText(e)}`);
      }
    }
    const timings = await timeInRounds(mode, timed, plan);
    for (const { s, row } of timed) {
      const timing = timings.get(s);
      if (timing instanceof Error) {
        rows.push({ ...row, isReference: false, status: "error", note: errorText(timing) });
        progress(w, mode, s.name, `error: ${errorText(timing)}`);
        continue;
      }
      const summary = summarize(timing!.wall);
      rows.push({ ...row, summary, cpuSummary: summarize(timing!.cpu) });
      progress(w, mode, s.name, `${summary.median.toFixed(3)} ms median of ${summary.n}, max|Δ| out ${row.diffH?.toExponential(1) ?? "—"}`);
    }
    const ratio = await threadsRatio(w, mode, timed, timings, plan);
    if (ratio !== undefined) threadRatios.push(ratio);
  }
  for (const inst of instances.values()) await inst.dispose();
  return { reference: refSystem?.name ?? "none", ...(gradScale !== undefined ? { gradScale } : {}) };
}

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (typeof parsed === "string") {
    if (parsed !== "") console.error(`bench: ${parsed}`);
    console.error(USAGE);
    return parsed === "" ? 0 : 2;
  }
  const { selected, unknown } = selectWorkloads(parsed.only);
  if (unknown.length > 0) {
    console.error(`bench: unknown workload(s) in --only: ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  const plan = parsed.quick ? PLANS.quick : PLANS.full;
  const env = readEnvironment();
  console.log(`rnnc benchmark — ${env.cpuModel}, ${env.cores} cores, Node ${env.node}, load ${env.loadAverage.map((v) => v.toFixed(2)).join(" ")}`);
  console.log(`plan: ${plan.warmup} warm-up, ${plan.minReps}–${plan.maxReps} timed repetitions (budget ${plan.budgetMs} ms per system)`);

  const systems = systemsFor(parsed.quick);
  const rows: Row[] = [];
  const threadRatios: ThreadRatioRow[] = [];
  const ceilings: CeilingRow[] = [];
  const workloads: BenchReport["workloads"][number][] = [];
  for (const w of selected) {
    console.log(`\n${w.id}: ${w.title}, I=${w.I} H=${w.H} B=${w.B} T=${w.T}`);
    const sizes = `I=${w.I}, H=${w.H}, B=${w.B}, T=${w.T}`;
    const data = await dataFor(w);
    if (typeof data === "string") {
      progress(w, "", "", `not available: ${data}`);
      workloads.push({ id: w.id, title: w.title, sizes, reference: "—", unavailable: data });
      continue;
    }
    const c = await measureCeiling(w.B, w.I + w.H, w.gates * w.H, plan);
    ceilings.push({ workload: w.id, M: c.M, K: c.K, N: c.N, summary: summarize(c.samples), maxAbsDiff: c.maxAbsDiff });
    progress(w, "", "js-ceiling", `${summarize(c.samples).median.toFixed(3)} ms median per step matmul`);
    const { reference, gradScale } = await benchWorkload(w, data, systems, plan, rows, threadRatios);
    workloads.push({ id: w.id, title: w.title, sizes, reference, ...(gradScale !== undefined ? { gradScale } : {}) });
  }
  const runFrontend = parsed.only.length === 0 || parsed.only.includes("F");
  const frontend = runFrontend ? await runFrontendBench(plan) : undefined;

  const notes = systems.flatMap((s) => s.notes?.() ?? []);
  const report: BenchReport = { env, quick: parsed.quick, workloads, rows, threadRatios, ceilings, frontend, notes, loadAfter: os.loadavg() };
  console.log(renderConsole(report));
  writeFileSync(path.join(REPO_ROOT, "bench", "RESULTS.md"), renderMarkdown(report));
  writeFileSync(path.join(REPO_ROOT, "bench", "chart.svg"), renderChart(report));
  console.log("\nwrote bench/RESULTS.md and bench/chart.svg");
  return 0;
}

process.exitCode = await main();
