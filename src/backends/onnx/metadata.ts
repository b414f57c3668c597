/**
 * What the model says about itself: the producer, the cell and its dimensions, and for every
 * node the source line it comes from (`file:line`), so Netron and error messages lead back to
 * the .rnn file.
 */
import type { Span } from "../../diagnostics/span.js";
import type { Graph } from "../../ir/graph.js";
import { inertText } from "../../core/inert-text.js";
import { irVersionFor } from "./opsets.js";

export const PRODUCER_NAME = "rnnc";
/** Kept equal to package.json's version (the ONNX model records which compiler made it). */
export const PRODUCER_VERSION = "0.1.0";

/** What every exported model (a cell's or a model file's) says first: IR version, opset, producer, the caller's doc string. */
export function modelHeader(opset: number, docString: string | undefined) {
  return {
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: "", version: opset }],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    ...(docString ? { docString } : {}),
  };
}

/**
 * `file:line` for a span. Offsets are into the file's text, so the line needs that text; without
 * it we say `file@offset`, which still identifies the place.
 */
export function spanLocator(sourceText: string | undefined): (span: Span) => string {
  if (sourceText === undefined) return (span) => `${inertText(span.file)}@${span.start}`;
  const lineStarts = [0];
  for (let i = 0; i < sourceText.length; i++) if (sourceText.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return (span) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= span.start) lo = mid;
      else hi = mid - 1;
    }
    return `${inertText(span.file)}:${lo + 1}`;
  };
}

export interface ModelDescription {
  readonly graph: Graph;
  readonly sourceFile: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly recurrence: "unroll" | "scan" | "native";
  readonly steps: number | undefined;
  readonly opset: number;
  /** The native form's ONNX operator. */
  readonly operator?: string;
}

/** `I=3,H=4` in the cell's declaration order. */
export function dimsText(graph: Graph, dims: Readonly<Record<string, number>>): string {
  return graph.dims.map((d) => `${d}=${dims[d]}`).join(",");
}

/**
 * The Scan form does not repeat T here: x's declared shape carries it, and the Scan model's
 * bytes then depend on T only through that one number.
 */
export function graphDocString(d: ModelDescription): string {
  const form = d.recurrence === "unroll" ? `unrolled over ${d.steps} steps` : d.recurrence === "scan" ? "as one Scan over the steps of x" : `as ONNX's ${d.operator ?? "LSTM/GRU"} operator over the steps of x`;
  return `cell ${d.graph.cell} from ${inertText(d.sourceFile)} (${dimsText(d.graph, d.dims)}), ${form}; compiled by ${PRODUCER_NAME} ${PRODUCER_VERSION}`;
}

/** metadata_props, in a fixed order (`steps` only for the unrolled form, see graphDocString). */
export function metadataProps(d: ModelDescription): { key: string; value: string }[] {
  return [
    { key: "producer", value: PRODUCER_NAME },
    { key: "source", value: inertText(d.sourceFile) },
    { key: "cell", value: d.graph.cell },
    { key: "dims", value: dimsText(d.graph, d.dims) },
    { key: "recurrence", value: d.recurrence },
    ...(d.recurrence === "unroll" ? [{ key: "steps", value: String(d.steps) }] : []),
    { key: "states", value: d.graph.states.map((s) => s.name).join(",") },
    { key: "outputs", value: d.graph.outputs.map((o) => o.name).join(",") },
  ];
}
