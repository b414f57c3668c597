/**
 * ONNX Runtime running ONNX's own fused `LSTM` / `GRU` operator (built by onnx-native-model.ts from the
 * same weights): the best the runtime does for these cells, and the peer of rnnc's ONNX export.
 */
import type { Workload, WorkloadData } from "../workloads.js";
import { buildNativeRnnModel } from "./onnx-native-model.js";
import { floatTensor, openSession, sessionInstance } from "./ort-session.js";
import type { BenchSystem, Instance, Unavailable } from "./types.js";

export const ortNativeSystem: BenchSystem = {
  name: "ort-native-op",
  modes: ["fwd"],
  async setup(w: Workload, data: WorkloadData): Promise<Instance | Unavailable> {
    if (w.cell !== "LSTM" && w.cell !== "GRU") {
      return { unavailable: "workload C (a custom cell) is measured on rnnc and tfjs only" };
    }
    const model = buildNativeRnnModel(w.cell, data.params, w);
    const session = await openSession(model);
    return sessionInstance(session, { X: floatTensor(data.x, [w.T, w.B, w.I]) }, "Y");
  },
};
