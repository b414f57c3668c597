/**
 * Reporting: the results of a run as a console table, as bench/RESULTS.md, and (through chart.ts) as
 * bench/chart.svg. Everything here is a pure function of the collected results, so the same results always
 * render to the same bytes.
 */
import type { Environment } from "./environment.js";
import type { PairedRatio, Summary } from "./stats.js";
import { FLOP_FORMULA, type Mode } from "./workloads.js";

/** Outcome of one system on one workload and mode. */
export type RowStatus = "ok" | "WRONG" | "unchecked" | "not available" | "error";

/** One system × workload × mode. */
export interface Row {
  readonly workload: string;
  readonly mode: Mode;
  readonly system: string;
  readonly isReference: boolean;
  readonly status: RowStatus;
  /** Why not available / the error / what disagreed. */
  readonly note?: string;
  readonly flops: number;
  readonly summary?: Summary;
  /** CPU time of the same repetitions (all threads of the process). */
  readonly cpuSummary?: Summary;
  /** Max |Δ| of the per-step outputs against the reference. */
  readonly diffH?: number;
  /** Max |Δ| of dLoss/dW_hh against the reference (fwd+bwd). */
  readonly diffGrad?: number;
}

/** The JS matrix-product ceiling measured at a workload's step shape. */
export interface CeilingRow {
  readonly workload: string;
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly summary: Summary;
  readonly maxAbsDiff: number;
}

/** One size of the front-end scaling benchmark. */
export interface FrontendRow {
  readonly cells: number;
  readonly lines: number;
  readonly summary: Summary;
}

/** Everything a run produced. */
export interface BenchReport {
  readonly env: Environment;
  readonly quick: boolean;
  readonly workloads: readonly {
    id: string;
    title: string;
    sizes: string;
    reference: string;
    unavailable?: string;
    /** Largest |dLoss/dW_hh| of the reference, the scale of the gradient tolerance. */
    gradScale?: number;
  }[];
  readonly rows: readonly Row[];
  /** rnnc's wasm kernels, two threads against one in alternating repetitions. */
  readonly threadRatios: readonly ThreadRatioRow[];
  readonly ceilings: readonly CeilingRow[];
  readonly frontend: readonly FrontendRow[] | { unavailable: string } | undefined;
  /** Facts systems learnt about themselves (PyTorch's BLAS, …). */
  readonly notes: readonly string[];
  /** 1-, 5- and 15-minute load averages when the run ended. */
  readonly loadAfter: readonly number[];
}

/** Two threads against one on a workload and mode, timed in alternating pairs (bench/stats.ts pairedRatio). */
export interface ThreadRatioRow extends PairedRatio {
  readonly workload: string;
  readonly mode: Mode;
}

function threadRatioLines(report: BenchReport): string[] {
  return report.threadRatios.map(
    (r) =>
      `${r.workload} ${r.mode}: two threads ${r.ratio.median.toFixed(2)}× one (quartiles ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)}; ` +
      `medians ${fmtMs(r.first)} and ${fmtMs(r.second)} ms over ${r.pairs} pairs)`,
  );
}

/** A warning when other work shared the machine during the run (timings are then inflated and noisy). */
export function busyWarning(report: BenchReport): string | undefined {
  const peak = Math.max(report.env.loadAverage[0] ?? 0, report.loadAfter[0] ?? 0);
  if (peak <= report.env.cores * 0.75) return undefined;
  return (
    `warning: the machine was busy during this run (1-minute load ${peak.toFixed(1)} on ${report.env.cores} cores); ` +
    "other processes shared the cores, so wall-clock timings are inflated and noisy; the CPU ms column (CPU time " +
    "of the measuring process) is less affected."
  );
}

/**
 * Tolerance on max |Δ| beyond which a system is marked WRONG: 1e-3, scaled by the reference's largest
 * |value| when that exceeds 1. Outputs of these cells lie in (−1, 1), so for them it is 1e-3 absolute;
 * gradients summed over T·B terms can reach thousands (the layer-norm LSTM's dW_hh reaches ≈ 2.7e3, where
 * float32 systems differ from a float64 run by ≈ 3e-2), and there it is 1e-3 relative.
 */
export const TOLERANCE = 1e-3;

/** The tolerance for values whose largest magnitude in the reference is `scale`. */
export function toleranceFor(scale: number): number {
  return TOLERANCE * Math.max(1, scale);
}

/** Largest |value| of an array (the scale the tolerance is relative to). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** GFLOP/s of a timed row (median time). */
export function gflops(row: Row): number | undefined {
  return row.summary === undefined ? undefined : row.flops / (row.summary.median * 1e6);
}

/** GFLOP/s of the ceiling's matrix product. */
export function ceilingGflops(c: CeilingRow): number {
  return (2 * c.M * c.K * c.N) / (c.summary.median * 1e6);
}

/** Milliseconds with three significant figures (never exponent notation). */
export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

