/**
 * A model's ONNX inputs and outputs — the cell contract (signature.ts) with every state named by
 * its layer, as the generated module names them (`l0.h`):
 *   inputs   each `<input>` by name: [T, batch, W] float, or [T, batch] int64 ids for `index(V)`;
 *            one per sequence ([batch, W], [batch]) for an input declared `per sequence`;
 *            `initial_<layer>.<state>` [batch, …] (optional: zeros), `sequence_lens` [batch]
 *            int32 (optional: every example runs all T steps);
 *   outputs  each output by name, [T, batch, W] per step or [batch, W] per sequence (`last`),
 *            `final_<layer>.<state>` [batch, …].
 * Names with a dot are ordinary ONNX value names (PyTorch's exporter names initializers
 * `fc.weight`); ONNX Runtime loads and feeds them.
 */
import type { CheckedModel, ModelLayer } from "../../check/model-types.js";
import { layerGraph } from "../../ir/lower.js";
import { layerDims } from "../../weights/unit-params.js";
import { ElemType, valueInfo, type DimSpec, type ValueInfoProto } from "./proto.js";
import { BATCH, finalName, initialName, nameClaims, SEQUENCE_LENS, STEPS } from "./signature.js";
import { QualifiedName, qualified } from "../../core/names.js";

/** One state of a layer the model runs: `l0.h`, its input and output names, its shape per example. */
export interface ModelState {
  readonly layer: ModelLayer;
  readonly state: string;
  /** `l0.h` */
  readonly name: string;
  readonly initial: string;
  readonly final: string;
  readonly shape: readonly number[];
}

/** The states of the layers the model runs (a declared layer nobody applies has none), in layer and state order. */
export function modelStates(model: CheckedModel, dims: Readonly<Record<string, number>>): ModelState[] {
  return model.layers
    .filter((l) => model.runs.some((r) => r.layer === l.name))
    .flatMap((layer) =>
      layerGraph(layer.cell).states.map((s) => {
        const name = qualified(layer.name, s.name);
        return { layer, state: s.name, name, initial: initialName(name), final: finalName(name), shape: s.shape.map((d) => d.evaluate(layerDims(layer, dims))) };
      }),
    );
}

export interface ModelSignature {
  readonly inputs: ValueInfoProto[];
  readonly outputs: ValueInfoProto[];
}

export function modelSignature(model: CheckedModel, dims: Readonly<Record<string, number>>, steps: number | undefined, paramNames: readonly string[]): ModelSignature {
  const time: DimSpec = steps ?? STEPS;
  const states = modelStates(model, dims);
  const inputs = [
    ...model.inputs.map((input) => {
      const lead = input.timing === "once" ? [BATCH] : [time, BATCH];
      const when = input.timing === "once" ? "one per sequence" : "time-major";
      return input.type.kind === "vector"
        ? valueInfo(input.name, ElemType.FLOAT, [...lead, input.type.width.evaluate(dims)], `model input ${input.name}, ${when}`)
        : valueInfo(input.name, ElemType.INT64, lead, `model input ${input.name}: ids below ${input.type.size.evaluate(dims)}, ${when}`);
    }),
    ...states.map((s) => valueInfo(s.initial, ElemType.FLOAT, [BATCH, ...s.shape], `initial value of state ${s.name}`)),
    valueInfo(SEQUENCE_LENS, ElemType.INT32, [BATCH], "steps each example runs; past it states are kept and per-step values are zero"),
  ];
  const outputs = [
    ...model.outputs.map((o) => {
      const node = model.nodes[o.node]!;
      const width = node.type.kind === "vector" ? node.type.width.evaluate(dims) : node.type.size.evaluate(dims);
      const once = node.timing === "once";
      return valueInfo(o.name, ElemType.FLOAT, once ? [BATCH, width] : [time, BATCH, width], once ? `output ${o.name}, one per sequence` : `output ${o.name} at every step`);
    }),
    ...states.map((s) => valueInfo(s.final, ElemType.FLOAT, [BATCH, ...s.shape], `state ${s.name} after the last step of each example`)),
  ];
  checkModelNames(model, states, paramNames);
  return { inputs, outputs };
}

/** Inputs, outputs and initializers must have distinct names; a clash points at both declarations. */
function checkModelNames(model: CheckedModel, states: readonly ModelState[], paramNames: readonly string[]): void {
  const claim = nameClaims("model");
  const layerSpan = new Map(model.layers.map((l) => [l.name, l.span]));
  for (const i of model.inputs) claim(i.name, `the input \`${i.name}\``, i.span);
  for (const s of states) claim(s.initial, `the initial value of state \`${s.name}\``, s.layer.span);
  claim(SEQUENCE_LENS, "the sequence lengths");
  for (const o of model.outputs) claim(o.name, `the output \`${o.name}\``, o.span);
  for (const s of states) claim(s.final, `the final value of state \`${s.name}\``, s.layer.span);
  for (const p of paramNames) claim(p, `the param \`${p}\``, layerSpan.get(QualifiedName.parse(p)!.layer)!);
}
