/**
 * GFLOP/s of rnnc's WebAssembly GEMM kernels at the matrix shapes of workload A's LSTM
 * (I=128, H=256, B=32, T=64) and B's step (I=32, H=64, B=1), beside tfjs-backend-wasm's
 * matMul (XNNPACK) and the JS runtime's GEMM, with one and two threads, in one run.
 * Not a test. `npx tsx bench/wasm-kernels.ts [--quick]`. Medians; the machine is shared, so
 * read the ratios (printed against tfjs-wasm and JS) rather than the absolute figures.
 */
import path from "node:path";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { GEMM_KERNELS as K, kernelModule, TRANSPOSE_KERNEL, vmapName } from "../src/backends/wasm/kernels.js";
import * as jsGemm from "../src/runtime/gemm.js";
import { ThreadPool } from "../src/runtime/wasm-threads.js";

const quick = process.argv.includes("--quick");
const BUDGET_MS = quick ? 150 : 600;

interface Shape {
  readonly name: string;
  /** C[m×n] = op(A)·op(B) with k the contraction; tn: A given [k×m]; tb: B given [n×k] (a weight Wᵀ). */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly tn: boolean;
  readonly tb: boolean;
  /** Aᵀ·B as transpose(A) into scratch, then the row-layout kernel. */
  readonly viaTranspose?: boolean;
}

const A = { I: 128, H: 256, B: 32, T: 64 };
const G = 4 * A.H;
const TB = A.T * A.B;
const SHAPES: Shape[] = [
  { name: "A fwd step  h·Uᵀ  [B×H]·[H×4H]", m: A.B, k: A.H, n: G, tn: false, tb: true },
  { name: "A fwd hoist x·Wᵀ  [TB×I]·[I×4H]", m: TB, k: A.I, n: G, tn: false, tb: true },
  { name: "A bwd step  dG·U  [B×4H]·[4H×H]", m: A.B, k: G, n: A.H, tn: false, tb: false },
  { name: "A bwd hoist dG·W  [TB×4H]·[4H×I]", m: TB, k: G, n: A.I, tn: false, tb: false },
  { name: "A bwd dU = dGᵀ·H  [4H×TB]·[TB×H]", m: G, k: TB, n: A.H, tn: true, tb: false },
  { name: "A bwd dU, Aᵀ transposed first", m: G, k: TB, n: A.H, tn: true, tb: false, viaTranspose: true },
  { name: "B fwd step  h·Uᵀ  [1×64]·[64×256]", m: 1, k: 64, n: 256, tn: false, tb: true },
];

function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/**
 * With --cpu, single-thread figures are this process's CPU time rather than wall time: on a
 * machine shared with other jobs, being descheduled then does not count against a kernel.
 * (Two-thread figures are always wall time.)
 */