function fmtNum(v: number | undefined, digits: number): string {
  return v === undefined ? "—" : v.toFixed(digits);
}

function fmtDiff(v: number | undefined): string {
  if (v === undefined) return "—";
  if (v === 0) return "0";
  return v.toExponential(1);
}

/** Rows that were timed (ok, or the reference), ranked by median time within their workload and mode. */
function rankOf(rows: readonly Row[], row: Row): number | undefined {
  if (row.status !== "ok" || row.summary === undefined) return undefined;
  const peers = rows
    .filter((r) => r.workload === row.workload && r.mode === row.mode && r.status === "ok" && r.summary !== undefined)
    .sort((a, b) => a.summary!.median - b.summary!.median);
  return peers.indexOf(row) + 1;
}

/** time(system) ÷ time(rnnc-ts) for the same workload and mode, when rnnc's TypeScript kernel was timed. */
function ratioToRnnc(rows: readonly Row[], row: Row): number | undefined {
  const rnnc = rows.find((r) => r.workload === row.workload && r.mode === row.mode && r.system === "rnnc-ts");
  if (rnnc?.summary === undefined || rnnc.status !== "ok" || row.summary === undefined) return undefined;
  return row.summary.median / rnnc.summary.median;
}

const HEADERS = [
  "workload", "mode", "system", "ms (median)", "min–max ms", "IQR ms", "CPU ms", "GFLOP/s", "% JS ceiling",
  "time ÷ rnnc", "max|Δ| out", "max|Δ| dW_hh", "rank", "status",
];

/** The table body: one line per timed or checked row, then one line per ceiling. */
function tableRows(report: BenchReport): string[][] {
  const out: string[][] = [];
  for (const w of report.workloads) {
    const ceiling = report.ceilings.find((c) => c.workload === w.id);
    for (const mode of ["fwd", "fwd+bwd"] as const) {
      for (const r of report.rows.filter((x) => x.workload === w.id && x.mode === mode && x.status !== "not available")) {
        const g = gflops(r);
        const s = r.summary;
        const rank = rankOf(report.rows, r);
        const status = r.isReference ? "reference" : r.status === "ok" ? "ok" : r.note ? `${r.status}: ${r.note}` : r.status;
        out.push([
          w.id, mode, r.system,
          s ? fmtMs(s.median) : "—",
          s ? `${fmtMs(s.min)}–${fmtMs(s.max)}` : "—",
          s ? `${fmtMs(s.q1)}–${fmtMs(s.q3)}` : "—",
          r.cpuSummary ? fmtMs(r.cpuSummary.median) : "—",
          fmtNum(g, 2),
          g !== undefined && ceiling ? `${((100 * g) / ceilingGflops(ceiling)).toFixed(0)}%` : "—",
          fmtNum(ratioToRnnc(report.rows, r), 2),
          r.isReference ? "ref" : fmtDiff(r.diffH),
          r.isReference ? (mode === "fwd" ? "—" : "ref") : fmtDiff(r.diffGrad),
          rank === undefined ? "—" : String(rank),
          status,
        ]);
      }
    }
    if (ceiling) {
      const s = ceiling.summary;
      out.push([
        w.id, "step matmul", `js-ceiling [${ceiling.M}×${ceiling.K}]·[${ceiling.K}×${ceiling.N}]`,
        fmtMs(s.median), `${fmtMs(s.min)}–${fmtMs(s.max)}`, `${fmtMs(s.q1)}–${fmtMs(s.q3)}`, "—",
        ceilingGflops(ceiling).toFixed(2), "100%", "—", fmtDiff(ceiling.maxAbsDiff), "—", "—", "ceiling",
      ]);
    }
  }
  return out;
}

/** "system (workloads): reason" lines for everything that was not available, merged by system and reason. */
export function unavailableLines(report: BenchReport): string[] {
  const byKey = new Map<string, { system: string; reason: string; workloads: string[] }>();
  for (const r of report.rows.filter((x) => x.status === "not available")) {
    const key = `${r.system}\u0000${r.note ?? ""}`;
    const entry = byKey.get(key) ?? { system: r.system, reason: r.note ?? "", workloads: [] };
    if (!entry.workloads.includes(r.workload)) entry.workloads.push(r.workload);
    byKey.set(key, entry);
  }
  const bySystem = [...byKey.values()].map((e) => `${e.system} is not available (${e.workloads.join(", ")}): ${e.reason}`);
  const byWorkload = report.workloads
    .filter((w) => w.unavailable !== undefined)
    .map((w) => `workload ${w.id} (${w.title}) is not available: ${w.unavailable}`);
  return [...bySystem, ...byWorkload];
}

