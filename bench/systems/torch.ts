/**
 * PyTorch (`torch.nn.LSTM` / `torch.nn.GRU`, one thread) through /usr/bin/python3 and bench/torch_bench.py.
 * Weights and inputs go over as raw float32 files; the script writes its outputs back for the correctness
 * check and times itself. Skipped, with one line, when that Python cannot `import torch`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RepPlan, Timing } from "../stats.js";
import type { Mode, Workload, WorkloadData } from "../workloads.js";
import type { BenchSystem, Instance, Outputs, Unavailable } from "./types.js";
import { PYTHON, torchEnv, torchUnavailableReason } from "./torch-env.js";

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "torch_bench.py");

function f32File(dir: string, name: string, a: Float32Array): void {
  writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

function readF32(dir: string, name: string): Float32Array {
  const b = readFileSync(path.join(dir, `${name}.f32`));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

interface ScriptResult {
  torch: string;
  blas: string[];
  threads: number;
  samples: Record<string, Timing>;
}

const notes = new Set<string>();

export const torchSystem: BenchSystem = {
  name: "pytorch",
  modes: ["fwd", "fwd+bwd"],
  timedElsewhere: true,
  notes: () => [...notes],
  async setup(w: Workload, data: WorkloadData, plan: RepPlan): Promise<Instance | Unavailable> {
    const why = torchUnavailableReason();
    if (why !== null) return { unavailable: why };
    if (w.cell !== "LSTM" && w.cell !== "GRU") return { unavailable: "workload C (a custom cell) is measured on rnnc and tfjs only" };
    const dir = mkdtempSync(path.join(os.tmpdir(), "rnnc-bench-torch-"));
    for (const name of ["W_ih", "W_hh", "b_ih", "b_hh"]) f32File(dir, name, data.params[name]!);
    f32File(dir, "x", data.x);
    f32File(dir, "R", data.R);
    const results = new Map<Mode, Timing>();

    const runScript = (mode: Mode): void => {
      const cfgPath = path.join(dir, "config.json");
      const cfg = { dir, cell: w.cell, I: w.I, H: w.H, B: w.B, T: w.T, modes: [mode], plan };
      writeFileSync(cfgPath, JSON.stringify(cfg));
      const res = spawnSync(PYTHON, [SCRIPT, cfgPath], { encoding: "utf8", timeout: 1_800_000, env: torchEnv() });
      if (res.status !== 0) {
        const last = (res.stderr || "").trim().split("\n").pop() ?? "";
        throw new Error(`torch_bench.py exited ${res.status}: ${last}`);
      }
      const out = JSON.parse(res.stdout) as ScriptResult;
      notes.add(`PyTorch ${out.torch}, ${out.threads} thread(s); build: ${out.blas.join("; ")}`);
      results.set(mode, out.samples[mode] ?? { wall: [], cpu: [] });
    };

    return {
      async outputs(mode: Mode): Promise<Outputs> {
        runScript(mode);
        return mode === "fwd"
          ? { h: readF32(dir, "out_fwd_h") }
          : { h: readF32(dir, "out_bwd_h"), gradWhh: readF32(dir, "out_bwd_gWhh") };
      },
      async time(mode: Mode) {
        const s = results.get(mode);
        if (s === undefined || s.wall.length === 0) throw new Error("PyTorch timings were not produced");
        return s;
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};
