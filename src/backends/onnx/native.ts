/**
 * The native form: a cell that IS the textbook PyTorch-layout LSTM or GRU becomes one ONNX
 * `LSTM` / `GRU` node, which runtimes execute as a fused kernel — for small sizes far faster
 * than the dozens of per-step nodes of the unrolled or Scan form.
 *
 * Recognition is structural: the cell's canonical graph (canonical.ts: every name the user
 * chose replaced by its declaration position) must equal that of the reference cell below,
 * lowered by the same compiler. Any other cell — a peephole or layer-norm LSTM, an MGU, even
 * an LSTM whose sums are written in another order — is refused with an error, never exported
 * as a different function. Params are matched by position: the cell's first to fourth params
 * play the roles of W_ih, W_hh, b_ih, b_hh, its states h (and c), whatever their names.
 */
import { inertText } from "../../core/inert-text.js";
import { shapeToString } from "../../core/dims.js";
import { check } from "../../check/checker.js";
import { unitGraphs } from "../../ir/unit.js";
import { parse } from "../../syntax/parse.js";
import type { Graph } from "../../ir/graph.js";
import type { GraphBuilder } from "./builder.js";
import { canonicalGraphText } from "./canonical.js";
import { OnnxExportError } from "./errors.js";
import { concatenate, reorderGateBlocks } from "./native-weights.js";
import { axesAsInput } from "./opsets.js";
import { attr, ElemType, floatTensor, type AttrValue } from "./proto.js";
import { BATCH, finalName, initialName, SEQUENCE_LENS, STEPS } from "./signature.js";

/** examples/lstm.rnn: PyTorch's torch.nn.LSTM, gates i, f, g, o stacked in rows. */
export const LSTM_REFERENCE = `cell LSTM(I, H) {
  input x: [I]
  state h: [H]
  state c: [H]
  param W_ih: [4H, I]
  param W_hh: [4H, H]
  param b_ih: [4H]
  param b_hh: [4H]

  let [i, f, g, o] = split(W_ih @ x + b_ih + W_hh @ h + b_hh, 4)
  c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
  h' = sigmoid(o) * tanh(c')
  output h'
}
`;

/** examples/gru.rnn: PyTorch's torch.nn.GRU, gates r, z, n; r multiplies W_hn h + b_hn. */
export const GRU_REFERENCE = `cell GRU(I, H) {
  input x: [I]
  state h: [H]
  param W_ih: [3H, I]
  param W_hh: [3H, H]
  param b_ih: [3H]
  param b_hh: [3H]

  let [xr, xz, xn] = split(W_ih @ x + b_ih, 3)
  let [hr, hz, hn] = split(W_hh @ h + b_hh, 3)
  let r = sigmoid(xr + hr)
  let z = sigmoid(xz + hz)
  let n = tanh(xn + r * hn)
  h' = (1 - z) * n + z * h
  output h'
}
`;

export type NativeOperator = "LSTM" | "GRU";

interface OperatorSpec {
  readonly op: NativeOperator;
  readonly reference: string;
  /** ONNX gate block k is the reference's block `gateOrder[k]`. */
  readonly gateOrder: readonly number[];
  /** Attributes beyond hidden_size (fixed order: the output is byte-stable). */
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly doc: string;
}

const OPERATORS: readonly OperatorSpec[] = [
  // PyTorch i, f, g, o → ONNX i, o, f, c.
  { op: "LSTM", reference: LSTM_REFERENCE, gateOrder: [0, 3, 1, 2], attrs: {}, doc: "gates i, o, f, c" },
  // PyTorch r, z, n → ONNX z, r, h; linear_before_reset = 1 is PyTorch's r ⊙ (W_hn h + b_hn).
  { op: "GRU", reference: GRU_REFERENCE, gateOrder: [1, 0, 2], attrs: { linear_before_reset: attr.int(1) }, doc: "gates z, r, h, linear_before_reset = 1" },
];

let referenceTexts: Map<NativeOperator, string> | undefined;

/** The references' canonical text, lowered once by the compiler itself. */
function canonicalReferences(): Map<NativeOperator, string> {
  if (referenceTexts) return referenceTexts;
  referenceTexts = new Map();
  for (const spec of OPERATORS) {
    const file = `rnnc:native/${spec.op}.rnn`;
    const parsed = parse(file, spec.reference);
    const checked = check(parsed.program, spec.reference);
    const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
    const unit = checked.units[0];
    const graph = unit && !diagnostics.some((d) => d.severity === "error") ? unitGraphs(unit)[0] : undefined;
    if (!graph) throw new Error(`internal: the reference ${spec.op} cell does not compile: ${diagnostics.map((d) => d.message).join("; ")}`);
    referenceTexts.set(spec.op, canonicalGraphText(graph));
  }
  return referenceTexts;
}

