/**
 * `npm run bench:relaxed [-- --quick]`: rnnc's wasm kernels with `simd: "relaxed"` (f32x4.relaxed_madd in
 * the GEMMs) against the default strict SIMD128, on workload A (LSTM and GRU, I=128 H=256 B=32 T=64), one
 * thread, forward and forward + backward. The two instances run alternately, repetition by repetition, so
 * both see the same load on a shared machine; medians of this process's CPU time. The npm script starts
 * Node with --experimental-wasm-relaxed-simd (Node 20 needs it; Node ≥ 22 has relaxed SIMD on by
 * default); without relaxed SIMD the script says so and measures nothing. Not a test.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { GENERATED_DIR, runRnnc } from "./rnnc-cli.js";
import { flopsFor, makeStandardData, WORKLOADS, type Mode, type Workload } from "./workloads.js";

type Arrays = Record<string, Float32Array>;
interface Cell {
  readonly simd: string;
  forward(p: Arrays, x: Float32Array, o: { batch: number; steps: number; tape?: boolean }): { outputs: Arrays };
  backward(run: unknown, seeds: { outputs: Arrays }): { params: Arrays };
  dispose(): void;
}
type Factory = (dims: Record<string, number>, options: object) => Cell;

const quick = process.argv.includes("--quick");
const REPS = quick ? 5 : 15;

async function factoryOf(w: Workload): Promise<Factory> {
  mkdirSync(GENERATED_DIR, { recursive: true });
  const out = path.join(GENERATED_DIR, `${w.cell}.ts`);
  const res = runRnnc(["compile", w.example, "-o", out]);
  if (!res.ok) throw new Error(res.reason);
  return (await import(pathToFileURL(out).href))[w.cell] as Factory;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

async function main(): Promise<void> {
  console.log(`rnnc wasm: strict vs relaxed SIMD, one thread, Node ${process.version}; medians of ${REPS} alternating repetitions (CPU time)`);
  for (const w of WORKLOADS.filter((x) => x.group === "A")) {
    const make = await factoryOf(w);
    const data = makeStandardData(w);
    const strict = make({ I: w.I, H: w.H }, { backend: "wasm" });
    const relaxed = make({ I: w.I, H: w.H }, { backend: "wasm", simd: "relaxed" });
    if (relaxed.simd !== "relaxed") {
      console.log(`${w.id}: relaxed SIMD does not validate in this engine (Node 20: node --experimental-wasm-relaxed-simd); nothing measured`);
      return;
    }
    for (const mode of ["fwd", "fwd+bwd"] as Mode[]) {
      const once = (c: Cell) => {
        const t0 = cpuMs();
        const run = c.forward(data.params, data.x, { batch: w.B, steps: w.T, tape: mode !== "fwd" });
        if (mode !== "fwd") c.backward(run, { outputs: { h: data.R } });
        return cpuMs() - t0;
      };
      const times: Record<"strict" | "relaxed", number[]> = { strict: [], relaxed: [] };
      once(strict);
      once(relaxed);
      for (let r = 0; r < REPS; r++) {
        times.strict.push(once(strict));
        times.relaxed.push(once(relaxed));
      }
      const gflops = (ms: number) => (flopsFor(w, mode) / ms / 1e6).toFixed(1);
      const [s, x] = [median(times.strict), median(times.relaxed)];
      console.log(`${w.id.padEnd(7)} ${mode.padEnd(8)} strict ${s.toFixed(1)} ms (${gflops(s)} GFLOP/s)   relaxed ${x.toFixed(1)} ms (${gflops(x)} GFLOP/s)   relaxed ÷ strict speed ${(s / x).toFixed(2)}×`);
    }
    strict.dispose();
    relaxed.dispose();
  }
}

await main();
