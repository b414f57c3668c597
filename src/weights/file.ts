/**
 * Weights files on disk: the compiler-side wrapper around the runtime safetensors codec. A file
 * that cannot be read or written is a `FileError` (`cannot read w.safetensors: no such file or
 * directory`); a malformed file an Error whose message starts with the path, e.g.
 * `weights.safetensors: missing tensor "b" (expected shape [16])`. Writes are atomic.
 */
import { FileError, readFileBytes, writeFileAtomic } from "../core/files.js";
import { paramsFromSafetensors, paramsToSafetensors } from "../runtime/safetensors.js";

export interface ReadWeightsOptions {
  /** Load NaN and infinite values as they are (default: refuse them, naming the tensor and index). */
  readonly allowNonFinite?: boolean;
  /** How the caller opts in to non-finite values, named in the refusal (e.g. `--allow-non-finite`). */
  readonly allowNonFiniteHint?: string;
  /** A model's tied params → their owners (`readout.W` → `embed.W`): in the file, such a tensor is refused naming its owner. */
  readonly tied?: Readonly<Record<string, string>>;
}

/**
 * Reads a cell's params from a safetensors file, checking names and shapes against
 * `expectedShapes`, converting to `dtype` and refusing non-finite values unless allowed.
 * Throws `FileError` when the file cannot be read, `Error("<path>: <message>")` when it is wrong.
 */
export function readWeightsFile(
  path: string,
  expectedShapes: Readonly<Record<string, readonly number[]>>,
  dtype: "float32" | "float64",
  options: ReadWeightsOptions = {},
): Record<string, Float32Array | Float64Array> {
  const bytes = readFileBytes(path);
  try {
    return paramsFromSafetensors(bytes, expectedShapes, dtype, {
      allowNonFinite: options.allowNonFinite === true,
      ...(options.allowNonFiniteHint !== undefined ? { allowNonFiniteHint: options.allowNonFiniteHint } : {}),
      ...(options.tied !== undefined ? { tied: options.tied } : {}),
    });
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Writes params to a safetensors file (F32 for Float32Array, F64 for Float64Array), byte for byte
 * the same for the same params, atomically. Throws `FileError` when the file cannot be written.
 */
export function writeWeightsFile(
  path: string,
  params: Readonly<Record<string, Float32Array | Float64Array>>,
  shapes: Readonly<Record<string, readonly number[]>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  writeFileAtomic(path, paramsToSafetensors(params, shapes, metadata));
}

export { FileError };
