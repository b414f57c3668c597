/**
 * ONNX Runtime running PyTorch's "traced-and-unrolled" export of the LSTM: a Python loop of
 * torch.nn.LSTMCell over T steps, exported by torch.onnx.export (tracing) at opset 17 with a dynamic batch
 * axis (bench/torch_export.py, through /usr/bin/python3). The peer of rnnc's `--recurrence unroll` form.
 * Skipped, with one line, when that Python cannot `import torch`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATED_DIR } from "../rnnc-cli.js";
import type { Workload, WorkloadData } from "../workloads.js";
import { floatTensor, openSession, sessionInstance } from "./ort-session.js";
import { PYTHON, torchEnv, torchUnavailableReason } from "./torch-env.js";
import type { BenchSystem, Instance, Unavailable } from "./types.js";

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "torch_export.py");

/** The opset asked of torch.onnx.export: the highest PyTorch 1.13 supports. */
export const TORCH_EXPORT_OPSET = 17;

interface ExportResult {
  torch: string;
  opset: number;
  path: string;
}

function f32File(dir: string, name: string, a: Float32Array): void {
  writeFileSync(path.join(dir, `${name}.f32`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

const notes = new Set<string>();

export const ortTorchTracedSystem: BenchSystem = {
  name: "ort-torch-traced",
  modes: ["fwd"],
  notes: () => [...notes],
  async setup(w: Workload, data: WorkloadData): Promise<Instance | Unavailable> {
    const why = torchUnavailableReason();
    if (why !== null) return { unavailable: why };
    if (w.cell !== "LSTM") return { unavailable: "the traced-and-unrolled PyTorch export is built for the LSTM workloads only" };
    const dir = mkdtempSync(path.join(os.tmpdir(), "rnnc-bench-torch-export-"));
    try {
      for (const name of ["W_ih", "W_hh", "b_ih", "b_hh"]) f32File(dir, name, data.params[name]!);
      f32File(dir, "x", data.x);
      mkdirSync(GENERATED_DIR, { recursive: true });
      const out = path.join(GENERATED_DIR, `${w.id}-torch-traced.onnx`);
      const cfgPath = path.join(dir, "config.json");
      writeFileSync(cfgPath, JSON.stringify({ dir, I: w.I, H: w.H, B: w.B, T: w.T, opset: TORCH_EXPORT_OPSET, out }));
      const res = spawnSync(PYTHON, [SCRIPT, cfgPath], { encoding: "utf8", env: torchEnv(), timeout: 600_000 });
      if (res.status !== 0) {
        const last = (res.stderr || res.error?.message || "").trim().split("\n").pop() ?? "";
        return { unavailable: `torch_export.py exited ${res.status}: ${last}` };
      }
      const info = JSON.parse(res.stdout.trim().split("\n").pop()!) as ExportResult;
      notes.add(`ort-torch-traced: PyTorch ${info.torch}, opset ${info.opset}, ${info.path}`);
      const session = await openSession(out);
      return sessionInstance(session, { x: floatTensor(data.x, [w.T, w.B, w.I]) }, "y");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
