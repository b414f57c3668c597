/**
 * Checks an export request before anything is built: the recurrence form, the opset range, the
 * step count, a positive value for every dimension of the cell and nothing else, a forward graph.
 */
import type { Graph } from "../../ir/graph.js";
import { OnnxExportError } from "./errors.js";
import type { OnnxExportOptions } from "./index.js";
import { MAX_OPSET, MIN_OPSET } from "./opsets.js";

/** The recurrence form, the opset and the step count: what cells and models are checked alike for. */
export function checkForm(options: Pick<OnnxExportOptions, "recurrence" | "steps">, opset: number): void {
  if (options.recurrence !== "unroll" && options.recurrence !== "scan" && options.recurrence !== "native") {
    throw new OnnxExportError(`recurrence must be "unroll", "scan" or "native", found ${JSON.stringify(options.recurrence)}`);
  }
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OnnxExportError(`opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET} (the newest onnxruntime-node 1.22 loads), found ${opset}`);
  }
  const { steps } = options;
  if (options.recurrence === "unroll" && steps === undefined) {
    throw new OnnxExportError("the unrolled form needs a fixed number of steps (--steps T); give one, or use the scan form, which keeps T symbolic");
  }
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new OnnxExportError(`steps must be a positive integer, found ${steps}`);
  }
}

export function checkOptions(graph: Graph, options: OnnxExportOptions, opset: number): void {
  checkForm(options, opset);
  checkDimValues(`cell ${graph.cell}`, graph.dims, options.dims);
  const seed = graph.nodes.find((n) => n.op === "seed");
  if (seed) throw new OnnxExportError(`the ONNX back end exports forward graphs; this graph has the gradient-only leaf \`seed\` (${seed.attrs.name ?? "unnamed"})`);
  if (graph.inputs.length === 0) throw new OnnxExportError(`cell ${graph.cell} has no input; the ONNX model reads the batch and the steps from it`);
  for (const p of graph.params) {
    for (const d of p.shape) {
      if (d.evaluate(options.dims) < 1) throw new OnnxExportError(`param ${p.name} has a dimension ${d.toString()} = ${d.evaluate(options.dims)} with these dims; dimensions must be positive`);
    }
  }
}

/** A positive integer for every declared dimension of `owner` (`cell LSTM`, `model BiGRU`), and no other. */
export function checkDimValues(owner: string, declared: readonly string[], dims: Readonly<Record<string, number>>): void {
  for (const d of declared) {
    const v = dims[d];
    if (v === undefined) throw new OnnxExportError(`no value for dimension ${d} of ${owner} (it needs ${declared.join(", ")})`);
    if (!Number.isInteger(v) || v < 1) throw new OnnxExportError(`dimension ${d} must be a positive integer, found ${v}`);
  }
  const extra = Object.keys(dims).filter((d) => !declared.includes(d)).sort();
  if (extra.length > 0) {
    throw new OnnxExportError(`${owner} has no dimension ${extra.join(", ")}; its dimensions are ${declared.join(", ") || "none"}`);
  }
}
