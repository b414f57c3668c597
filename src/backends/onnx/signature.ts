/**
 * The model's inputs and outputs — a contract shared with the TypeScript back end and the CLI:
 *   inputs   `<input>` [T, batch, …] (one per cell input, usually `x`),
 *            `initial_<state>` [batch, …] (optional: zeros), `sequence_lens` [batch] int32
 *            (optional: every example runs all T steps);
 *   outputs  `<output>` [T, batch, …] per step (`h` for `output h'`, `y` for `output y = …`),
 *            `final_<state>` [batch, …].
 * T is a number when the step count is fixed, else the symbol `steps`; batch is always `batch`.
 */
import { diag } from "../../diagnostics/codes.js";
import { primary, secondary } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { Graph } from "../../ir/graph.js";
import { OnnxExportError } from "./errors.js";
import { ElemType, valueInfo, type DimSpec, type ValueInfoProto } from "./proto.js";

export const BATCH = "batch";
export const STEPS = "steps";
export const SEQUENCE_LENS = "sequence_lens";

export const initialName = (state: string): string => `initial_${state}`;
export const finalName = (state: string): string => `final_${state}`;

export interface Signature {
  readonly inputs: ValueInfoProto[];
  readonly outputs: ValueInfoProto[];
}

export function signature(graph: Graph, dims: Readonly<Record<string, number>>, steps: number | undefined, variableLengths = true): Signature {
  const time: DimSpec = steps ?? STEPS;
  const per = (shape: Graph["inputs"][number]["shape"]): number[] => shape.map((d) => d.evaluate(dims));
  const inputs = [
    ...graph.inputs.map((i) => valueInfo(i.name, ElemType.FLOAT, [time, BATCH, ...per(i.shape)], `cell input ${i.name}, time-major`)),
    ...graph.states.map((s) => valueInfo(initialName(s.name), ElemType.FLOAT, [BATCH, ...per(s.shape)], `initial value of state ${s.name}`)),
    ...(variableLengths ? [valueInfo(SEQUENCE_LENS, ElemType.INT32, [BATCH], "steps each example runs; past it states are kept and outputs are zero")] : []),
  ];
  const outputs = [
    ...graph.outputs.map((o) => valueInfo(o.name, ElemType.FLOAT, [time, BATCH, ...graph.nodes[o.node]!.shape.map((d) => d.evaluate(dims))], `output ${o.name} at every step`)),
    ...graph.states.map((s) => valueInfo(finalName(s.name), ElemType.FLOAT, [BATCH, ...per(s.shape)], `state ${s.name} after the last step of each example`)),
  ];
  checkNames(graph, variableLengths);
  return { inputs, outputs };
}

/** The model's value names must be distinct; a clash points at both declarations. */
function checkNames(graph: Graph, variableLengths: boolean): void {
  const claim = nameClaims("cell");
  for (const i of graph.inputs) claim(i.name, `the input \`${i.name}\``, i.span);
  for (const s of graph.states) claim(initialName(s.name), `the initial value of state \`${s.name}\``, s.span);
  if (variableLengths) claim(SEQUENCE_LENS, "the sequence lengths");
  for (const o of graph.outputs) claim(o.name, `the output \`${o.name}\``, o.span);
  for (const s of graph.states) claim(finalName(s.name), `the final value of state \`${s.name}\``, s.span);
  for (const p of graph.params) claim(p.name, `the param \`${p.name}\``, p.span);
}

/**
 * A claim on a name of the ONNX model (`what` says whose it is); a second claim on the same name
 * throws an OnnxExportError (RNN6004) pointing at both, asking to rename one in the `where`.
 */
export function nameClaims(where: "cell" | "model"): (name: string, what: string, span?: Span) => void {
  const names = new Map<string, { what: string; span?: Span }>();
  return (name, what, span) => {
    const other = names.get(name);
    if (other === undefined) {
      names.set(name, { what, ...(span ? { span } : {}) });
      return;
    }
    const labels = [
      ...(span ? [primary(span, `${what} is \`${name}\` in the model`)] : []),
      ...(other.span ? [secondary(other.span, `${other.what} is \`${name}\` too`)] : []),
    ];
    const diagnostic = diag("RNN6004", { backend: "ONNX", what: `two model values named \`${name}\` (${other.what} and ${what})` }, {
      labels,
      helps: [`rename one of them in the ${where}`],
    });
    throw new OnnxExportError(`the ONNX model would have two values named \`${name}\`: ${other.what} and ${what}; rename one of them in the ${where}`, diagnostic);
  };
}
