/**
 * The ONNX export of a model (src/check/model-types.ts): a graph over whole sequences whose
 * layers are cells. Each run of a layer is its cell exported by the cell emitters on its own —
 * unrolled, as a Scan or as ONNX's LSTM/GRU like the model asks, "flat" (every step at once) for
 * a cell without state, one unrolled step for a layer applied to a per-sequence value — and then
 * renamed into the model's graph (rename.ts): its input becomes the tensor the model feeds it,
 * its states the model's `initial_<layer>.<state>` / `final_<layer>.<state>`, its params
 * `layer.param` (a tied param its owner's, so both layers read one initializer), its other names
 * get the prefix `<layer>/`. The sequence operations between
 * layers are a few ONNX nodes each (emitted under `model/`):
 *   onehot   OneHot, zero past each example's length;
 *   reverse  ReverseSequence over each example's valid steps, zero past its length;
 *   last     the reversed sequence's first step (zero for an example of length 0);
 *   concat   Concat on the feature axis;
 *   elementwise functions and poolings over time: model-elementwise.ts;
 *   dropout  Identity: an exported model is for inference, where dropout is the identity.
 * The semantics are the generated module's driver's (src/runtime/model.ts).
 */
import { inertText } from "../../core/inert-text.js";
import type { CheckedModel, LayerRun, ModelNode } from "../../check/model-types.js";
import { layerGraph } from "../../ir/lower.js";
import type { Span } from "../../diagnostics/span.js";
import { seqOpOf, type SeqBinaryFn, type SeqOp, type SeqUnaryFn } from "../../core/seq-ops.js";
import { emitBinary, emitPool, emitUnary } from "./model-elementwise.js";
import { stdSource } from "../../std/library.js";
import { layerDims, unitParamDecls } from "../../weights/unit-params.js";
import { modelUnit } from "../../check/unit.js";
import { GraphBuilder, ModelBuilder } from "./builder.js";
import { OnnxExportError } from "./errors.js";
import { buildCellModel, checkOpset, type CellForm, type OnnxExportOptions } from "./index.js";
import { ModelFrame } from "./model-frame.js";
import { modelSignature, modelStates } from "./model-signature.js";
import { modelHeader, PRODUCER_NAME, PRODUCER_VERSION, spanLocator } from "./metadata.js";
import { DEFAULT_OPSET } from "./opsets.js";
import { checkDimValues, checkForm } from "./options.js";
import { attr, ElemType, encodeModel, type DimSpec, type ModelProto, type TensorProto } from "./proto.js";
import { renameGraph } from "./rename.js";
import { BATCH, finalName, initialName, SEQUENCE_LENS, STEPS } from "./signature.js";
import { addStateDefaults, checkParamValues } from "./weights.js";
import { qualified } from "../../core/names.js";
import { idFedOnehots } from "./model-ids.js";
import { storedParam } from "../../check/model-ties.js";

export interface OnnxModelExportOptions extends Omit<OnnxExportOptions, "dims" | "params"> {
  /** A value for every dimension of the model (`{ I: 3, H: 4 }`); the layers' follow from their bindings. */
  readonly dims: Readonly<Record<string, number>>;
  /** Every layer's params as `layer.param` (`l0.W_ih`), row-major in the declared shape. */
  readonly params: Readonly<Record<string, Float32Array>>;
  /**
   * The text of every file the model's spans name (`compileModel`'s `sources`), for the doc
   * strings' `file:line`; absent, the model file's is `sourceText` and the standard library's
   * are known.
   */
  readonly sources?: ReadonlyMap<string, string>;
}

/** Exports a model as an ONNX model (inference: outputs and final states; no targets, no loss). */
export function exportModelOnnx(model: CheckedModel, options: OnnxModelExportOptions): Uint8Array {
  return encodeModel(buildModelOnnx(model, options));
}

/** A model-level value: a float [T, B, W] / [B, W], or int64 ids [T, B] / [B]. */
interface Value {
  readonly name: string;
  readonly ids: boolean;
  readonly once: boolean;
}

