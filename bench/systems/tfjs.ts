/**
 * TensorFlow.js (tfjs-core ops) on the cpu backend and on the wasm backend. The forward pass is the cell's
 * loop of ops over time; fwd+bwd is `tf.grads` of loss = sum(outputs · R) with respect to x and every
 * parameter (full backpropagation through time, as every other system computes).
 */
import path from "node:path";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs"; // the full package, so that gradient functions are registered
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { timeRepeated, type RepPlan } from "../stats.js";
import type { Mode, Workload, WorkloadData } from "../workloads.js";
import { TF_CELL_PARAMS, TF_CELLS, type TfParams } from "./tfjs-cells.js";
import type { BenchSystem, Instance, Outputs, Unavailable } from "./types.js";

export type TfBackend = "cpu" | "wasm";

// Production mode: no debug checks, and no console advice to install tfjs-node.
tf.enableProdMode();

let wasmPathsSet = false;

/** In Node the wasm backend reads its .wasm files from disk: point it at the installed package. */
function useLocalWasmFiles(): void {
  if (wasmPathsSet) return;
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  setWasmPaths(dist + path.sep);
  wasmPathsSet = true;
}

async function activate(backend: TfBackend): Promise<boolean> {
  if (tf.getBackend() === backend) return true;
  if (backend === "wasm") useLocalWasmFiles();
  return tf.setBackend(backend);
}

/** The tfjs system on one backend; `maxReps` keeps the slow cpu backend to a few repetitions. */
export function tfjsSystem(backend: TfBackend, maxReps?: number): BenchSystem {
  return {
    name: `tfjs-${backend}`,
    modes: ["fwd", "fwd+bwd"],
    maxReps,
    async setup(w: Workload, data: WorkloadData): Promise<Instance | Unavailable> {
      const sequence = TF_CELLS[w.cell];
      const expected = [...TF_CELL_PARAMS[w.cell]].sort().join(", ");
      const given = Object.keys(data.params).sort().join(", ");
      if (expected !== given) {
        return { unavailable: `the tfjs math for ${w.cell} reads parameters {${expected}} but ${w.example} declares {${given}}` };
      }
      if (!(await activate(backend))) return { unavailable: `tfjs backend "${backend}" failed to initialise` };
      const names = Object.keys(data.params).sort();
      const params: TfParams = {};
      for (const name of names) params[name] = tf.tensor(data.params[name]!, [...data.paramShapes[name]!]);
      const x = tf.tensor3d(data.x, [w.T, w.B, w.I]);
      const R = tf.tensor3d(data.R, [w.T, w.B, w.H]);
      const whhIndex = names.indexOf("W_hh") + 1; // gradient list is [x, ...params in `names` order]

      const forward = (): tf.Tensor3D => sequence(x, params, w.H);
      // The loss keeps its per-step outputs when asked, so that the correctness run of fwd+bwd reads the
      // outputs of the very pass it differentiates instead of running the forward twice.
      let captured: tf.Tensor | undefined;
      let capture = false;
      const lossFn = (xs: tf.Tensor, ...ps: tf.Tensor[]): tf.Scalar => {
        const p: TfParams = {};
        names.forEach((n, k) => (p[n] = ps[k]!));
        const y = sequence(xs as tf.Tensor3D, p, w.H);
        if (capture) captured = tf.keep(y);
        return tf.sum(tf.mul(y, R));
      };
      const gradFn = tf.grads(lossFn);
      const inputs = [x, ...names.map((n) => params[n]!)];

      const runOnce = async (mode: Mode, keep: boolean): Promise<Outputs | undefined> => {
        await activate(backend);
        if (mode === "fwd") {
          const y = tf.tidy(forward);
          const h = (await y.data()) as Float32Array;
          y.dispose();
          return keep ? { h } : undefined;
        }
        capture = keep;
        const grads = tf.tidy(() => gradFn(inputs));
        capture = false;
        const gradWhh = (await grads[whhIndex]!.data()) as Float32Array;
        tf.dispose(grads);
        if (!keep) return undefined;
        const h = (await captured!.data()) as Float32Array;
        captured!.dispose();
        captured = undefined;
        return { h, gradWhh: whhIndex > 0 ? gradWhh : undefined };
      };

      return {
        async outputs(mode) {
          return (await runOnce(mode, true))!;
        },
        async time(mode: Mode, plan: RepPlan) {
          await activate(backend);
          return timeRepeated(() => runOnce(mode, false).then(() => undefined), plan);
        },
        async dispose() {
          tf.dispose([x, R, ...Object.values(params)]);
        },
      };
    },
  };
}
