import { readSafetensors } from "../weights/index.js";
import { TrainInputError } from "./errors.js";

/** What `rnnc train` writes into a weights file's safetensors `__metadata__` (string values, as safetensors requires). */
export interface ModelInfo {
  /** `char-lm` (trained on a text) or `sequences` (JSON Lines). */
  readonly kind: string;
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly iterations: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The metadata of the unit and run: name, dimensions (sorted), steps taken. */
export function runMetadata(cell: string, dims: Readonly<Record<string, number>>, iterations: number): Record<string, string> {
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(dims).sort()) sorted[k] = dims[k]!;
  return { "rnnc.cell": cell, "rnnc.dims": JSON.stringify(sorted), "rnnc.iterations": String(iterations) };
}

/** Reads the metadata of weights `rnnc train` wrote; `where` (the file or option) starts every message. */
export function readModelInfo(bytes: Uint8Array, where: string): ModelInfo {
  let metadata: Record<string, string> | undefined;
  try {
    metadata = readSafetensors(bytes).metadata;
  } catch (e) {
    throw new TrainInputError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = metadata ?? {};
  if (m["rnnc.kind"] === undefined || m["rnnc.dims"] === undefined) throw new TrainInputError(`${where}: not weights written by \`rnnc train\` (its safetensors __metadata__ has no "rnnc.kind")`);
  let dims: unknown;
  try {
    dims = JSON.parse(m["rnnc.dims"]);
  } catch {
    dims = undefined;
  }
  if (typeof dims !== "object" || dims === null || Array.isArray(dims) || !Object.values(dims).every((v) => Number.isSafeInteger(v) && (v as number) > 0)) {
    throw new TrainInputError(`${where}: __metadata__ "rnnc.dims" must be a JSON object of positive integers`);
  }
  const iterations = Number(m["rnnc.iterations"] ?? "0");
  return { kind: m["rnnc.kind"], cell: m["rnnc.cell"] ?? "", dims: dims as Record<string, number>, iterations: Number.isSafeInteger(iterations) ? iterations : 0, metadata: m };
}
