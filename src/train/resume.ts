import { readTrainState, digest, type TrainState } from "./checkpoint.js";
import { TrainInputError } from "./errors.js";
import { readModelInfo } from "./model-info.js";
import type { OptimizerChoice } from "./optimizer-choice.js";
import type { FloatArray, TrainableCell } from "./trainer.js";

export interface ResumeCheck {
  /** The weights file to go on from. */
  readonly file: string;
  readonly bytes: Uint8Array;
  /** This run's unit, dims, data kind, data fingerprint, seed and optimizer. */
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly kind: string;
  readonly data: string;
  readonly seed: number;
  readonly optimizer: OptimizerChoice;
  /** The data's own check of the metadata (a text's vocabulary), before the fingerprint's. */
  readonly checkMetadata?: (metadata: Readonly<Record<string, string>>) => void;
}

/**
 * Loads a checkpoint to go on from, after checking that it belongs to this run: the same unit, dims,
 * data (and its preparation), seed and kind of optimizer, and a training state that was written with
 * these very weights. Each refusal names what differs.
 */
export function loadResume(unit: TrainableCell, check: ResumeCheck): { params: Record<string, FloatArray>; state: TrainState } {
  const where = `--resume ${check.file}`;
  const info = readModelInfo(check.bytes, where);
  if (info.kind !== check.kind) throw new TrainInputError(`${where}: the weights were trained on ${kindText(info.kind)}, this run on ${kindText(check.kind)}`);
  if (info.cell !== check.cell) throw new TrainInputError(`${where}: the weights are for ${info.cell}, not ${check.cell}`);
  const ours = JSON.stringify(sorted(check.dims));
  const theirs = JSON.stringify(sorted(info.dims));
  if (ours !== theirs) throw new TrainInputError(`${where}: the weights have dims ${theirs}, this run ${ours}`);
  check.checkMetadata?.(info.metadata);
  let params: Record<string, FloatArray>;
  try {
    params = unit.loadParams(check.bytes);
  } catch (e) {
    throw new TrainInputError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const state = readTrainState(check.file);
  if (state.params !== digest(unit.saveParams(params))) {
    throw new TrainInputError(`${where}: its training state was written for other weights (was the run stopped while saving?); resume from a weights file and the .state.safetensors saved with it`);
  }
  if (state.position.step !== info.iterations) throw new TrainInputError(`${where}: the weights say ${info.iterations} steps, their training state ${state.position.step}`);
  if (state.data !== check.data) throw new TrainInputError(`${where}: the weights were trained on other data, or with another --batch, --steps, --val or --tokens; resume with the same data and options`);
  if (state.seed !== check.seed) throw new TrainInputError(`${where}: the run used --seed ${state.seed}, this one --seed ${check.seed} (the seed decides the data's order: resume with --seed ${state.seed})`);
  if (state.optimizer.name !== check.optimizer.name) throw new TrainInputError(`${where}: the run used --optimizer ${state.optimizer.name}, this one --optimizer ${check.optimizer.name}`);
  return { params, state };
}

function kindText(kind: string): string {
  return kind === "char-lm" ? "a text (a character model)" : kind === "sequences" ? "JSON Lines sequences" : JSON.stringify(kind);
}

function sorted(dims: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.keys(dims).sort().map((k) => [k, dims[k]!]));
}
