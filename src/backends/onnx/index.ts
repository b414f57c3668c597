/**
 * The ONNX back end: a cell's step graph → an ONNX model over a batch and a sequence, either
 * unrolled (the step repeated T times), as one Scan, or — for the textbook LSTM and GRU — as
 * ONNX's own LSTM/GRU operator (native.ts). See `signature.ts` for the model's
 * inputs and outputs, `plan.ts` for what is hoisted out of the recurrence, `mask.ts` for
 * variable-length batches.
 */
import { diag } from "../../diagnostics/codes.js";
import { primary } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { Graph } from "../../ir/graph.js";
import { verifyGraph } from "../../ir/verify.js";
import { GraphBuilder, ModelBuilder } from "./builder.js";
import { OnnxExportError } from "./errors.js";
import { emitFlat } from "./flat.js";
import { graphDocString, metadataProps, modelHeader, spanLocator, type ModelDescription } from "./metadata.js";
import { DEFAULT_OPSET, MAX_OPSET, ONNX_OP_SINCE } from "./opsets.js";
import { checkOptions } from "./options.js";
import { planGraph } from "./plan.js";
import { emitPrelude } from "./prelude.js";
import { encodeModel, type ModelProto } from "./proto.js";
import { emitNative, requireNative } from "./native.js";
import { emitScan } from "./scan.js";
import { signature } from "./signature.js";
import { emitUnrolled } from "./unroll.js";
import { addInitializers, addInputDefaults, checkParams } from "./weights.js";

export { OnnxExportError } from "./errors.js";
export { DEFAULT_OPSET, MAX_OPSET } from "./opsets.js";
export { BATCH, finalName, initialName, SEQUENCE_LENS, STEPS } from "./signature.js";

export interface OnnxExportOptions {
  /** A value for every dimension of the cell (`{ I: 32, H: 64 }`). */
  readonly dims: Readonly<Record<string, number>>;
  /** T. Required for "unroll"; for "scan" and "native", absent means T is symbolic (`steps`). */
  readonly steps?: number;
  /**
   * "unroll": the step repeated T times; "scan": one ONNX Scan; "native": ONNX's LSTM or GRU
   * operator, only for a cell whose graph is the textbook PyTorch-layout LSTM or GRU
   * (examples/lstm.rnn, examples/gru.rnn) — any other cell is an OnnxExportError.
   */
  readonly recurrence: "unroll" | "scan" | "native";
  /** Default `DEFAULT_OPSET` (17); at most `MAX_OPSET` (22, the newest onnxruntime-node 1.22 loads). */
  readonly opset?: number;
  /** Every param's values, row-major in its declared shape. */
  readonly params: Readonly<Record<string, Float32Array>>;
  /**
   * Default false: `initial_<state>` and `sequence_lens` are plain required inputs, which every
   * ONNX Runtime binding feeds (and none can drop). True: they get defaults (initializers of the
   * same name: zeros, full length), so callers may leave them out — ONNX's way to make an input
   * optional, honoured by ONNX Runtime's Python and C APIs. Caveat: onnxruntime-node only feeds
   * inputs WITHOUT an initializer (its binding iterates the session's required inputs) and
   * silently ignores feeds for the others, so from Node the defaults always win.
   */
  readonly optionalInputs?: boolean;
  /**
   * Default true: the model takes `sequence_lens` and masks every step with it. False: every
   * example runs all T steps — no `sequence_lens` input and no masking nodes, a smaller graph that
   * runs faster (cells only).
   */
  readonly variableLengths?: boolean;
  /** The .rnn file, as the user named it (recorded in the model). */
  readonly sourceFile: string;
  /** The file's text, to turn node spans into line numbers in doc strings. */
  readonly sourceText?: string;
  /** The model's doc_string. */
  readonly docString?: string;
}

/**
 * Exports a cell as an ONNX model and returns its bytes — the same for the same arguments.
 * Throws `OnnxExportError` (with a precise message) for a request it cannot honour: a missing
 * or extra dimension or param, a param of the wrong size, unroll without steps, native for a
 * cell that is not the textbook LSTM or GRU, an opset out of range or too old for an op the
 * cell needs (then `.diagnostic` points at the source).
 */