/** The model as a protobuf message object (what `exportModelOnnx` encodes). */
export function buildModelOnnx(model: CheckedModel, options: OnnxModelExportOptions): ModelProto {
  const opset = options.opset ?? DEFAULT_OPSET;
  checkForm(options, opset);
  if (options.variableLengths === false) {
    // A model's reversal and last step read the lengths; a fixed-length model form is not built.
    throw new OnnxExportError(`the fixed-length form (no sequence_lens) is for cells; model ${model.name} is exported with sequence_lens`);
  }
  const { dims, steps, recurrence } = options;
  checkDimValues(`model ${model.name}`, model.dims, dims);
  const decls = unitParamDecls(modelUnit(model));
  checkParamValues(`model ${model.name}`, decls, dims, options.params);
  const sig = modelSignature(model, dims, steps, decls.map((p) => p.name));

  const locate = locator(options);
  const builder = new ModelBuilder(opset, dims, locate);
  const main = new GraphBuilder(builder);
  if (options.optionalInputs ?? false) {
    const states = modelStates(model, dims).map((s) => ({ input: s.initial, state: s.name, shape: s.shape }));
    addStateDefaults(builder, states, recurrence === "unroll" ? steps! : 2147483647);
  }
  // The time and batch axes come from the first per-step input (the checker makes sure there is one).
  const stepInput = model.inputs.find((i) => i.timing === "step")!;
  const emitter = new ModelEmitter(model, options, opset, locate, new ModelFrame(main, stepInput.name, `model ${model.name} (${inertText(model.file)})`));
  for (const node of model.nodes) emitter.emit(node);
  for (const o of model.outputs) main.add("Identity", [emitter.value(o.node).name], o.name, { doc: `output ${o.name} (${locate(o.span)})` });
  checkOpset(builder, opset);

  const dimsText = model.dims.map((d) => `${d}=${dims[d]}`).join(",");
  const form = recurrence === "unroll" ? `unrolled over ${steps} steps` : recurrence === "scan" ? "with a Scan per recurrent layer" : "with ONNX's LSTM/GRU operators";
  return {
    ...modelHeader(opset, options.docString),
    graph: {
      node: main.nodes,
      name: model.name,
      initializer: firstOfEachName([...builder.initializers, ...emitter.initializers]),
      docString: `model ${model.name} from ${inertText(options.sourceFile)} (${dimsText}), ${form}; compiled by ${PRODUCER_NAME} ${PRODUCER_VERSION}`,
      input: sig.inputs,
      output: sig.outputs,
      valueInfo: main.valueInfo,
    },
    metadataProps: [
      { key: "producer", value: PRODUCER_NAME },
      { key: "source", value: inertText(options.sourceFile) },
      { key: "model", value: model.name },
      { key: "dims", value: dimsText },
      { key: "recurrence", value: recurrence },
      ...(recurrence === "unroll" ? [{ key: "steps", value: String(steps) }] : []),
      { key: "layers", value: model.layers.map((l) => `${l.name}=${l.cell.cell.def.name.name}`).join(",") },
      { key: "states", value: modelStates(model, dims).map((s) => s.name).join(",") },
      { key: "outputs", value: model.outputs.map((o) => o.name).join(",") },
    ],
  };
}

type SeqNode = Exclude<ModelNode, { readonly op: "input" } | { readonly op: "apply" }>;
type NodeOfOp<K extends SeqOp> = K extends SeqBinaryFn ? Extract<ModelNode, { readonly op: "binary" }> : K extends SeqUnaryFn ? Extract<ModelNode, { readonly op: "unary" }> : Extract<ModelNode, { readonly op: K }>;
type SeqOpEmitter<N> = (node: N, e: ModelEmitter, doc: string, once: boolean) => Value;

/** Elementwise functions and poolings (model-elementwise.ts): a float value of the node's timing. */
const binary: SeqOpEmitter<NodeOfOp<SeqBinaryFn>> = (node, e, doc, once) => ({ name: emitBinary(e, node, doc), ids: false, once });
const unary: SeqOpEmitter<NodeOfOp<SeqUnaryFn>> = (node, e, doc, once) => ({ name: emitUnary(e, node, doc), ids: false, once });
const pool: SeqOpEmitter<NodeOfOp<"mean_over_time" | "max_over_time">> = (node, e, doc) => ({ name: emitPool(e, node, doc), ids: false, once: true });

