/**
 * `npm run bench:models`: model files against their peers, in one process, float32, one thread.
 * rnnc's generated module of examples/stacked_lstm.rnn and examples/bigru.rnn (the model driver over the
 * generated cell kernels), the same models exported by rnnc to ONNX (unrolled and Scan) in
 * onnxruntime-node, and torch.nn.LSTM(num_layers=2) / torch.nn.GRU(bidirectional=True) when PyTorch can be
 * imported (bench/systems/torch-env.ts). Outputs (and d/dW_hh of layer 0 for fwd+bwd) are compared with
 * rnnc's before anything is timed. Prints medians with min–max, ratios to rnnc, and GFLOP/s.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { exportModelOnnx } from "../src/backends/onnx/model.js";
import { compileToTypeScript } from "../src/compiler.js";
import { loadGeneratedModule } from "../src/backends/ts/load.js";
import { compileModel } from "../src/compiler.js";
import { maxAbsDiff, PLANS, summarize, timeRepeated, type RepPlan } from "./stats.js";
import { PYTHON, torchEnv, torchUnavailableReason } from "./systems/torch-env.js";
import { seededRandom, uniformArray } from "./workloads.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const quick = process.argv.includes("--quick");
const plan: RepPlan = quick ? PLANS.quick : PLANS.full;

interface Workload {
  readonly name: string;
  readonly file: string;
  readonly kind: "LSTM" | "GRU";
  readonly layers: number;
  readonly bidirectional: boolean;
  readonly I: number;
  readonly H: number;
  readonly T: number;
  readonly B: number;
  /** model layer → PyTorch parameter suffix */
  readonly layerNames: Record<string, string>;
}

const WORKLOADS: Workload[] = [
  { name: "2-layer LSTM", file: "examples/stacked_lstm.rnn", kind: "LSTM", layers: 2, bidirectional: false, I: 64, H: 128, T: 32, B: 16, layerNames: { l0: "_l0", l1: "_l1" } },
  { name: "bidirectional GRU", file: "examples/bigru.rnn", kind: "GRU", layers: 1, bidirectional: true, I: 64, H: 128, T: 32, B: 16, layerNames: { fwd: "_l0", bwd: "_l0_reverse" } },
];

const TORCH_PARAMS = { W_ih: "weight_ih", W_hh: "weight_hh", b_ih: "bias_ih", b_hh: "bias_hh" } as const;

/** Multiply-adds ×2 of the matrix products (what dominates): per layer and direction 2·T·B·G·H·(in + H). */
function forwardFlops(w: Workload): number {
  const G = w.kind === "LSTM" ? 4 : 3;
  const D = w.bidirectional ? 2 : 1;
  let total = 0;
  for (let l = 0; l < w.layers; l++) total += D * 2 * w.T * w.B * G * w.H * ((l === 0 ? w.I : D * w.H) + w.H);
  return total;
}


/** Wall-clock samples of `fn` under the run's plan (bench/stats.ts). */
async function time(fn: () => unknown): Promise<number[]> {
  return (await timeRepeated(async () => void (await fn()), plan)).wall;
}

type Model = {
  init(seed: number): Record<string, Float32Array>;
  forward(p: Record<string, Float32Array>, x: Float32Array, o: object): { outputs: Record<string, Float32Array> };
  backward(run: unknown, seeds: object): { params: Record<string, Float32Array> };
};

interface Row {
  workload: string;
  system: string;
  mode: string;
  samples: number[];
  flops: number;
}

