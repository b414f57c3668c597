/**
 * Where a wasm forward / backward pass spends its wall time, by phase: each matrix product
 * (by shape), each fused elementwise job, the packing and transposes, and everything else (the
 * generated JavaScript around the kernels: argument checks, copies in and out, state history
 * zeroing). Wraps the instance's heap methods with timers, so it reads exactly the calls the
 * generated module makes. Not a test; run it on a quiet machine:
 *
 *   npx tsx bench/phases.ts [A-LSTM|A-GRU|B-LSTM|C-peephole|C-layernorm] [threads] [reps]
 */
import { loadRnncCell } from "./systems/rnnc-ts.js";
import { makeStandardData, WORKLOADS } from "./workloads.js";

const id = process.argv[2] ?? "A-LSTM";
const threads = Number(process.argv[3] ?? 1);
const reps = Number(process.argv[4] ?? 20);
const w = WORKLOADS.find((x) => x.id === id);
if (w === undefined) throw new Error(`unknown workload ${id}; one of ${WORKLOADS.map((x) => x.id).join(", ")}`);
const loaded = await loadRnncCell(w, { backend: "wasm", threads });
if (!("forward" in loaded)) throw new Error(loaded.unavailable);
const cell = loaded;
const data = makeStandardData(w);
const params = cell.paramShapes.W_ih !== undefined && w.cell !== "LayerNormLSTM" && w.cell !== "PeepholeLSTM" ? data.params : cell.init(1);
const opts = { batch: w.B, steps: w.T };

type HeapMethods = Record<string, (...a: unknown[]) => unknown>;
const first = (await cell.forward(params, data.x, opts)) as unknown as { tape: { heap: HeapMethods } };
const heap = first.tape.heap;

/** Accumulated ms per phase label, for the pass being timed. */
let totals = new Map<string, number>();
let inKernel = 0;
/** Inside a wrapped heap method (its kernel calls are its own time). */
let depth = 0;
const label = (method: string, args: unknown[]): string => {
  if (method === "gemm") return `gemm m=${String(args[0])} k=${String(args[1])} n=${String(args[5])}`;
  if (method === "par") return `par ${String(args[0])}`;
  if (method === "parSeq") return `parSeq ${(args[0] as unknown[]).filter((x) => typeof x === "string").join("+")}`;
  return method;
};
for (const method of ["gemm", "par", "parSeq", "packed", "syncParams", "packB"]) {
  const original = heap[method]!.bind(heap);
  heap[method] = (...args: unknown[]) => {
    const t0 = performance.now();
    depth++;
    const r = original(...args);
    depth--;
    const dt = performance.now() - t0;
    if (method !== "packB") { // packB runs inside packed
      const key = label(method, args);
      totals.set(key, (totals.get(key) ?? 0) + dt);
      inKernel += dt;
    }
    return r;
  };
}

// Kernels the generated code calls directly (one thread, or a job too small to split).
const exported = heap.fns as unknown as Record<string, (...a: unknown[]) => unknown>;
const fns: Record<string, (...a: unknown[]) => unknown> = {};
(heap as unknown as { fns: unknown }).fns = fns; // the exports object itself is frozen
for (const name of Object.keys(exported)) {
  const original = exported[name]!;
  fns[name] = (...args: unknown[]) => {
    if (depth > 0) return original(...args);
    const t0 = performance.now();
    const r = original(...args);
    const dt = performance.now() - t0;
    totals.set(`call ${name}`, (totals.get(`call ${name}`) ?? 0) + dt);
    inKernel += dt;
    return r;
  };
}

const seeds = { outputs: { h: data.R } };
async function profile(what: "forward" | "backward"): Promise<void> {
  const wall: number[] = [];
  const perRep: Map<string, number>[] = [];
  const runs = [];
  for (let r = 0; r < reps + 3; r++) {
    totals = new Map(); // the forward a backward needs is not counted
    if (what === "backward") runs.push(await cell.forward(params, data.x, opts));
    totals = new Map();
    inKernel = 0;
    const t0 = performance.now();
    if (what === "forward") await cell.forward(params, data.x, { ...opts, tape: false });
    else await cell.backward(runs.pop()!, seeds);
    const dt = performance.now() - t0;
    if (r < 3) continue; // warm-up
    wall.push(dt);
    totals.set("(JavaScript around the kernels)", dt - inKernel);
    perRep.push(totals);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = median(wall);
  console.log(`\n${id} ${what}, ${threads} thread(s): median ${total.toFixed(3)} ms over ${reps} runs`);
  const keys = [...new Set(perRep.flatMap((m) => [...m.keys()]))];
  const rows = keys.map((k) => ({ k, ms: median(perRep.map((m) => m.get(k) ?? 0)) })).sort((a, b) => b.ms - a.ms);
  for (const { k, ms } of rows) console.log(`  ${ms.toFixed(3).padStart(9)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
}
await profile("forward");
await profile("backward");
cell.dispose?.();
