/**
 * Weights files on disk: the compiler-side wrapper around the runtime safetensors codec. Every
 * error, from the file system or from the format, comes back as an Error whose message starts with
 * the path, e.g. `weights.safetensors: missing tensor "b" (expected shape [16])`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { paramsFromSafetensors, paramsToSafetensors } from "../runtime/safetensors.js";

/** The message of `e`; Node's file errors become `cannot read the file: no such file or directory (ENOENT)`. */
function messageOf(e: unknown, verb: "read" | "write"): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code === "string" && e.message.startsWith(`${code}: `)) {
    // Node writes `ENOENT: no such file or directory, open '<path>'`; the path is already in front.
    const reason = e.message.slice(code.length + 2).split(", ")[0];
    return `cannot ${verb} the file: ${reason} (${code})`;
  }
  return e.message;
}

/**
 * Reads a cell's params from a safetensors file, checking names and shapes against
 * `expectedShapes` and converting to `dtype`. Throws `Error("<path>: <message>")`.
 */
export function readWeightsFile(
  path: string,
  expectedShapes: Readonly<Record<string, readonly number[]>>,
  dtype: "float32" | "float64",
): Record<string, Float32Array | Float64Array> {
  try {
    return paramsFromSafetensors(readFileSync(path), expectedShapes, dtype);
  } catch (e) {
    throw new Error(`${path}: ${messageOf(e, "read")}`);
  }
}

/**
 * Writes params to a safetensors file (F32 for Float32Array, F64 for Float64Array), byte for byte
 * the same for the same params. Throws `Error("<path>: <message>")`.
 */
export function writeWeightsFile(
  path: string,
  params: Readonly<Record<string, Float32Array | Float64Array>>,
  shapes: Readonly<Record<string, readonly number[]>>,
  metadata?: Readonly<Record<string, string>>,
): void {
  try {
    writeFileSync(path, paramsToSafetensors(params, shapes, metadata));
  } catch (e) {
    throw new Error(`${path}: ${messageOf(e, "write")}`);
  }
}