async function bench(w: Workload): Promise<Row[]> {
  const text = readFileSync(join(ROOT, w.file), "utf8");
  const { model } = compileModel(w.file, text);
  const code = compileToTypeScript(w.file, text).code!;
  const module = await loadGeneratedModule(code);
  const factory = module[model!.name] as (d: object, o: object) => Model & { ready?: Promise<void>; dispose?(): void };
  const m = factory({ I: w.I, H: w.H }, { dtype: "float32", backend: "js" });
  const params = m.init(1);
  const D = w.bidirectional ? 2 : 1;
  const x = uniformArray(w.T * w.B * w.I, 0.5, seededRandom(7));
  const R = uniformArray(w.T * w.B * D * w.H, 0.5, seededRandom(8));
  const opts = { batch: w.B, steps: w.T };
  const ours = m.forward(params, x, opts).outputs["y"]!;
  const ourGrad = m.backward(m.forward(params, x, opts), { outputs: { y: R } }).params[`${Object.keys(w.layerNames)[0]}.W_hh`]!;
  const fl = forwardFlops(w);
  const rows: Row[] = [
    { workload: w.name, system: "rnnc TS module", mode: "forward", samples: await time(() => m.forward(params, x, { ...opts, tape: false })), flops: fl },
    { workload: w.name, system: "rnnc TS module", mode: "fwd+bwd", samples: await time(() => m.backward(m.forward(params, x, opts), { outputs: { y: R } })), flops: 3 * fl },
  ];
  // The same module with its layers on the wasm kernels, one and two threads.
  for (const threads of [1, 2]) {
    const mw = factory({ I: w.I, H: w.H }, { dtype: "float32", backend: "wasm", threads });
    await mw.ready;
    const dy = maxAbsDiff(mw.forward(params, x, opts).outputs["y"]!, ours);
    if (dy > 1e-4) throw new Error(`${w.name}: rnnc's wasm module differs from its TS module by ${dy}`);
    const system = threads === 1 ? "rnnc wasm module" : `rnnc wasm module ×${threads}`;
    rows.push({ workload: w.name, system, mode: "forward", samples: await time(() => mw.forward(params, x, { ...opts, tape: false })), flops: fl });
    rows.push({ workload: w.name, system, mode: "fwd+bwd", samples: await time(() => mw.backward(mw.forward(params, x, opts), { outputs: { y: R } })), flops: 3 * fl });
    mw.dispose?.();
  }

  for (const recurrence of ["unroll", "scan"] as const) {
    // Initial states and lengths default to zeros and full length (the feeds below give x only).
    const bytes = exportModelOnnx(model!, { dims: { I: w.I, H: w.H }, steps: w.T, recurrence, params, optionalInputs: true, sourceFile: w.file, sourceText: text });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const feeds = { x: new ort.Tensor("float32", x, [w.T, w.B, w.I]) };
    const got = (await session.run(feeds))["y"]!.data as Float32Array;
    const diff = maxAbsDiff(got, ours);
    if (diff > 1e-4) throw new Error(`${w.name}: ORT ${recurrence} differs from rnnc by ${diff}`);
    rows.push({ workload: w.name, system: `ORT, rnnc ONNX ${recurrence}`, mode: "forward", samples: await time(() => session.run(feeds)), flops: fl });
  }

  const why = torchUnavailableReason();
  if (why !== null) {
    console.log(`  (PyTorch skipped: ${why})`);
    return rows;
  }
  const dir = mkdtempSync(join(tmpdir(), "rnnc-bench-models-"));
  try {
    for (const [layer, suffix] of Object.entries(w.layerNames)) {
      for (const [mine, theirs] of Object.entries(TORCH_PARAMS)) writeFileSync(join(dir, `${theirs}${suffix}.f32`), params[`${layer}.${mine}`]!);
    }
    writeFileSync(join(dir, "x.f32"), x);
    writeFileSync(join(dir, "R.f32"), R);
    const cfg = join(dir, "config.json");
    writeFileSync(cfg, JSON.stringify({ dir, kind: w.kind, layers: w.layers, bidirectional: w.bidirectional, I: w.I, H: w.H, T: w.T, B: w.B, plan }));
    const res = spawnSync(PYTHON, [join(ROOT, "bench/torch_models.py"), cfg], { encoding: "utf8", env: torchEnv(), timeout: 600_000 });
    if (res.status !== 0) throw new Error(`PyTorch failed: ${res.stderr}`);
    const out = JSON.parse(res.stdout) as { torch: string; forward: number[]; "fwd+bwd": number[] };
    const y = new Float32Array(readFileSync(join(dir, "y.f32")).buffer.slice(0));
    const g = new Float32Array(readFileSync(join(dir, "dW_hh.f32")).buffer.slice(0));
    const dy = maxAbsDiff(y, ours);
    const dg = maxAbsDiff(g, ourGrad) / Math.max(1, ...Array.from(ourGrad, Math.abs));
    if (dy > 1e-4 || dg > 1e-3) throw new Error(`${w.name}: PyTorch differs from rnnc (y ${dy}, dW_hh ${dg})`);
    rows.push({ workload: w.name, system: `PyTorch ${out.torch}`, mode: "forward", samples: out.forward, flops: fl });
    rows.push({ workload: w.name, system: `PyTorch ${out.torch}`, mode: "fwd+bwd", samples: out["fwd+bwd"], flops: 3 * fl });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function report(rows: Row[]): string {
  const lines: string[] = [];
  const head = ["workload", "mode", "system", "median ms", "min–max", "vs rnnc", "GFLOP/s"];
  const body: string[][] = [];
  for (const r of rows) {
    const s = summarize(r.samples);
    const base = summarize(rows.find((o) => o.workload === r.workload && o.mode === r.mode && o.system === "rnnc TS module")!.samples);
    body.push([r.workload, r.mode, r.system, s.median.toFixed(2), `${s.min.toFixed(2)}–${s.max.toFixed(2)}`, `${(s.median / base.median).toFixed(2)}×`, (r.flops / s.median / 1e6).toFixed(2)]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join("  ");
  lines.push(line(head), line(widths.map((n) => "─".repeat(n))), ...body.map(line));
  return lines.join("\n");
}

const rows: Row[] = [];
for (const w of WORKLOADS) {
  console.log(`${w.name}: I ${w.I}, H ${w.H}, T ${w.T}, B ${w.B} (${w.file})`);
  rows.push(...(await bench(w)));
}
console.log(`\n${report(rows)}\n\n"vs rnnc" is the median time over rnnc's (below 1: faster than rnnc). GFLOP/s counts the matrix products (fwd+bwd as 3× forward).`);
