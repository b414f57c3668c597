/**
 * The path from a model file's text to ONNX bytes (`rnnc onnx` on a file that defines a model):
 * compile the model, get its weights as `layer.param` (a safetensors file, as the generated
 * module's `saveParams` writes it, or a seed, giving the module's `init(seed)` values), export.
 * Like from-source.ts, returns diagnostics for mistakes in the program or the weights file and
 * `optionError` for a request the command line got wrong; never throws for those.
 */
import { compileModel } from "../../compiler.js";
import { DimValueError, bindDimValues } from "../../core/dim-values.js";
import { FileError } from "../../core/files.js";
import { diag } from "../../diagnostics/codes.js";
import { readWeightsFile } from "../../weights/index.js";
import { initModelParams, modelParamShapes } from "../../weights/model-params.js";
import { OnnxExportError } from "./errors.js";
import { weightsReadOptions, type OnnxFromSourceOptions, type OnnxFromSourceResult } from "./from-source.js";
import { exportModelOnnx } from "./model.js";

export function onnxModelFromSource(file: string, text: string, options: OnnxFromSourceOptions): OnnxFromSourceResult {
  const { model, diagnostics, sources } = compileModel(file, text, options.cell);
  if (!model) return { diagnostics, sources };
  let params: Record<string, Float32Array>;
  try {
    const dims = bindDimValues(`model ${model.name}`, model.dims, options.dims);
    const shapes = modelParamShapes(model, dims);
    params = "file" in options.weights
      ? (readWeightsFile(options.weights.file, shapes, "float32", weightsReadOptions(options.weights)) as Record<string, Float32Array>)
      : (initModelParams(model, dims, options.weights.seed, "float32") as Record<string, Float32Array>);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof DimValueError || !("file" in options.weights)) return { model, diagnostics, sources, optionError: message };
    if (e instanceof FileError) return { model, diagnostics: [...diagnostics, diag("RNN6001", { file: e.path, reason: e.reason })], sources };
    const path = options.weights.file;
    const reason = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    return { model, diagnostics: [...diagnostics, diag("RNN6001", { file: path, reason })], sources };
  }

  const { cell: _cell, weights: _weights, ...exportOptions } = options;
  try {
    const bytes = exportModelOnnx(model, { ...exportOptions, params, sourceFile: file, sourceText: text, sources });
    return { bytes, model, diagnostics, sources };
  } catch (e) {
    if (!(e instanceof OnnxExportError)) throw e;
    if (e.diagnostic) return { model, diagnostics: [...diagnostics, e.diagnostic], sources };
    return { model, diagnostics, sources, optionError: e.message };
  }
}
