/**
 * Renders a gradcheck report as text: a header stating the precision and the tolerances,
 * one table for the forward values and one for the gradients (per tensor: shape, elements
 * checked, max abs and max rel error against finite differences and against the tfjs
 * oracle, pass/fail, first failing step), then one line per failure saying where it is.
 * Deterministic: the same report renders to the same bytes.
 */
import type { Comparison, Tolerance } from "./compare.js";
import { formatShape } from "./errors.js";
import type { GradcheckReport, TensorReport } from "./gradcheck.js";

function num(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "-";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return x === 0 ? "0" : x.toExponential(2);
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? "-" : pass ? "ok" : "FAIL";
}

/** Small constants as `1e-5` rather than `0.00001`. */
function constant(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

function criterion(t: Tolerance): string {
  return `pass if |a − b| / max(|a|, |b|, ${constant(t.floor)}) ≤ ${constant(t.rel)}`;
}

/** Pads every column to its widest cell; the last column is not padded. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

function checkedCell(t: TensorReport): string {
  const fd = t.fd;
  if (!fd) return "-";
  const total = fd.numeric.length;
  const base = `${fd.elements.checked}/${total}`;
  return fd.projection ? `${base} +${fd.projection.checked} proj` : base;
}

/** The FD comparison shown in the table: the worse of the elements and the projections. */
function fdWorst(t: TensorReport): Comparison | undefined {
  const fd = t.fd;
  if (!fd) return undefined;
  if (!fd.projection || fd.projection.maxRel <= fd.elements.maxRel) return fd.elements;
  return fd.projection;
}

/** A flat index as a multi-index of `shape`: 7 in [2, 4] → [1, 3]. */
function at(index: number, shape: readonly number[]): string {
  const coords: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return formatShape(coords);
}

function failureLine(t: TensorReport, kind: "forward" | "gradient"): string {
  const parts: string[] = [];
  const fd = t.fd && !t.fd.pass ? t.fd : undefined;
  const oracle = t.oracle && !t.oracle.pass ? t.oracle : undefined;
  if (fd && !fd.elements.pass) {
    const e = fd.elements;
    const alsoOracle = oracle && oracle.worstIndex === e.worstIndex ? `, oracle ${num(oracle.expected)}` : "";
    parts.push(`at ${at(e.worstIndex, t.shape)} kernel ${num(e.actual)}, finite differences ${num(e.expected)}${alsoOracle}`);
    if (alsoOracle) return finish(t, kind, parts);
  } else if (fd) {
    parts.push(`random projection: kernel ⟨∇, v⟩ ${num(fd.projection!.actual)}, finite differences ${num(fd.projection!.expected)}`);
  }
  if (oracle) parts.push(`at ${at(oracle.worstIndex, t.shape)} kernel ${num(oracle.actual)}, oracle ${num(oracle.expected)}`);
  return finish(t, kind, parts);
}

function finish(t: TensorReport, kind: "forward" | "gradient", parts: string[]): string {
  const bySteps = t.stepMeaning === undefined ? kind === "gradient" || t.id.role === "final" : t.stepMeaning === "steps";
  const step =
    t.firstFailingStep === undefined
      ? ""
      : bySteps
        ? `; first fails with ${t.firstFailingStep} step${t.firstFailingStep === 1 ? "" : "s"}`
        : `; first differs at step ${t.firstFailingStep}`;
  return `  ${t.name}: ${parts.join("; ")}${step}`;
}

/** The report as text, ending with a one-line verdict. */
export function renderGradcheckReport(r: GradcheckReport): string {
  const dims = Object.entries(r.dims).map(([k, v]) => `${k}=${v}`).join(", ");
  const lines: string[] = [];
  const lengths = r.lengths ? ` · lengths ${formatShape(r.lengths)}` : "";
  const training = r.training ? " · training (dropout masks from the seed)" : "";
  lines.push(`gradcheck ${r.kind === "model" ? "model " : ""}${r.cell} (${dims}) · batch ${r.batch} · steps ${r.steps} · seed ${r.seed}${lengths}${training}`);
  if (r.kind === "model") {
    const loss = r.forward.some((t) => t.name === "loss") ? "loss + " : "";
    lines.push(`objective: ${loss}Σ outputs ⊙ R + Σ final states ⊙ S (R, S random; the gradients are of it)`);
  }
  lines.push(`finite differences (float64, central, ε = ${constant(r.epsilon)}·max(1, |θ|)): ${criterion(r.fdTolerance)}`);
  lines.push(r.oracleTolerance ? `tfjs oracle (float32 autodiff): ${criterion(r.oracleTolerance)}` : "tfjs oracle: not used");
  lines.push("");
  lines.push(
    ...table([
      ["forward", "shape", "oracle abs", "oracle rel", "oracle", "first bad step"],
      ...r.forward.map((t) => [
        t.name, formatShape(t.shape), num(t.oracle?.maxAbs), num(t.oracle?.maxRel), verdict(t.oracle?.pass),
        t.firstFailingStep === undefined ? "" : String(t.firstFailingStep),
      ]),
    ]),
  );
  lines.push("");
  lines.push(
    ...table([
      ["gradient", "shape", "checked", "FD abs", "FD rel", "FD", "oracle abs", "oracle rel", "oracle", "first bad step"],
      ...r.gradients.map((t) => {
        const fd = fdWorst(t);
        return [
          t.name, formatShape(t.shape), checkedCell(t), num(fd?.maxAbs), num(fd?.maxRel), verdict(t.fd?.pass),
          num(t.oracle?.maxAbs), num(t.oracle?.maxRel), verdict(t.oracle?.pass),
          t.firstFailingStep === undefined ? "" : String(t.firstFailingStep),
        ];
      }),
    ]),
  );
  const badForward = r.forward.filter((t) => !t.pass);
  const badGrads = r.gradients.filter((t) => !t.pass);
  if (badForward.length + badGrads.length > 0) {
    lines.push("");
    lines.push("failures:");
    lines.push(...badForward.map((t) => failureLine(t, "forward")), ...badGrads.map((t) => failureLine(t, "gradient")));
  }
  lines.push("");
  lines.push(
    r.pass
      ? `PASS: ${r.gradients.length} gradients and ${r.forward.length} forward values agree`
      : `FAIL: ${badGrads.length} of ${r.gradients.length} gradients and ${badForward.length} of ${r.forward.length} forward values disagree`,
  );
  return lines.join("\n") + "\n";
}

/** A comparison as JSON-safe data (infinities and NaN as strings). */
function comparisonJson(c: Comparison | undefined): object | undefined {
  if (!c) return undefined;
  const n = (x: number) => (Number.isFinite(x) ? x : String(x));
  return { maxAbs: n(c.maxAbs), maxRel: n(c.maxRel), worstIndex: c.worstIndex, actual: n(c.actual), expected: n(c.expected), checked: c.checked, pass: c.pass };
}

/** The report as plain data for `--json` (no typed arrays; stable key order). */
export function gradcheckReportJson(r: GradcheckReport): object {
  const tensor = (t: TensorReport) => ({
    name: t.name,
    shape: t.shape,
    ...(t.fd && { fd: { mode: t.fd.mode, elements: comparisonJson(t.fd.elements), projection: comparisonJson(t.fd.projection), pass: t.fd.pass } }),
    ...(t.oracle && { oracle: comparisonJson(t.oracle) }),
    ...(t.firstFailingStep !== undefined && { firstFailingStep: t.firstFailingStep, ...(t.stepMeaning && { stepMeaning: t.stepMeaning }) }),
    pass: t.pass,
  });
  return {
    cell: r.cell, ...(r.kind && { kind: r.kind }), dims: r.dims, batch: r.batch, steps: r.steps, seed: r.seed, lengths: r.lengths, ...(r.training && { training: true }),
    epsilon: r.epsilon, fdTolerance: r.fdTolerance, oracleTolerance: r.oracleTolerance,
    forward: r.forward.map(tensor), gradients: r.gradients.map(tensor), pass: r.pass,
  };
}
