/**
 * rnnc's TypeScript kernels: `rnnc compile EXAMPLE -o bench/generated/NAME.ts`, imported at run time.
 * The module's contract (per cell): `Cell(dims, {dtype})` with `paramShapes`, `init(seed)`,
 * `forward(params, x, {batch, steps})` → `{outputs, final}`, and `backward(run, {outputs, final})` →
 * `{params, x, initial}`. When the CLI or the example does not exist yet, the system is "not available".
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { GENERATED_DIR, rnncPrerequisite, runRnnc } from "../rnnc-cli.js";
import { timeRepeated } from "../stats.js";
import type { Mode, Params, Workload, WorkloadData } from "../workloads.js";
import type { BenchSystem, Instance, Outputs, Unavailable } from "./types.js";

type Arrays = Record<string, Float32Array>;

/** What the benchmark uses of a compiled cell (checked at run time: the module is generated). */
export interface RnncCell {
  readonly paramShapes: Record<string, readonly number[]>;
  init(seed: number): Arrays;
  forward(params: Arrays, x: Float32Array, opts: { batch: number; steps: number; tape?: boolean }): RnncRun | Promise<RnncRun>;
  backward(run: RnncRun, seeds: { outputs: Arrays }): RnncGrads | Promise<RnncGrads>;
}
interface RnncRun {
  readonly outputs: Arrays;
  readonly final: Arrays;
}
interface RnncGrads {
  readonly params: Arrays;
}
type RnncFactory = (dims: Record<string, number>, opts: { dtype: "float32"; backend: "js" | "wasm"; threads?: number; simd?: "strict" | "relaxed" }) => RnncCell & { ready?: Promise<void>; dispose?(): void; simd?: string };

/** Where rnnc's kernels run: its TypeScript kernels, or its WebAssembly SIMD kernels on some threads (strict SIMD unless `simd`). */
export interface RnncBackend {
  readonly backend: "js" | "wasm";
  readonly threads?: number;
  readonly simd?: "strict" | "relaxed";
}

const loaded = new Map<string, Promise<RnncFactory | Unavailable>>();

/** The cell's name as written in the example, e.g. "LSTM" from `cell LSTM(I, H)`. */
function cellNameOf(example: string): string {
  return path.basename(example, ".rnn");
}

async function compileAndImport(example: string): Promise<RnncFactory | Unavailable> {
  const pre = rnncPrerequisite(example);
  if (!pre.ok) return { unavailable: pre.reason };
  mkdirSync(GENERATED_DIR, { recursive: true });
  const out = path.join(GENERATED_DIR, `${cellNameOf(example)}.ts`);
  const res = runRnnc(["compile", example, "-o", out]);
  if (!res.ok) return { unavailable: res.reason };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } catch (e) {
    return { unavailable: `the compiled module ${path.relative(process.cwd(), out)} fails to load: ${(e as Error).message}` };
  }
  // The factory is the export named after the cell (lstm.rnn → LSTM, peephole_lstm.rnn → PeepholeLSTM);
  // failing that, the module's only exported function.
  const wanted = cellNameOf(example).replace(/_/g, "").toLowerCase();
  const fns = Object.entries(mod).filter(([, v]) => typeof v === "function");
  const named = fns.find(([k]) => k.toLowerCase() === wanted);
  const factory = named?.[1] ?? (fns.length === 1 ? fns[0]![1] : undefined);
  if (typeof factory !== "function") {
    return { unavailable: `the compiled module exports no single cell factory (exports: ${Object.keys(mod).join(", ")})` };
  }
  return factory as RnncFactory;
}

/** Compiles the workload's example once per run and returns a cell at the workload's sizes (TypeScript kernels unless asked). */
export async function loadRnncCell(w: Workload, on: RnncBackend = { backend: "js" }): Promise<(RnncCell & { ready?: Promise<void>; dispose?(): void }) | Unavailable> {
  let p = loaded.get(w.example);
  if (p === undefined) {
    p = compileAndImport(w.example);
    loaded.set(w.example, p);
  }
  const factory = await p;
  if (typeof factory !== "function") return factory;
  try {
    const cell = factory({ I: w.I, H: w.H }, { dtype: "float32", ...on });
    await cell.ready;
    if (on.simd === "relaxed" && cell.simd !== "relaxed") {
      cell.dispose?.();
      return { unavailable: "relaxed SIMD does not validate in this engine (Node 20: run with --experimental-wasm-relaxed-simd)" };
    }
    return cell;
  } catch (e) {
    return { unavailable: (e as Error).message.split("\n")[0]! };
  }
}

export const rnncTsSystem: BenchSystem = rnncSystem("rnnc-ts", { backend: "js" });

/** rnnc's WebAssembly SIMD kernels (float32) on one or more threads. */
export const rnncWasmSystem = (threads: number): BenchSystem => rnncSystem(threads === 1 ? "rnnc-wasm" : `rnnc-wasm×${threads}`, { backend: "wasm", threads });

/** The same with `simd: "relaxed"` (f32x4.relaxed_madd in the GEMMs), one thread; not available where the engine lacks relaxed SIMD. */
export const rnncWasmRelaxedSystem: BenchSystem = rnncSystem("rnnc-wasm-relaxed", { backend: "wasm", threads: 1, simd: "relaxed" });

function rnncSystem(name: string, on: RnncBackend): BenchSystem {
  return {
  name,
  isRnnc: true,
  modes: ["fwd", "fwd+bwd"],
  async setup(w: Workload, data: WorkloadData): Promise<Instance | Unavailable> {
    const cell = await loadRnncCell(w, on);
    if (!("forward" in cell)) return cell;
    const params: Params = data.params;
    const opts = { batch: w.B, steps: w.T };
    const outKey = (run: RnncRun): string => {
      const keys = Object.keys(run.outputs);
      if (keys.length === 0) throw new Error("rnnc's forward returned no outputs");
      return keys.includes("h") ? "h" : keys[0]!;
    };
    // Forward-only timings run without a tape (inference), as the other systems' forward does.
    const fwd = async (tape = true): Promise<RnncRun> => cell.forward(params, data.x, { ...opts, tape });
    const fwdBwd = async (): Promise<{ run: RnncRun; grads: RnncGrads }> => {
      const run = await fwd();
      // The loss reads the outputs only: the final-state seeds are omitted, which the module takes as zero.
      const grads = await cell.backward(run, { outputs: { [outKey(run)]: data.R } });
      return { run, grads };
    };
    return {
      async outputs(mode: Mode): Promise<Outputs> {
        if (mode === "fwd") {
          const run = await fwd();
          return { h: run.outputs[outKey(run)]! };
        }
        const { run, grads } = await fwdBwd();
        return { h: run.outputs[outKey(run)]!, gradWhh: grads.params.W_hh };
      },
      async time(mode, plan) {
        return timeRepeated(async () => {
          if (mode === "fwd") await fwd(false);
          else await fwdBwd();
        }, plan);
      },
      async dispose() {
        cell.dispose?.();
      },
    };
  },
  };
}