/** The ONNX form of each sequence operation (the driver's semantics, src/runtime/model.ts). */
const SEQ_OP_EMITTERS: { readonly [K in SeqOp]: SeqOpEmitter<NodeOfOp<K>> } = {
  onehot(node, e, doc, once) {
    const r = e.frame.region;
    const ids = e.value(node.arg);
    if (e.gathers(node.id)) {
      // Read only by layers that gather their weights' columns at the ids: no one-hot tensor. Past an
      // example's length the ids are padding (any value, maybe out of range): id 0 there, whose
      // products the layer's masking discards.
      const name = once ? ids.name : r.emitNamed("Where", [e.frame.running, ids.name, r.model.int64([0], true)], `onehot_${node.id}/ids`, doc);
      return { name, ids: true, once };
    }
    const size = node.type.kind === "vector" ? node.type.width.evaluate(e.options.dims) : 0;
    const hot = r.emitNamed("OneHot", [ids.name, r.model.int64([size], true), r.model.floatVector([0, 1])], `onehot_${node.id}/all`, doc, { axis: attr.int(-1) });
    // Past an example's length the ids are padding (any value): the one-hot rows are zero there,
    // and an example of length 0 has no per-sequence id.
    const name = once ? e.frame.zeroWithoutSteps(`onehot_${node.id}`, hot, false, doc) : e.frame.mask.zeroPast(`onehot_${node.id}`, { name: hot, batched: true, shape: [size] }, doc);
    return { name, ids: false, once };
  },
  reverse: (node, e, doc) => ({ name: e.reverse(node.arg, doc), ids: e.value(node.arg).ids, once: false }),
  last(node, e, doc) {
    const r = e.frame.region;
    const name = r.emitNamed("Gather", [e.reverse(node.arg, doc), r.model.int64([0], true)], `last_${node.id}`, doc, { axis: attr.int(0) });
    return { name, ids: e.value(node.arg).ids, once: true };
  },
  concat: (node, e, doc, once) => ({
    name: e.frame.region.emitNamed("Concat", node.args.map((a, k) => (once || !e.value(a).once ? e.value(a).name : e.everyStep(a, `concat_${node.id}/arg${k}`, doc))), `concat_${node.id}`, doc, { axis: attr.int(once ? 1 : 2) }),
    ids: false,
    once,
  }),
  // An exported model is for inference, where dropout is the identity (as a cell's dropout).
  dropout: (node, e, doc, once) => ({ name: e.frame.region.emitNamed("Identity", [e.value(node.arg).name], `dropout_${node.id}`, doc), ids: false, once }),
  mean_over_time: pool,
  max_over_time: pool,
  // A float32 scalar, broadcast by the binary nodes that read it.
  number: (node, e) => ({ name: e.frame.region.model.floatScalar(node.value), ids: false, once: true }),
  add: binary,
  sub: binary,
  mul: binary,
  div: binary,
  maximum: binary,
  minimum: binary,
  neg: unary,
  sigmoid: unary,
  tanh: unary,
  relu: unary,
  leaky_relu: unary,
  elu: unary,
  softplus: unary,
  softsign: unary,
  hard_sigmoid: unary,
  exp: unary,
  log: unary,
  sqrt: unary,
  abs: unary,
  clamp: unary,
  pow: unary,
};

/** Emits the model's nodes in order; each layer run once, when its first output is needed. */
class ModelEmitter {
  readonly initializers: TensorProto[] = [];
  private readonly values = new Map<number, Value>();
  private readonly runs = new Map<number, ReadonlyMap<string, string>>();
  private readonly reversed = new Map<number, string>();
  private readonly declared = new Set<string>();

  constructor(
    private readonly model: CheckedModel,
    readonly options: OnnxModelExportOptions,
    private readonly opset: number,
    private readonly locate: (span: Span) => string,
    readonly frame: ModelFrame,
  ) {}

  /** Onehot nodes whose every reader is a layer run on their ids (model-ids.ts). */
  private gatheredSet: ReadonlySet<number> | undefined;
  private get gathered(): ReadonlySet<number> {
    return (this.gatheredSet ??= idFedOnehots(this.model, this.options.recurrence));
  }

  gathers(onehot: number): boolean {
    return this.gathered.has(onehot);
  }

  node(id: number): ModelNode {
    return this.model.nodes[id]!;
  }

  value(id: number): Value {
    const v = this.values.get(id);
    if (v === undefined) throw new Error(`internal: model node ${id} used before it is emitted`);
    return v;
  }

