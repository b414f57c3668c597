/**
 * ONNX Runtime running rnnc's own ONNX export, in its three recurrence forms (`--recurrence unroll|scan|native`;
 * native, ONNX's own LSTM/GRU operator, exists only for the textbook LSTM and GRU cells):
 * `rnnc onnx EXAMPLE --dims I=…,H=… --steps T --recurrence R --weights W.safetensors -o model.onnx`.
 * The model's inputs are matched by rank: the rank-3 float input is x [T, B, I], rank-2 float inputs are
 * initial states [B, H] (zeros), an integer rank-1 input is the lengths (T). Only x is fed when the model
 * accepts that (rnnc's initial states and sequence_lens are optional), so that the timed run takes the
 * same path as the other systems: zero initial state, every example running all T steps.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { GENERATED_DIR, rnncPrerequisite, runRnnc } from "../rnnc-cli.js";
import { encodeSafetensors } from "../safetensors.js";
import type { Workload, WorkloadData } from "../workloads.js";
import { floatTensor, openSession, sessionInstance } from "./ort-session.js";
import type { BenchSystem, Instance, Unavailable } from "./types.js";

/** Resolves a metadata dimension (number or symbolic name) to the size the benchmark feeds. */
function dimValue(d: number | string, fallback: number): number {
  return typeof d === "number" && d > 0 ? d : fallback;
}

function feedsFor(session: ort.InferenceSession, w: Workload, data: WorkloadData): Record<string, ort.Tensor> | string {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) return `input ${meta.name} is not a tensor`;
    const rank = meta.shape.length;
    if (meta.type === "float32" && rank === 3) {
      feeds[meta.name] = floatTensor(data.x, [w.T, w.B, w.I]);
    } else if (meta.type === "float32" && rank === 2) {
      feeds[meta.name] = floatTensor(new Float32Array(w.B * w.H), [dimValue(meta.shape[0]!, w.B), dimValue(meta.shape[1]!, w.H)]);
    } else if ((meta.type === "int32" || meta.type === "int64") && rank === 1) {
      feeds[meta.name] =
        meta.type === "int32"
          ? new ort.Tensor("int32", new Int32Array(w.B).fill(w.T), [w.B])
          : new ort.Tensor("int64", new BigInt64Array(w.B).fill(BigInt(w.T)), [w.B]);
    } else {
      return `input ${meta.name} (${meta.type}, rank ${rank}) is not one the benchmark knows how to feed`;
    }
  }
  return feeds;
}

/** The per-step output: named h/y if there is one, else the only rank-3 (or rank-4 [T,1,B,H]) output. */
function outputFor(session: ort.InferenceSession): string | undefined {
  const seq = session.outputMetadata.filter((m) => m.isTensor && m.shape.length >= 3);
  return (seq.find((m) => /^(h|y|outputs?[._]?h)$/i.test(m.name)) ?? (seq.length === 1 ? seq[0] : undefined))?.name;
}

/**
 * rnnc's ONNX export in one recurrence form; `fixedLength`: exported with `--fixed-length` (no
 * sequence_lens input, no masking nodes), the form that compares like for like with a traced export.
 */
export function ortRnncSystem(recurrence: "unroll" | "scan" | "native", fixedLength = false): BenchSystem {
  return {
    name: `ort-rnnc-${recurrence}${fixedLength ? "-fixed" : ""}`,
    isRnnc: true,
    modes: ["fwd"],
    async setup(w: Workload, data: WorkloadData): Promise<Instance | Unavailable> {
      const pre = rnncPrerequisite(w.example);
      if (!pre.ok) return { unavailable: pre.reason };
      if (recurrence === "native" && w.cell !== "LSTM" && w.cell !== "GRU") {
        return { unavailable: "the native form (ONNX's LSTM/GRU operator) exists for the textbook LSTM and GRU only" };
      }
      mkdirSync(GENERATED_DIR, { recursive: true });
      const stem = path.join(GENERATED_DIR, `${w.id}-${recurrence}${fixedLength ? "-fixed" : ""}`);
      writeFileSync(`${stem}.safetensors`, encodeSafetensors(data.params, data.paramShapes));
      const res = runRnnc([
        "onnx", w.example,
        "--dims", `I=${w.I},H=${w.H}`,
        "--steps", String(w.T),
        "--recurrence", recurrence,
        ...(fixedLength ? ["--fixed-length"] : []),
        "--weights", `${stem}.safetensors`,
        "-o", `${stem}.onnx`,
      ]);
      if (!res.ok) return { unavailable: res.reason };
      const session = await openSession(`${stem}.onnx`);
      const feeds = feedsFor(session, w, data);
      const output = outputFor(session);
      if (typeof feeds === "string" || output === undefined) {
        await session.release();
        const why = typeof feeds === "string" ? feeds : `no per-step output among ${session.outputNames.join(", ")}`;
        return { unavailable: `rnnc's ONNX model: ${why}` };
      }
      const xOnly = Object.fromEntries(Object.entries(feeds).filter(([, t]) => t.dims.length === 3));
      const minimal = await session.run(xOnly).then(
        () => true,
        () => false, // the model requires its optional-looking inputs: feed them all
      );
      return sessionInstance(session, minimal ? xOnly : feeds, output);
    },
  };
}
