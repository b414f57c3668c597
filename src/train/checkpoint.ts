import { writeFileAtomic } from "../core/files.js";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { OptimizerSnapshot } from "../runtime/optim.js";
import { readSafetensors, writeSafetensors, type SafetensorsTensorInput } from "../weights/index.js";
import { TrainInputError } from "./errors.js";
import type { OptimizerChoice } from "./optimizer-choice.js";
import type { FloatArray, NamedArrays } from "./trainer.js";

/** Where a run is: every counter a resumed run needs to take the very next step an uninterrupted one would. */
export interface RunPosition {
  /** Optimizer steps taken in all. */
  readonly step: number;
  /** The epoch in progress, from 0. */
  readonly epoch: number;
  /** Batches of that epoch already taken. */
  readonly batch: number;
  /** The sum of those batches' losses (for the epoch's mean training loss). */
  readonly epochLoss: number;
}

/**
 * The state of a run beside its weights: position, optimizer (its settings, step count and buffers),
 * the state carried between chunks of a text, the seed and a fingerprint of the data. Kept in a
 * second safetensors file, `W.state.safetensors`, so `W.safetensors` holds only the params (it loads
 * into the generated module as it is) — and tied to those params by their SHA-256.
 */
export interface TrainState {
  readonly position: RunPosition;
  readonly optimizer: OptimizerChoice;
  readonly snapshot: OptimizerSnapshot;
  readonly carried?: NamedArrays;
  readonly seed: number;
  readonly data: string;
  /** SHA-256 of the params as `saveParams` writes them. */
  readonly params: string;
}

/** `W.safetensors` → `W.state.safetensors` (any other name: `NAME.state.safetensors`). */
export function stateFileOf(weights: string): string {
  return `${weights.replace(/\.safetensors$/, "")}.state.safetensors`;
}

export function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Saves a checkpoint: the training state, then the weights, each written atomically. A crash
 * between the two leaves a state whose params digest no longer matches the weights, which
 * `--resume` refuses rather than continuing from a mismatched pair.
 */
export function writeCheckpoint(weightsPath: string, weights: Uint8Array, state: TrainState): void {
  const tensors: Record<string, SafetensorsTensorInput> = {};
  const add = (name: string, a: FloatArray) => void (tensors[name] = { dtype: a instanceof Float64Array ? "F64" : "F32", shape: [a.length], data: a });
  for (const [param, buffers] of Object.entries(state.snapshot.state)) for (const [buf, a] of Object.entries(buffers)) add(`optimizer.${buf}.${param}`, a);
  for (const [name, a] of Object.entries(state.carried ?? {})) add(`carried.${name}`, a);
  const p = state.position;
  const metadata = {
    "rnnc.kind": "train-state",
    "rnnc.step": String(p.step),
    "rnnc.epoch": String(p.epoch),
    "rnnc.batch": String(p.batch),
    "rnnc.epoch-loss": JSON.stringify(p.epochLoss),
    "rnnc.optimizer": JSON.stringify(state.optimizer),
    "rnnc.optimizer-steps": String(state.snapshot.steps),
    "rnnc.carried": state.carried === undefined ? "no" : "yes",
    "rnnc.seed": String(state.seed),
    "rnnc.data": state.data,
    "rnnc.params": state.params,
  };
  writeFileAtomic(stateFileOf(weightsPath), writeSafetensors(tensors, metadata));
  writeFileAtomic(weightsPath, weights);
}

/** Reads the training state beside `weightsPath` (for --resume); every problem names the file. */
export function readTrainState(weightsPath: string): TrainState {
  const path = stateFileOf(weightsPath);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new TrainInputError(`--resume ${weightsPath}: there is no ${path} beside it (the optimizer's state and the run's position that \`rnnc train\` saves with each checkpoint)`);
  }
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    throw new TrainInputError(`--resume: ${path}: ${(e as Error).message}`);
  }
  const m = file.metadata ?? {};
  if (m["rnnc.kind"] !== "train-state") throw new TrainInputError(`--resume: ${path} is not a training state written by \`rnnc train\` (no "rnnc.kind": "train-state" in its metadata)`);
  const int = (key: string) => {
    const v = Number(m[key]);
    if (!Number.isSafeInteger(v) || v < 0) throw new TrainInputError(`--resume: ${path}: metadata "${key}" must be an integer ≥ 0, found ${JSON.stringify(m[key])}`);
    return v;
  };
  const snapshot: Record<string, Record<string, FloatArray>> = {};
  const carried: Record<string, FloatArray> = {};
  for (const [name, t] of Object.entries(file.tensors)) {
    const data = t.data as FloatArray;
    const opt = /^optimizer\.([^.]+)\.(.+)$/.exec(name);
    if (opt) (snapshot[opt[2]!] ??= {})[opt[1]!] = data;
    else if (name.startsWith("carried.")) carried[name.slice("carried.".length)] = data;
    else throw new TrainInputError(`--resume: ${path}: unexpected tensor "${name}"`);
  }
  return {
    position: { step: int("rnnc.step"), epoch: int("rnnc.epoch"), batch: int("rnnc.batch"), epochLoss: Number(JSON.parse(m["rnnc.epoch-loss"] ?? "0")) },
    optimizer: JSON.parse(m["rnnc.optimizer"] ?? "{}") as OptimizerChoice,
    snapshot: { steps: int("rnnc.optimizer-steps"), state: snapshot },
    ...(m["rnnc.carried"] === "yes" ? { carried } : {}),
    seed: int("rnnc.seed"),
    data: m["rnnc.data"] ?? "",
    params: m["rnnc.params"] ?? "",
  };
}