  emit(node: ModelNode): void {
    const doc = `${node.op} (${this.locate(node.span)})`;
    const once = node.timing === "once";
    let v: Value;
    if (node.op === "input") v = this.input(node);
    else if (node.op === "apply") {
      const out = this.layerRun(this.model.runs[node.run]!).get(node.output)!;
      v = { name: once ? this.frame.region.squeeze(out, [0], `apply_${node.id}`) : out, ids: false, once };
    } else v = (SEQ_OP_EMITTERS[seqOpOf(node)] as SeqOpEmitter<SeqNode>)(node, this, doc, once);
    this.values.set(node.id, v);
    // The input is a graph input, and a layer's outputs come with their types.
    if (node.op !== "input" && v.name.startsWith("model/")) this.declare(v, node);
  }

  /** A per-sequence vector value [B, W] repeated at every step [T, B, W], zero past each example's length. */
  everyStep(arg: number, name: string, doc: string): string {
    const r = this.frame.region;
    const type = this.model.nodes[arg]!.type;
    const all = r.emitNamed("Expand", [r.unsqueeze(this.value(arg).name, [0], `${name}/one_step`), this.frame.stepsShape], `${name}/every_step`, doc);
    return this.frame.mask.zeroPast(name, { name: all, batched: true, shape: [type.kind === "vector" ? type.width.evaluate(this.options.dims) : 1] }, doc);
  }

  /** A graph input; a per-sequence one is zero for an example of length 0 (it has no values). */
  private input(node: Extract<ModelNode, { readonly op: "input" }>): Value {
    const ids = node.type.kind === "index";
    if (node.timing === "step") return { name: node.name, ids, once: false };
    return { name: this.frame.zeroWithoutSteps(`input_${node.id}`, node.name, ids, `input ${node.name} (${this.locate(node.span)})`), ids, once: true };
  }

  /** Each example's valid steps of node `arg` in reverse order, zero past its length (one per argument). */
  reverse(arg: number, doc: string): string {
    const known = this.reversed.get(arg);
    if (known !== undefined) return known;
    const r = this.frame.region;
    const x = this.value(arg);
    const all = r.emitNamed("ReverseSequence", [x.name, this.frame.clampedLengths], `reverse_${arg}/all`, doc, { batch_axis: attr.int(1), time_axis: attr.int(0) });
    // ReverseSequence copies the steps past an example's length unchanged; the model zeroes them.
    const type = this.model.nodes[arg]!.type;
    const name = type.kind === "index"
      ? r.emitNamed("Where", [this.frame.running, all, r.model.int64([0], true)], `reverse_${arg}`, doc)
      : this.frame.mask.zeroPast(`reverse_${arg}`, { name: all, batched: true, shape: [type.width.evaluate(this.options.dims)] }, doc);
    this.reversed.set(arg, name);
    return name;
  }

  private declare(v: Value, node: ModelNode): void {
    // A gathered onehot of a per-sequence value passes its argument's ids on: declared already.
    if (this.declared.has(v.name)) return;
    this.declared.add(v.name);
    const time: DimSpec = this.options.steps ?? STEPS;
    const width = node.type.kind === "vector" && !v.ids ? [node.type.width.evaluate(this.options.dims)] : [];
    this.frame.graph.declare(v.name, v.ids ? ElemType.INT64 : ElemType.FLOAT, [...(v.once ? [] : [time]), BATCH, ...width]);
  }