function frontendLines(report: BenchReport): string[] {
  const f = report.frontend;
  if (f === undefined) return [];
  if (!Array.isArray(f)) return [`front end (parse + check): not available: ${(f as { unavailable: string }).unavailable}`];
  return (f as readonly FrontendRow[]).map(
    (r) =>
      `front end, ${String(r.cells).padStart(4)} cells (${r.lines} lines): ${fmtMs(r.summary.median)} ms ` +
      `(min–max ${fmtMs(r.summary.min)}–${fmtMs(r.summary.max)}), ${(r.summary.median / r.cells).toFixed(3)} ms per cell`,
  );
}

/** Pads columns to equal width for the console. */
function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function markdownTable(headers: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** The console report. */
export function renderConsole(report: BenchReport): string {
  return [
    "",
    FLOP_FORMULA,
    `GFLOP/s = FLOPs ÷ median time; "time ÷ rnnc" > 1 means slower than rnnc's TypeScript kernel; ` +
      `systems off the reference by more than ${TOLERANCE} (relative to the reference's largest |value| when that ` +
      "exceeds 1) are WRONG and not ranked.",
    "",
    textTable(HEADERS, tableRows(report)),
    "",
    ...unavailableLines(report),
    ...threadRatioLines(report),
    ...frontendLines(report),
    ...report.notes,
    ...(busyWarning(report) !== undefined ? [busyWarning(report)!] : []),
  ].join("\n");
}

/** bench/RESULTS.md. */
export function renderMarkdown(report: BenchReport): string {
  const e = report.env;
  const list = (items: readonly string[]) => items.map((s) => `- ${s}`).join("\n");
  return [
    "# Benchmark results",
    "",
    "Generated by `npm run bench`" + (report.quick ? " (`--quick`: few repetitions, a smoke run)" : "") +
      "; do not edit by hand. Every system runs on one thread.",
    "",
    ...(busyWarning(report) !== undefined ? [`> ${busyWarning(report)!}`, ""] : []),
    "## Machine and software",
    "",
    list([
      `date: ${e.date}`,
      `CPU: ${e.cpuModel}, ${e.cores} cores`,
      `load average (1, 5, 15 min) at start: ${e.loadAverage.map((v) => v.toFixed(2)).join(", ")}; ` +
        `at end: ${report.loadAfter.map((v) => v.toFixed(2)).join(", ")}`,
      `Node ${e.node}`,
      ...e.packages.map((p) => `${p.name} ${p.version}`),
      ...report.notes,
    ]),
    "",
    "## Workloads",
    "",
    list(
      report.workloads.map(
        (w) =>
          `${w.id} (${w.title}): ${w.sizes}; ` +
          (w.unavailable !== undefined
            ? "not available"
            : `correctness reference: ${w.reference}` +
              (w.gradScale !== undefined ? ` (largest |dW_hh| ${w.gradScale.toPrecision(3)}, tolerance ${toleranceFor(w.gradScale).toPrecision(2)})` : "")),
      ),
    ),
    "",
    `FLOPs: ${FLOP_FORMULA}.`,
    "GFLOP/s = FLOPs ÷ median time. The JS ceiling is a plain-JavaScript register-tiled matrix product " +
      "(4×8 tile, packed B, float32 storage) at one step's shape [B, I+H]·[I+H, G·H]; \"% JS ceiling\" compares " +
      "a system's GFLOP/s with it. \"ms\" columns are wall-clock time per batch; \"CPU ms\" is the CPU time the " +
      "process used in the same repetitions (median). \"time ÷ rnnc\" divides by rnnc's TypeScript kernel (> 1: slower than rnnc). " +
      "The systems of a workload and mode are timed in interleaved rounds (each runs a fifth of its repetitions per round, " +
      "in turn), so a change in the machine's load hits them alike; PyTorch (timed in its own process) and the slowest " +
      "systems run in one go. " +
      `Outputs (and dLoss/dW_hh for fwd+bwd, loss = sum(outputs · R)) are compared with the reference before ` +
      `timing; a system off by more than ${TOLERANCE} — absolute, or relative to the reference's largest |value| when ` +
      "that exceeds 1 (gradients summed over T·B terms reach thousands) — is WRONG and not ranked.",
    "",
    "## Results",
    "",
    markdownTable(HEADERS, tableRows(report)),
    "",
    ...(unavailableLines(report).length > 0 ? ["## Not available in this run", "", list(unavailableLines(report)), ""] : []),
    ...(report.threadRatios.length > 0
      ? [
          "## Two threads against one",
          "",
          "rnnc's wasm kernels on two threads and on one, timed in alternating single repetitions (one, two, one, …): " +
            "on this shared host one thread's speed moves by 1.5× over minutes, so the ratio of the table's medians " +
            "(timed seconds apart) moves with it; the median of the pairwise ratios does not.",
          "",
          list(threadRatioLines(report)),
          "",
        ]
      : []),
    ...(report.frontend !== undefined ? ["## Front end scaling (parse + check of N cells)", "", list(frontendLines(report)), ""] : []),
    "![GFLOP/s per system and workload](chart.svg)",
    "",
  ].join("\n");
}
