/**
 * `npm run demo`: the whole path on every shipped example — check, compile to TypeScript, run,
 * gradcheck, export to ONNX (unrolled and Scan), run in ONNX Runtime, and print how closely
 * the two back ends agree. Exits 1 if any step fails or any number disagrees.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { compileFile, programUnits } from "../compiler.js";
import { emitUnits } from "../backends/ts/compile.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import { onnxFromUnit } from "../backends/onnx/from-unit.js";
import type { Unit } from "../check/unit.js";
import { evaluateShape } from "../core/dims.js";
import { gradcheckUnit } from "../verify/unit.js";
import { SeededRandom } from "../core/random.js";

const ONNX_TOLERANCE = 1e-5;

interface Row {
  example: string;
  cell: string;
  check: string;
  tsBytes: number;
  gradcheck: string;
  onnxUnroll: string;
  onnxScan: string;
  ok: boolean;
}

/** Deterministic inputs in [-1, 1), from the project's seeded generator. */
function random(n: number, seed: number): Float32Array {
  return Float32Array.from(new SeededRandom(seed).array(n, -1, 1));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

type Module = {
  init(seed: number): Record<string, Float32Array>;
  forward(p: Record<string, Float32Array>, x: ArrayLike<number>, o: object): { outputs: Record<string, Float32Array>; final: Record<string, Float32Array> };
};

/**
 * How closely ONNX Runtime running the unit's exported model (weights from the same seed as the
 * module's `init`) agrees with the generated module: the input as ids or vectors, every state's
 * initial value fed, every output and final state compared.
 */
async function onnxAgreement(unit: Unit, sources: ReadonlyMap<string, string>, recurrence: "unroll" | "scan", instance: Module, dims: Record<string, number>): Promise<number> {
  const B = 3;
  const T = 6;
  const SEED = 42;
  const { bytes, optionError, diagnostics } = onnxFromUnit(unit, { dims, steps: T, recurrence, weights: { seed: SEED }, sources, optionalInputs: false });
  if (!bytes) throw new Error(optionError ?? diagnostics.map((d) => d.message).join("; "));
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const lengths = [T, T - 2, 1];
  const feeds: Record<string, ort.Tensor> = { sequence_lens: new ort.Tensor("int32", Int32Array.from(lengths), [B]) };
  // Every input by its name (one input is an array in the module, several an object of arrays).
  const xs: Record<string, Float32Array | Int32Array> = {};
  unit.signature.inputs.forEach((input, i) => {
    // A per-sequence input has one value per example: [B, …] rather than [T, B, …].
    const lead = input.timing === "once" ? [B] : [T, B];
    const rows = lead.reduce((a, b) => a * b, 1);
    if (input.type.kind === "index") {
      const size = input.type.size.evaluate(dims);
      const ids = Int32Array.from(random(rows, 7 + i), (v) => Math.floor(((v + 1) / 2) * size) % size);
      xs[input.name] = ids;
      feeds[input.name] = new ort.Tensor("int64", BigInt64Array.from(ids, (v) => BigInt(v)), lead);
    } else {
      const shape = evaluateShape(input.type.shape, dims);
      const values = random(rows * shape.reduce((a, b) => a * b, 1), 7 + i);
      xs[input.name] = values;
      feeds[input.name] = new ort.Tensor("float32", values, [...lead, ...shape]);
    }
  });
  const x = unit.signature.inputs.length === 1 ? xs[unit.signature.inputs[0]!.name]! : xs;
  const initial: Record<string, Float32Array> = {};
  unit.signature.states.forEach((s, i) => {
    const shape = evaluateShape(s.shape, dims);
    initial[s.name] = random(B * shape.reduce((a, b) => a * b, 1), 100 + i);
    feeds[`initial_${s.name}`] = new ort.Tensor("float32", initial[s.name]!, [B, ...shape]);
  });
  const ours = instance.forward(instance.init(SEED), x as never, { batch: B, steps: T, initial, lengths });
  const theirs = await session.run(feeds);
  let worst = 0;
  for (const o of unit.signature.outputs) worst = Math.max(worst, maxAbsDiff(ours.outputs[o.name]!, theirs[o.name]!.data as Float32Array));
  for (const s of unit.signature.states) worst = Math.max(worst, maxAbsDiff(ours.final[s.name]!, theirs[`final_${s.name}`]!.data as Float32Array));
  return worst;
}

/** One file: every unit it offers (its models, or its cells) through the whole path. */
async function demo(file: string): Promise<Row[]> {
  const text = readFileSync(file, "utf8");
  const front = compileFile(file, text);
  const units = programUnits(front);
  const compiled = units.length > 0 ? emitUnits(units, file) : { diagnostics: front.diagnostics };
  if (!compiled.code) {
    const errors = [...front.diagnostics, ...compiled.diagnostics].filter((d) => d.severity === "error").length;
    return [{ example: file, cell: "-", check: `${errors} errors`, tsBytes: 0, gradcheck: "-", onnxUnroll: "-", onnxScan: "-", ok: false }];
  }
  const module = await loadGeneratedModule(compiled.code);
  const warnings = front.diagnostics.filter((d) => d.severity === "warning").length;
  const rows: Row[] = [];
  for (const unit of units) {
    const dims = Object.fromEntries(unit.signature.dims.map((d, i) => [d, 4 + i]));
    const instance = (module[unit.name] as (d: object) => Module)(dims);
    const report = (await gradcheckUnit(unit, { batch: 2, steps: 4, seed: 1 })).report!;
    const worstFd = Math.max(...report.gradients.map((g) => g.fd?.elements.maxRel ?? 0));
    const unroll = await onnxAgreement(unit, front.sources, "unroll", instance, dims);
    const scan = await onnxAgreement(unit, front.sources, "scan", instance, dims);
    rows.push({
      example: file,
      cell: `${unit.kind === "model" ? "model " : ""}${unit.name}`,
      check: warnings === 0 ? "clean" : `${warnings} warning(s)`,
      tsBytes: compiled.code.length,
      gradcheck: `${report.pass ? "pass" : "FAIL"} (FD rel ${worstFd.toExponential(1)})`,
      onnxUnroll: `${unroll <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${unroll.toExponential(1)}`,
      onnxScan: `${scan <= ONNX_TOLERANCE ? "agree" : "DIFFER"} ${scan.toExponential(1)}`,
      ok: report.pass && unroll <= ONNX_TOLERANCE && scan <= ONNX_TOLERANCE,
    });
  }
  return rows;
}

function table(rows: Row[]): string {
  const head = ["example", "cell or model", "check", "TS module", "gradcheck (float64)", "ONNX unroll vs TS", "ONNX scan vs TS"];
  const body = rows.map((r) => [r.example, r.cell, r.check, `${(r.tsBytes / 1024).toFixed(0)} KB`, r.gradcheck, r.onnxUnroll, r.onnxScan]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(head), line(widths.map((w) => "─".repeat(w))), ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const dir = "examples";
  // `npm run demo -- examples/a.rnn …` runs the files named; without any, every example.
  const named = process.argv.slice(2).filter((a) => a.endsWith(".rnn"));
  const files = named.length > 0 ? named : readdirSync(dir).filter((f) => f.endsWith(".rnn")).sort().map((f) => join(dir, f));
  console.log(`rnnc demo: ${files.length} example files → check → TypeScript kernels → gradcheck → ONNX → ONNX Runtime\n`);
  const rows: Row[] = [];
  for (const f of files) rows.push(...(await demo(f)));
  console.log(table(rows));
  console.log(`\nONNX Runtime runs each exported model (batch 3, 6 steps, sequence_lens [6, 4, 1], random initial states)`);
  console.log(`and its outputs and final states are compared with the generated TypeScript kernels (float32, tolerance ${ONNX_TOLERANCE}).`);
  const bad = rows.filter((r) => !r.ok);
  console.log(bad.length === 0 ? `\nall ${rows.length} cells and models agree.` : `\n${bad.length} failed: ${bad.map((r) => r.cell).join(", ")}`);
  process.exitCode = bad.length === 0 ? 0 : 1;
}

await main();
