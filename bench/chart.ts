/**
 * bench/chart.svg, written by hand: grouped bars of GFLOP/s (log scale) per workload and mode, one bar per
 * system, a dashed line for the JS ceiling of the workload, labels on every bar. Deterministic: the SVG is a
 * pure function of the results (fixed system order and colours, fixed number formatting).
 */
import { ceilingGflops, gflops, type BenchReport } from "./report.js";

/** Fixed order and colour per system, so that charts of different runs read the same way. */
const SYSTEMS: readonly { name: string; color: string }[] = [
  { name: "rnnc-ts", color: "#d62728" },
  { name: "rnnc-wasm", color: "#e377c2" },
  { name: "rnnc-wasm×2", color: "#bcbd22" },
  { name: "ort-rnnc-unroll", color: "#ff7f0e" },
  { name: "ort-rnnc-scan", color: "#e7ba52" },
  { name: "ort-rnnc-native", color: "#8c564b" },
  { name: "ort-native-op", color: "#1f77b4" },
  { name: "pytorch", color: "#9467bd" },
  { name: "tfjs-wasm", color: "#2ca02c" },
  { name: "tfjs-cpu", color: "#98df8a" },
];
const OTHER_COLOR = "#7f7f7f";

const BAR = 22;
const GROUP_GAP = 28;
const LEFT = 70;
const TOP = 60;
const PLOT_H = 300;
const BOTTOM = 70;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Formats a GFLOP/s value for a label: two significant figures, no exponent. */
function label(v: number): string {
  if (v >= 10) return v.toFixed(0);
  if (v >= 1) return v.toFixed(1);
  if (v >= 0.1) return v.toFixed(2);
  return v.toFixed(3);
}

/** A decade tick label: 0.001, 0.01, 0.1, 1, 10, 100, … */
function tick(exponent: number): string {
  return exponent >= 0 ? String(Math.pow(10, exponent)) : `0.${"0".repeat(-exponent - 1)}1`;
}

/** Renders the chart; a run with nothing timed still yields a valid SVG that says so. */
export function renderChart(report: BenchReport): string {
  const timed = report.rows.filter((r) => r.status === "ok" && r.summary !== undefined);
  const groups: { key: string; workload: string; mode: string }[] = [];
  for (const w of report.workloads) {
    for (const mode of ["fwd", "fwd+bwd"]) {
      if (timed.some((r) => r.workload === w.id && r.mode === mode)) groups.push({ key: `${w.id} ${mode}`, workload: w.id, mode });
    }
  }
  const names = [
    ...SYSTEMS.map((s) => s.name).filter((n) => timed.some((r) => r.system === n)),
    ...[...new Set(timed.map((r) => r.system))].filter((n) => !SYSTEMS.some((s) => s.name === n)).sort(),
  ];
  const color = (n: string) => SYSTEMS.find((s) => s.name === n)?.color ?? OTHER_COLOR;

  const values = [
    ...timed.map((r) => gflops(r)!),
    ...report.ceilings.filter((c) => groups.some((g) => g.workload === c.workload)).map(ceilingGflops),
  ].filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  // Headroom above the tallest bar for its rotated label: the top decade is at least 3× the maximum.
  const hi = Math.pow(10, Math.ceil(Math.log10(3 * Math.max(...values, 1))));
  const y = (v: number) => TOP + PLOT_H * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));

  // Each group holds only the systems timed in it (fixed order), so groups differ in width.
  const members = groups.map((g) => names.filter((n) => timed.some((r) => r.workload === g.workload && r.mode === g.mode && r.system === n)));
  const groupX: number[] = [];
  let cursor = LEFT + GROUP_GAP / 2;
  for (const m of members) {
    groupX.push(cursor);
    cursor += Math.max(m.length * BAR, 110) + GROUP_GAP;
  }
  const width = Math.max(760, cursor + 10);
  const legendRows = Math.ceil((names.length + 1) / 4);
  const height = TOP + PLOT_H + BOTTOM + legendRows * 18 + 10;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">GFLOP/s per system and workload (log scale, one thread, higher is better)</text>`,
    `<text x="${LEFT}" y="40" fill="#555">${esc(report.env.cpuModel)}, Node ${esc(report.env.node)}. Dashed line: plain-JS tiled matmul at the step's shape.</text>`,
  );
  if (groups.length === 0) {
    out.push(`<text x="${LEFT}" y="${TOP + PLOT_H / 2}">No system was timed in this run.</text>`, "</svg>", "");
    return out.join("\n");
  }
  // Axis with decade ticks.
  for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) {
    const v = Math.pow(10, e);
    const yy = y(v).toFixed(1);
    out.push(
      `<line x1="${LEFT}" y1="${yy}" x2="${width - 10}" y2="${yy}" stroke="#e0e0e0"/>`,
      `<text x="${LEFT - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${tick(e)}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + PLOT_H}" stroke="#000"/>`,
    `<text transform="translate(18 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">GFLOP/s</text>`,
  );
  groups.forEach((g, gi) => {
    const x0 = groupX[gi]!;
    const inGroup = members[gi]!;
    const span = Math.max(inGroup.length * BAR, 110);
    const pad = (span - inGroup.length * BAR) / 2;
    // The ceiling first, so that bars and their labels are drawn over it.
    const c = report.ceilings.find((cc) => cc.workload === g.workload);
    if (c !== undefined) {
      const yy = y(ceilingGflops(c)).toFixed(1);
      out.push(`<line x1="${x0}" y1="${yy}" x2="${x0 + span}" y2="${yy}" stroke="#000" stroke-dasharray="4 3"/>`);
    }
    inGroup.forEach((n, si) => {
      const r = timed.find((t) => t.workload === g.workload && t.mode === g.mode && t.system === n);
      if (r === undefined) return;
      const v = gflops(r)!;
      const x = x0 + pad + si * BAR;
      const top = y(v);
      out.push(
        `<rect x="${(x + 2).toFixed(1)}" y="${top.toFixed(1)}" width="${BAR - 4}" height="${(TOP + PLOT_H - top).toFixed(1)}" fill="${color(n)}"><title>${esc(n)}: ${label(v)} GFLOP/s</title></rect>`,
        `<text transform="translate(${(x + BAR / 2 + 3).toFixed(1)} ${(top - 4).toFixed(1)}) rotate(-90)" font-size="10" stroke="#fff" stroke-width="3" paint-order="stroke">${label(v)}</text>`,
      );
    });
    out.push(`<text x="${(x0 + span / 2).toFixed(1)}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${esc(g.key)}</text>`);
  });
  // Legend.
  const legendTop = TOP + PLOT_H + 36;
  [...names, "js-ceiling"].forEach((n, i) => {
    const lx = LEFT + (i % 4) * 150;
    const ly = legendTop + Math.floor(i / 4) * 18;
    out.push(
      n === "js-ceiling"
        ? `<line x1="${lx}" y1="${ly + 6}" x2="${lx + 12}" y2="${ly + 6}" stroke="#000" stroke-dasharray="4 3"/>`
        : `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${color(n)}"/>`,
      `<text x="${lx + 18}" y="${ly + 10}">${esc(n)}</text>`,
    );
  });
  out.push("</svg>", "");
  return out.join("\n");
}