/** The ONNX operator that computes exactly this cell, if any. */
export function recogniseNative(graph: Graph): NativeOperator | undefined {
  const text = canonicalGraphText(graph);
  for (const [op, reference] of canonicalReferences()) if (reference === text) return op;
  return undefined;
}

/** `recogniseNative`, or an OnnxExportError saying why there is no native form. */
export function requireNative(graph: Graph): NativeOperator {
  const op = recogniseNative(graph);
  if (op !== undefined) return op;
  throw new OnnxExportError(
    `cell ${graph.cell} is not recognised as an LSTM or GRU, so it has no native ONNX form: --recurrence native needs the graph of the textbook PyTorch-layout cell ` +
      "(examples/lstm.rnn or examples/gru.rnn, written the same way, names aside); export it with --recurrence unroll or --recurrence scan",
  );
}

/**
 * Emits the whole model body: the batch size from x, the initial states expanded to the batch
 * and given ONNX's num_directions axis, sequence_lens clamped to [0, T] (rnnc's contract lets
 * a length exceed T — the Scan default is INT32_MAX — where ONNX Runtime requires ≤ T), the
 * operator, and its outputs with the num_directions axis squeezed out.
 */
export function emitNative(graph: Graph, op: NativeOperator, main: GraphBuilder, params: Readonly<Record<string, Float32Array>>, steps: number | undefined, variableLengths = true): void {
  const spec = OPERATORS.find((s) => s.op === op)!;
  const model = main.model;
  const dims = model.dims;
  const x = graph.inputs[0]!;
  const inputSize = x.shape[0]!.evaluate(dims);
  const hidden = graph.states[0]!.shape[0]!.evaluate(dims);
  const gates = spec.gateOrder.length;
  const time = steps ?? STEPS;
  const doc = (what: string): string => `${what} (${inertText(graph.file)})`;

  // Weights, by position: W_ih, W_hh, b_ih, b_hh of the reference.
  const [wIh, wHh, bIh, bHh] = graph.params;
  const from = (p: NonNullable<typeof wIh>): string => `${p.name}: ${shapeToString(p.shape)} (${model.locateSpan(p.span)})`;
  const prefix = op.toLowerCase();
  const W = `${prefix}/W`;
  const R = `${prefix}/R`;
  const B = `${prefix}/B`;
  model.addInitializer(floatTensor(W, [1, gates * hidden, inputSize], reorderGateBlocks(params[wIh!.name]!, hidden, inputSize, spec.gateOrder), `ONNX ${op} W (${spec.doc}) from ${from(wIh!)}`));
  model.addInitializer(floatTensor(R, [1, gates * hidden, hidden], reorderGateBlocks(params[wHh!.name]!, hidden, hidden, spec.gateOrder), `ONNX ${op} R (${spec.doc}) from ${from(wHh!)}`));
  const bias = concatenate(reorderGateBlocks(params[bIh!.name]!, hidden, 1, spec.gateOrder), reorderGateBlocks(params[bHh!.name]!, hidden, 1, spec.gateOrder));
  model.addInitializer(floatTensor(B, [1, 2 * gates * hidden], bias, `ONNX ${op} B = [Wb; Rb] (${spec.doc}) from ${bIh!.name} and ${bHh!.name}`));

  const unsqueeze = (input: string, axis: number, name: string, what: string): string =>
    main.add("Unsqueeze", axesAsInput("Unsqueeze", model.opset) ? [input, model.int64([axis])] : [input], name, { ...(axesAsInput("Unsqueeze", model.opset) ? {} : { attrs: { axes: attr.ints([axis]) } }), doc: doc(what) });
  const squeeze = (input: string, axis: number, name: string, what: string): string =>
    main.add("Squeeze", axesAsInput("Squeeze", model.opset) ? [input, model.int64([axis])] : [input], name, { ...(axesAsInput("Squeeze", model.opset) ? {} : { attrs: { axes: attr.ints([axis]) } }), doc: doc(what) });

  const inputShape = main.add("Shape", [x.name], `${prefix}/input_shape`, { doc: doc(`the shape [T, B, I] of ${x.name}`) });
  const batchSize = main.add("Slice", [inputShape, model.int64([1]), model.int64([2]), model.int64([0])], `${prefix}/batch_size`, { doc: doc("the batch size B, as [B]") });
  const stateShape = main.add("Concat", [batchSize, model.int64([hidden])], `${prefix}/state_shape`, { attrs: { axis: attr.int(0) }, doc: doc("[B, H]") });
  main.declare(inputShape, ElemType.INT64, [3]);
  main.declare(batchSize, ElemType.INT64, [1]);
  main.declare(stateShape, ElemType.INT64, [2]);
  const expandedInitials = graph.states.map((s) => {
    const expanded = main.add("Expand", [initialName(s.name), stateShape], `${prefix}/initial/${s.name}`, { doc: doc(`state ${s.name} entering the first step, [B, H] (the default is one row of zeros)`) });
    main.declare(expanded, ElemType.FLOAT, [BATCH, hidden]);
    return expanded;
  });
  const initials = graph.states.map((s, k) => {
    const withDirections = unsqueeze(expandedInitials[k]!, 0, `${prefix}/initial/${s.name}/directions`, `state ${s.name} as ONNX's [num_directions = 1, B, H]`);
    main.declare(withDirections, ElemType.FLOAT, [1, BATCH, hidden]);
    return withDirections;
  });

  // Without sequence lengths the operator runs every example over all T steps: its optional
  // sequence_lens input is left empty and no final state needs patching.
  const lengthNodes = variableLengths ? clampedLengths() : undefined;
  function clampedLengths(): { clamped: string; empty: string } {
    const lengths = main.add("Expand", [SEQUENCE_LENS, batchSize], `${prefix}/lengths`, { doc: doc("sequence_lens as [B] (the default is one value for all)") });
    main.declare(lengths, ElemType.INT32, [BATCH]);
    const steps64 = main.add("Slice", [inputShape, model.int64([0]), model.int64([1]), model.int64([0])], `${prefix}/steps`, { doc: doc("T, as [1]") });
    const steps32 = main.add("Cast", [steps64], `${prefix}/steps_int32`, { attrs: { to: attr.int(ElemType.INT32) }, doc: doc("T as int32") });
    main.declare(steps64, ElemType.INT64, [1]);
    main.declare(steps32, ElemType.INT32, [1]);
    const longer = main.add("Less", [steps32, lengths], `${prefix}/lengths/longer`, { doc: doc("the examples whose length exceeds T") });
    const atMostT = main.add("Where", [longer, steps32, lengths], `${prefix}/lengths/at_most_steps`, { doc: doc("min(sequence_lens, T): past T there is nothing to run") });
    // Length ≤ 0: no step runs (a negative length means 0, as in the other forms).
    const empty = main.add("Less", [atMostT, model.int32Scalar(1)], `${prefix}/lengths/empty`, { doc: doc("the examples that run no step (length ≤ 0)") });
    const clamped = main.add("Where", [empty, model.int32Scalar(0), atMostT], `${prefix}/lengths/clamped`, { doc: doc("sequence_lens clamped to [0, T], as ONNX's operator requires") });
    for (const [name, type] of [[longer, ElemType.BOOL], [atMostT, ElemType.INT32], [empty, ElemType.BOOL], [clamped, ElemType.INT32]] as const) main.declare(name, type, [BATCH]);
    return { clamped, empty };
  }

  const outputs = [`${prefix}/Y`, `${prefix}/Y_h`, ...(op === "LSTM" ? [`${prefix}/Y_c`] : [])];
  main.add(op, [x.name, W, R, B, lengthNodes?.clamped ?? "", ...initials], prefix, {
    attrs: { hidden_size: attr.int(hidden), ...spec.attrs },
    outputs,
    doc: doc(`the recurrence of cell ${graph.cell} as ONNX's ${op} operator (${spec.doc})`),
  });
  main.declare(outputs[0]!, ElemType.FLOAT, [time, 1, BATCH, hidden]);
  for (const o of outputs.slice(1)) main.declare(o, ElemType.FLOAT, [1, BATCH, hidden]);

  // The output is h' (the reference's only output), state k's final value the operator's k+1-th output.
  squeeze(outputs[0]!, 1, graph.outputs[0]!.name, `output ${graph.outputs[0]!.name} at every step, [T, B, H] (zero past an example's length)`);
  if (lengthNodes === undefined) {
    graph.states.forEach((s, k) => squeeze(outputs[k + 1]!, 0, finalName(s.name), `state ${s.name} after the last step`));
    return;
  }
  // ONNX Runtime's Y_h/Y_c are zero for an example of length 0; rnnc's final state is then the
  // initial one (no step ran), so those rows are taken from the initial states.
  const emptyRows = unsqueeze(lengthNodes.empty, 1, `${prefix}/lengths/empty_rows`, "the examples that run no step, as [B, 1]");
  main.declare(emptyRows, ElemType.BOOL, [BATCH, 1]);
  graph.states.forEach((s, k) => {
    const last = squeeze(outputs[k + 1]!, 0, `${prefix}/final/${s.name}`, `state ${s.name} after the last step of each example, as ONNX Runtime gives it`);
    main.declare(last, ElemType.FLOAT, [BATCH, hidden]);
    main.add("Where", [emptyRows, expandedInitials[k]!, last], finalName(s.name), { doc: doc(`state ${s.name} after the last step of each example (the initial state where no step ran)`) });
  });
}
