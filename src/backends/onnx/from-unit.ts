/**
 * From a compiled unit to ONNX bytes, for the CLI (which only parses arguments and writes the
 * file): check the dimensions against the unit's signature, get its weights (a safetensors file,
 * checked against the signature's qualified names and shapes, or a seed, giving the generated
 * module's `init(seed)` values), and export the unit's kernels. Returns diagnostics for mistakes in
 * the weights file and `optionError` for a request the command line got wrong (a missing
 * dimension, a bad opset); never throws for those.
 */
import type { Unit } from "../../check/unit.js";
import { DimValueError, bindDimValues } from "../../core/dim-values.js";
import { FileError } from "../../core/files.js";
import { diag } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { unitGraphs } from "../../ir/unit.js";
import { readWeightsFile } from "../../weights/index.js";
import { initUnitParams, unitParamShapes, unitTies } from "../../weights/unit-params.js";
import { OnnxExportError } from "./errors.js";
import { exportOnnx, type OnnxExportOptions } from "./index.js";
import { exportModelOnnx } from "./model.js";

export interface OnnxFromUnitOptions extends Omit<OnnxExportOptions, "params" | "sourceFile" | "sourceText"> {
  /** Where the params come from: a safetensors file (names and shapes checked) or a seed. */
  readonly weights: { readonly file: string; readonly allowNonFinite?: boolean } | { readonly seed: number };
  /** The text of every file the unit's spans name (the front end's `sources`), for doc strings' line numbers. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface OnnxFromUnitResult {
  readonly bytes?: Uint8Array;
  /** Mistakes in the weights file, or an export the program cannot have (pointing at its source). */
  readonly diagnostics: Diagnostic[];
  /** A problem with the options themselves (dims, steps, opset), said in one sentence. */
  readonly optionError?: string;
}

/** How `rnnc onnx` reads a weights file: non-finite values refused unless `--allow-non-finite`. */
export function weightsReadOptions(weights: { readonly allowNonFinite?: boolean }) {
  return { allowNonFinite: weights.allowNonFinite === true, allowNonFiniteHint: "--allow-non-finite exports them anyway" };
}

export function onnxFromUnit(unit: Unit, options: OnnxFromUnitOptions): OnnxFromUnitResult {
  let params: Record<string, Float32Array>;
  try {
    const dims = bindDimValues(`${unit.kind} ${unit.name}`, unit.signature.dims, options.dims);
    const shapes = unitParamShapes(unit, dims);
    params = "file" in options.weights
      ? (readWeightsFile(options.weights.file, shapes, "float32", { ...weightsReadOptions(options.weights), tied: unitTies(unit) }) as Record<string, Float32Array>)
      : (initUnitParams(unit, dims, options.weights.seed, "float32") as Record<string, Float32Array>);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof DimValueError || !("file" in options.weights)) return { diagnostics: [], optionError: message };
    if (e instanceof FileError) return { diagnostics: [diag("RNN6001", { file: e.path, reason: e.reason })] };
    // readWeightsFile says `<path>: <reason>`; the diagnostic names the file itself.
    const path = options.weights.file;
    const reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    return { diagnostics: [diag("RNN6001", { file: path, reason })] };
  }

  const { weights: _weights, sources, ...rest } = options;
  const exportOptions = { ...rest, params, sourceFile: unit.file, sourceText: sources.get(unit.file) };
  try {
    const bytes = unit.kind === "cell" ? exportOnnx(unitGraphs(unit)[0]!, exportOptions) : exportModelOnnx(unit.model, { ...exportOptions, sources });
    return { bytes, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof OnnxExportError)) throw e;
    if (e.diagnostic) return { diagnostics: [e.diagnostic] };
    return { diagnostics: [], optionError: e.message };
  }
}
