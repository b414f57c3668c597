/**
 * The whole path from .rnn text to ONNX bytes, for the CLI (which only parses arguments and
 * writes the file): compile the cell, get its weights (a safetensors file or a seed), export.
 * A file that defines a model (or `cell` naming one) takes the model path, model-from-source.ts.
 * Returns diagnostics for mistakes in the program or the weights file, and `optionError` for a
 * request the command line got wrong (a missing dimension, a bad opset); never throws for those.
 */
import type { CheckedModel } from "../../check/model-types.js";
import { compileGraph, definesModel } from "../../compiler.js";
import { diag } from "../../diagnostics/codes.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Graph } from "../../ir/graph.js";
import { DimValueError, bindDimValues } from "../../core/dim-values.js";
import { FileError } from "../../core/files.js";
import { initGraphParams, paramShapes, readWeightsFile } from "../../weights/index.js";
import { OnnxExportError } from "./errors.js";
import { exportOnnx, type OnnxExportOptions } from "./index.js";
import { onnxModelFromSource } from "./model-from-source.js";

export interface OnnxFromSourceOptions extends Omit<OnnxExportOptions, "params" | "sourceFile" | "sourceText"> {
  /** The cell or model to export; absent, the file's first model, or its first cell if it has none. */
  readonly cell?: string;
  /** Where the params come from: a safetensors file (names and shapes checked) or a seed. */
  readonly weights: { readonly file: string; readonly allowNonFinite?: boolean } | { readonly seed: number };
}

/** How `rnnc onnx` reads a weights file: non-finite values refused unless `--allow-non-finite`. */
export function weightsReadOptions(weights: { readonly allowNonFinite?: boolean }) {
  return { allowNonFinite: weights.allowNonFinite === true, allowNonFiniteHint: "--allow-non-finite exports them anyway" };
}

export interface OnnxFromSourceResult {
  readonly bytes?: Uint8Array;
  readonly graph?: Graph;
  /** For a model file: the model exported. */
  readonly model?: CheckedModel;
  readonly diagnostics: Diagnostic[];
  /** For a model file: the text of every file read (it and its imports), to render diagnostics. */
  readonly sources?: ReadonlyMap<string, string>;
  /** A problem with the options themselves (dims, steps, opset), said in one sentence. */
  readonly optionError?: string;
}

export function onnxFromSource(file: string, text: string, options: OnnxFromSourceOptions): OnnxFromSourceResult {
  if (definesModel(file, text, options.cell)) return onnxModelFromSource(file, text, options);
  const { graph, diagnostics } = compileGraph(file, text, options.cell);
  if (!graph) return { diagnostics };
  let params: Record<string, Float32Array>;
  try {
    const dims = bindDimValues(`cell ${graph.cell}`, graph.dims, options.dims);
    const shapes = paramShapes(graph, dims);
    params = "file" in options.weights
      ? (readWeightsFile(options.weights.file, shapes, "float32", weightsReadOptions(options.weights)) as Record<string, Float32Array>)
      : (initGraphParams(graph, dims, options.weights.seed, "float32") as Record<string, Float32Array>);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof DimValueError || !("file" in options.weights)) return { graph, diagnostics, optionError: message };
    if (e instanceof FileError) return { graph, diagnostics: [...diagnostics, diag("RNN6001", { file: e.path, reason: e.reason })] };
    // readWeightsFile says `<path>: <reason>`; the diagnostic names the file itself.
    const path = options.weights.file;
    const reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    return { graph, diagnostics: [...diagnostics, diag("RNN6001", { file: path, reason })] };
  }

  const { cell: _cell, weights: _weights, ...exportOptions } = options;
  try {
    const bytes = exportOnnx(graph, { ...exportOptions, params, sourceFile: file, sourceText: text });
    return { bytes, graph, diagnostics };
  } catch (e) {
    if (!(e instanceof OnnxExportError)) throw e;
    if (e.diagnostic) return { graph, diagnostics: [...diagnostics, e.diagnostic] };
    return { graph, diagnostics, optionError: e.message };
  }
}
