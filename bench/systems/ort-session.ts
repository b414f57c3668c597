/**
 * Shared ONNX Runtime plumbing: a single-threaded session (intra- and inter-op threads = 1, so that every
 * system in the benchmark uses one core) and an Instance that times `session.run`.
 */
import * as ort from "onnxruntime-node";
import { timeRepeated } from "../stats.js";
import type { Instance, Outputs } from "./types.js";

/** Session options used for every ONNX model in the benchmark. */
export const ORT_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
  // Errors only: rnnc's optional inputs (initializers listed as graph inputs) make the runtime warn on
  // every session, which would bury the benchmark's own output.
  logSeverityLevel: 3,
};

/** Opens a model from bytes or a file path with the benchmark's options. */
export async function openSession(model: Uint8Array | string): Promise<ort.InferenceSession> {
  return typeof model === "string"
    ? ort.InferenceSession.create(model, ORT_OPTIONS)
    : ort.InferenceSession.create(model, ORT_OPTIONS);
}

/** A float32 tensor for feeding a session. */
export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor("float32", data, [...dims]);
}

/**
 * A forward-only Instance over an open session: `feeds` are reused for every run and `outputName` is the
 * per-step output (its data, [T, B, H] in memory order, is what the correctness check compares).
 */
export function sessionInstance(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  outputName: string,
  cleanup: () => Promise<void> = async () => {},
): Instance {
  const run = () => session.run(feeds);
  return {
    async outputs(mode) {
      if (mode !== "fwd") throw new Error("ONNX Runtime runs inference only");
      const result = await run();
      const y = result[outputName];
      if (y === undefined) throw new Error(`the model has no output named ${outputName}`);
      return { h: Float32Array.from(y.data as Float32Array) } satisfies Outputs;
    },
    async time(_mode, plan) {
      return timeRepeated(async () => {
        await run();
      }, plan);
    },
    async dispose() {
      await session.release();
      await cleanup();
    },
  };
}