export function exportOnnx(graph: Graph, options: OnnxExportOptions): Uint8Array {
  return encodeModel(buildOnnxModel(graph, options));
}

/** The model as a protobuf message object (what `exportOnnx` encodes), for inspection. */
export function buildOnnxModel(graph: Graph, options: OnnxExportOptions): ModelProto {
  return buildCellModel(graph, options, options.recurrence);
}

/**
 * How a cell's steps are emitted: `options.recurrence`, or "flat" — every step at once, no
 * recurrence — which only a cell without state can take (a model's Linear or Embedding layer,
 * see model.ts; a cell file's export keeps the form it asks for).
 */
export type CellForm = OnnxExportOptions["recurrence"] | "flat";

/**
 * `buildOnnxModel` with the form chosen by the caller (model.ts composes layers with it), and
 * optionally its own `file:line` locator for doc strings (a layer's spans may be in any file).
 */
export function buildCellModel(graph: Graph, options: OnnxExportOptions, form: CellForm, locateSpan?: (span: Span) => string, idInput?: string): ModelProto {
  // The emitters trust the IR's invariants (shapes agree with ops); a violation is a compiler bug.
  verifyGraph(graph, "before the ONNX export");
  const opset = options.opset ?? DEFAULT_OPSET;
  checkOptions(graph, options, opset);
  const { dims, steps, recurrence } = options;
  checkParams(graph, dims, options.params);
  const lengths = options.variableLengths ?? true;
  const sig = signature(graph, dims, steps, lengths);
  const native = form === "native" ? requireNative(graph) : undefined;

  const model = new ModelBuilder(opset, dims, locateSpan ?? spanLocator(options.sourceText));
  const main = new GraphBuilder(model);
  const plan = native === undefined ? planGraph(graph) : undefined;
  if (plan) addInitializers(model, graph, options.params, plan.usedParams);
  // Full length by default: T when fixed; when symbolic, the largest int32 (t < it for every step).
  if (options.optionalInputs ?? false) addInputDefaults(model, graph, recurrence === "unroll" ? steps! : 2147483647, lengths);
  if (native !== undefined) emitNative(graph, native, main, options.params, steps, lengths);
  else {
    // A model's layer fed ids (idInput): its products with that input are Gathers (prelude.ts).
    const prelude = emitPrelude(graph, plan!, main, lengths, idInput);
    if (form === "flat") emitFlat(graph, prelude);
    else if (form === "unroll") emitUnrolled(graph, plan!, main, prelude, steps!);
    else emitScan(graph, plan!, main, prelude);
  }
  checkOpset(model, opset);

  const description: ModelDescription = { graph, sourceFile: options.sourceFile, dims, recurrence, steps, opset, ...(native ? { operator: native } : {}) };
  return {
    ...modelHeader(opset, options.docString),
    graph: {
      node: main.nodes,
      name: graph.cell,
      initializer: model.initializers,
      docString: graphDocString(description),
      input: sig.inputs,
      output: sig.outputs,
      valueInfo: main.valueInfo,
    },
    metadataProps: metadataProps(description),
  };
}

/** Every emitted ONNX op must exist (in the form we use) at the requested opset. */
export function checkOpset(model: ModelBuilder, opset: number): void {
  for (const use of model.usedOps) {
    const since = ONNX_OP_SINCE[use.opType];
    if (since === undefined) throw new Error(`internal: ONNX op ${use.opType} has no entry in ONNX_OP_SINCE`);
    if (since <= opset) continue;
    const what = use.irNode
      ? `\`${use.opType}\` (for the ${use.irNode.op}${use.irNode.label ? ` \`${use.irNode.label}\`` : ""} at ${model.locate(use.irNode)}) at opset ${opset}`
      : `\`${use.opType}\` (${["Scan", "LSTM", "GRU"].includes(use.opType) ? "the recurrence" : "batching and masking"}) at opset ${opset}`;
    const diagnostic = diag("RNN6004", { backend: "ONNX", what }, {
      ...(use.irNode ? { labels: [primary(use.irNode.span, `needs ONNX ${use.opType}, available from opset ${since}`)] } : {}),
      helps: [`use --opset ${since} or newer (up to ${MAX_OPSET})`],
    });
    throw new OnnxExportError(`${diagnostic.message}; it needs opset ${since} or newer`, diagnostic);
  }
}