const cpuClock = process.argv.includes("--cpu");
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median ms of `fn` (repeated until the budget is spent, at least 5 times). */
function time(fn: () => void, clock: () => number = performance.now.bind(performance)): number {
  for (let i = 0; i < 3; i++) fn();
  const t: number[] = [];
  const start = performance.now();
  while (t.length < 5 || (performance.now() - start < BUDGET_MS && t.length < 2000)) {
    const t0 = clock();
    fn();
    t.push(clock() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1]!;
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + path.sep);
  await tf.setBackend("wasm");
  tf.enableProdMode();

  const pages = 1024; // 64 MiB
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const module = new WebAssembly.Module(kernelModule({ min: pages, max: pages, shared: true }));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const ex = instance.exports as Record<string, (...a: number[]) => void>;
  const pool2 = await ThreadPool.create({ module, memory, instance, threads: 2, exports: [K.gemmNT, K.gemmTN] }); // small products stay on one thread

  console.log(`wasm kernels (${quick ? "quick" : "full"}), Node ${process.version}, GFLOP/s (median; one thread by ${cpuClock ? "CPU" : "wall"} time):`);
  console.log(`${"shape".padEnd(38)} ${"rnnc-1t".padStart(8)} ${"rnnc-2t".padStart(8)} ${"tfjs-wasm".padStart(9)} ${"js".padStart(6)}   2t/1t  1t/tfjs  1t/js`);
  for (const s of SHAPES) {
    const { m, k, n, tn, tb } = s;
    const flop = 2 * m * n * k;
    const a = values(m * k, 1), b = values(k * n, 2);
    const f = new Float32Array(memory.buffer);
    const aAt = 256, bAt = aAt + m * k + 64, bpAt = bAt + k * n + 64, cAt = bpAt + ((n + 7) >> 3) * 8 * k + 64;
    f.set(a, aAt);
    f.set(b, bAt);
    const panels = (n + 7) >> 3;
    const args = [m, k, 4 * aAt, tn ? m : k, 4 * bpAt, n, 4 * cAt, n, 0];
    const atAt = cAt + m * n + 64; // scratch for Aᵀ
    if (s.viaTranspose) args.splice(2, 2, 4 * atAt, k);
    const kernel = tn && !s.viaTranspose ? K.gemmTN : K.gemmNT;
    // Packing is part of each product here only for per-call operands (the weight gradient's B);
    // weights are packed once per call and reused at every step.
    const pack = () => ex[tb ? K.packT : K.packN]!(4 * bAt, tb ? k : n, k, n, 4 * bpAt);
    pack();
    // A per-call operand (the weight gradient's) is packed (and transposed) inside the timing.
    const prep = () => {
      if (!tn) return;
      pack();
      if (s.viaTranspose) ex[TRANSPOSE_KERNEL]!(4 * aAt, m, k, m, 4 * atAt, k);
    };
    const oneClock = cpuClock ? cpuMs : undefined;
    const one = time(() => (prep(), ex[kernel]!(...args, 0, panels)), oneClock);
    const two = time(() => (prep(), pool2.run(kernel, args, panels, flop)));
    // tfjs-wasm gets its fastest form: operands already laid out for a plain matMul (its
    // transposeA/transposeB paths are several times slower), as its LSTM would keep them.
    const ta = tf.tensor2d(a, [m, k]), tbT = tf.tensor2d(b, [k, n]);
    const tfjs = time(() => tf.matMul(ta, tbT).dispose(), oneClock);
    ta.dispose();
    tbT.dispose();
    const A64 = Float32Array.from(a), B64 = Float32Array.from(b), C64 = new Float32Array(m * n);
    const packed = jsGemm.packB(B64, 0, tb ? k : n, tb, k, n);
    const js = time(() => (tn ? jsGemm.gemmTransA(m, A64, 0, m, packed, C64, 0, n, false) : jsGemm.gemm(m, A64, 0, k, packed, C64, 0, n, false)), oneClock);
    const g = (ms: number) => flop / ms / 1e6;
    console.log(
      `${s.name.padEnd(38)} ${g(one).toFixed(1).padStart(8)} ${g(two).toFixed(1).padStart(8)} ${g(tfjs).toFixed(1).padStart(9)} ${g(js).toFixed(1).padStart(6)}` +
        `   ${(one / two).toFixed(2).padStart(5)}  ${(tfjs / one).toFixed(2).padStart(7)}  ${(js / one).toFixed(2).padStart(5)}`,
    );
  }
  // The barrier: a job of no work split over two threads, and the vector math's throughput.
  const noop = time(() => pool2.run(K.gemmNT, [0, 0, 0, 0, 0, 0, 0, 0, 0], 2));
  console.log(`two-thread barrier (empty job): ${(noop * 1000).toFixed(1)} µs`);
  const N = 1 << 16;
  new Float32Array(memory.buffer).set(values(N, 3).map((x) => 8 * x), 256);
  for (const op of ["exp", "tanh", "sigmoid", "log"] as const) {
    const ms = time(() => ex[vmapName(op)]!(4 * 256, 4 * (256 + N), N));
    console.log(`f32_v${op}: ${(N / ms / 1e6).toFixed(2)} G elements/s`);
  }
  pool2.dispose();
}

await main();