  /**
   * Emits a run of a layer (once) and returns the model's tensor of each cell output: [T, B, …],
   * or [1, B, …] for a layer applied to a per-sequence value (one step).
   */
  private layerRun(run: LayerRun): ReadonlyMap<string, string> {
    const known = this.runs.get(run.index);
    if (known) return known;
    const layer = this.model.layers.find((l) => l.name === run.layer)!;
    const graph = layerGraph(layer.cell);
    const once = run.timing === "once";
    const r = this.frame.region;
    // Ids reach a layer only through a onehot it gathers at (`gathers`): the cell's one input is then the ids.
    const idInput = run.args.length === 1 && this.value(run.args[0]!).ids ? graph.inputs[0]!.name : undefined;
    // Each argument as [T, B, w]: one step of a per-sequence run, or a per-sequence value repeated at every step of a per-step run.
    const inputs = run.args.map((a, k) => {
      const arg = this.value(a);
      if (arg.ids && !this.gathered.has(a)) throw new Error(`internal: layer ${layer.name} is fed ids; the checker makes them one-hot`);
      if (!arg.once) return arg.name;
      const suffix = run.args.length === 1 ? "" : `_${k}`;
      const one = r.unsqueeze(arg.name, [0], `run${run.index}/one_step${suffix}`);
      return once ? one : r.emitNamed("Expand", [one, this.frame.stepsShape], `run${run.index}/every_step${suffix}`, `argument ${k + 1} of layer ${layer.name}, the same at every step`);
    });
    const form: CellForm = graph.states.length === 0 ? "flat" : once ? "unroll" : this.options.recurrence;
    const params: Record<string, Float32Array> = {};
    const stored = (param: string) => storedParam(this.model, layer.name, param);
    for (const p of graph.params) params[p.name] = this.options.params[stored(p.name)]!;
    const cellOptions: OnnxExportOptions = {
      dims: layerDims(layer, this.options.dims),
      ...(once ? { steps: 1 } : this.options.steps !== undefined ? { steps: this.options.steps } : {}),
      recurrence: once ? "unroll" : this.options.recurrence,
      opset: this.opset,
      params,
      optionalInputs: false,
      sourceFile: layer.cell.file,
    };
    let proto: ModelProto;
    try {
      proto = buildCellModel(graph, cellOptions, form, this.locate, idInput);
    } catch (e) {
      if (!(e instanceof OnnxExportError)) throw e;
      throw new OnnxExportError(`layer \`${layer.name}\` of model ${this.model.name}: ${e.message}`, e.diagnostic);
    }

    // The cell's contract names → the model's tensors; everything else under the run's prefix.
    const runsOfLayer = this.model.runs.filter((x) => x.layer === run.layer);
    const prefix = runsOfLayer.length === 1 ? `${layer.name}/` : `${layer.name}/${runsOfLayer.indexOf(run)}/`;
    const special = new Map<string, string>([
      ...graph.inputs.map((x, k): [string, string] => [x.name, inputs[k]!]),
      // One step per example, none for an example of length 0 (its outputs zero, its state held).
      [SEQUENCE_LENS, once ? this.frame.oneStepLengths : SEQUENCE_LENS],
      ...graph.params.map((p): [string, string] => [p.name, stored(p.name)]),
      ...graph.states.map((s): [string, string] => [initialName(s.name), initialName(qualified(layer.name, s.name))]),
      ...graph.states.map((s): [string, string] => [finalName(s.name), finalName(qualified(layer.name, s.name))]),
    ]);
    // Shared constants (`const/…`) are named by their value, the same in every layer.
    const renamed = renameGraph(proto.graph!, (name) => special.get(name) ?? (name.startsWith("const/") ? name : prefix + name));
    const finals = new Set(graph.states.map((s) => finalName(qualified(layer.name, s.name))));
    const outputTypes = (renamed.output ?? []).filter((o) => !finals.has(o.name!));
    this.frame.graph.include(renamed.node ?? [], [...(renamed.valueInfo ?? []), ...outputTypes]);
    this.initializers.push(...(renamed.initializer ?? []));
    graph.inputs.forEach((x, k) => {
      if (!this.value(run.args[k]!).once) return;
      if (idInput !== undefined) return this.frame.graph.declare(inputs[k]!, ElemType.INT64, [1, BATCH]);
      const width = graph.nodes[x.node]!.shape.map((d) => d.evaluate(cellOptions.dims));
      this.frame.graph.declare(inputs[k]!, ElemType.FLOAT, [once ? 1 : (this.options.steps ?? STEPS), BATCH, ...width]);
    });

    const outputs = new Map(graph.outputs.map((o) => [o.name, prefix + o.name]));
    this.runs.set(run.index, outputs);
    return outputs;
  }
}

/** A layer run twice brings its params twice, and every layer the shared constants: keep the first. */
function firstOfEachName(tensors: readonly TensorProto[]): TensorProto[] {
  const seen = new Set<string>();
  return tensors.filter((t) => {
    if (seen.has(t.name!)) return false;
    seen.add(t.name!);
    return true;
  });
}

/** `file:line` for spans in any of the model's files. */
function locator(options: OnnxModelExportOptions): (span: Span) => string {
  const byFile = new Map<string, (span: Span) => string>();
  return (span) => {
    let locate = byFile.get(span.file);
    if (locate === undefined) {
      const text = options.sources?.get(span.file) ?? (span.file === options.sourceFile ? options.sourceText : stdSource(span.file));
      locate = spanLocator(text);
      byFile.set(span.file, locate);
    }
    return locate(span);
  };
}
