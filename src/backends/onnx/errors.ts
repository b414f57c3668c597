import type { Diagnostic } from "../../diagnostics/diagnostic.js";

/**
 * A request the ONNX back end cannot honour: a missing dimension or weight, a weight of the
 * wrong size, an opset too old for an op the cell needs. The message names the argument or
 * tensor, what was expected and what was found. `diagnostic` is set when the problem lies in
 * the cell (an op that needs a newer opset, two model values with one name), so the CLI can
 * render it with spans; without it, the problem is in the export options (dims, steps, opset,
 * weights). Anything else thrown by the back end is a compiler bug.
 */
export class OnnxExportError extends Error {
  constructor(
    message: string,
    readonly diagnostic?: Diagnostic,
  ) {
    super(message);
    this.name = "OnnxExportError";
  }
}
