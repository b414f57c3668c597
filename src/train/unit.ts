import { Dim } from "../core/dims.js";
import type { CheckedModel, ModelType } from "../check/model-types.js";
import { compileToTypeScript, compileUnit } from "../compiler.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Graph } from "../ir/graph.js";
import { unitGraphs } from "../ir/unit.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import { modelHasDropout } from "../backends/ts/model.js";
import type { TrainableCell } from "./trainer.js";
import { TrainInputError } from "./errors.js";

export type Dtype = "float32" | "float64";
export type Timing = "step" | "once";

/** A value's type as training sees it: ids below `size` (`index(V)`), or vectors of `size` numbers (`[I]`). */
export interface SizedType {
  readonly kind: "index" | "vector";
  readonly size: Dim;
}

/** A named value of the unit with its type and timing (one per step, or one per sequence after `last`). */
export type Port = SizedType & { readonly name: string; readonly timing: Timing };

/**
 * What training needs to know of a compiled file's unit (a model, or a cell: a one-layer model
 * without targets): its dimensions, its input, its targets, outputs and losses, each with its type.
 * This is the only place that looks at the checker's model or the cell's IR; the datasets, the
 * driver and the CLI read this signature.
 */
export interface UnitSignature {
  readonly kind: "cell" | "model";
  readonly name: string;
  readonly dims: readonly string[];
  readonly input: SizedType & { readonly name: string };
  readonly targets: readonly Port[];
  readonly outputs: readonly Port[];
  /** `pred` is the output the loss compares with its target, when that value is an output of the unit. */
  readonly losses: readonly { readonly kind: "mse" | "cross_entropy"; readonly target: string; readonly pred?: string }[];
  /** The unit has dropout (a model's own, or in a cell): training applies it. */
  readonly dropout?: boolean;
}

/** The factory options training passes on: the element type, and where the kernels run. */
export interface InstanceOptions {
  readonly dtype: Dtype;
  readonly backend?: "wasm" | "js";
  readonly threads?: number;
}

export interface TrainUnit {
  readonly signature: UnitSignature;
  /** `Model(dims, { dtype, backend, threads })` (or `Cell(…)`) of the generated module, loaded in this process. */
  instantiate(dims: Readonly<Record<string, number>>, options: InstanceOptions): TrainableCell;
}

/**
 * Compiles the file's unit — the model or cell `name`, or the file's first model, else its first
 * cell — with the TypeScript back end and loads its module. Errors in the program come back as
 * diagnostics.
 */
export async function compileTrainUnit(file: string, source: string, name?: string): Promise<{ unit?: TrainUnit; diagnostics: Diagnostic[] }> {
  // The front end runs once; only the signature the trainer reads differs by the unit's kind.
  const selected = compileUnit(file, source, name);
  const unit = selected.unit;
  if (!unit) return { diagnostics: selected.diagnostics };
  const inputs = unit.signature.inputs;
  if (inputs.length > 1) {
    // The datasets hold one input sequence per record ("tokens", "text" or "x").
    throw new TrainInputError(
      `${file}: ${unit.kind} ${unit.name} reads ${inputs.length} inputs (${inputs.map((i) => `\`${i.name}\``).join(", ")}); rnnc train feeds one input sequence per record, so it trains units with one input. Train it from TypeScript with the generated module's trainStep(params, optimizer, { ${inputs.map((i) => i.name).join(", ")} }, options), which takes every input by name`,
    );
  }
  const loaded = await load(file, source, unit.name);
  if (!loaded.factory) return { diagnostics: loaded.diagnostics };
  const signature = unit.kind === "model" ? modelSignature(unit.model) : cellSignature(unitGraphs(unit)[0]!);
  return { unit: { signature, instantiate: loaded.factory }, diagnostics: selected.diagnostics };
}

async function load(file: string, source: string, name: string): Promise<{ factory?: TrainUnit["instantiate"]; diagnostics: Diagnostic[] }> {
  const compiled = compileToTypeScript(file, source, name);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const factory = module[name] as (dims: Readonly<Record<string, number>>, options: InstanceOptions) => TrainableCell;
  return { factory: (dims, options) => factory(dims, options), diagnostics: [] };
}

function sized(t: ModelType): SizedType {
  return t.kind === "index" ? { kind: "index", size: t.size } : { kind: "vector", size: t.width };
}

export function modelSignature(model: CheckedModel): UnitSignature {
  const outputs = model.outputs.map((o) => ({ name: o.name, timing: model.nodes[o.node]!.timing, ...sized(model.nodes[o.node]!.type) }));
  return {
    kind: "model",
    name: model.name,
    dims: model.dims,
    input: { name: model.inputs[0]!.name, ...sized(model.inputs[0]!.type) },
    targets: model.targets.map((t) => ({ name: t.name, timing: t.timing, ...sized(t.type) })),
    outputs,
    losses: model.losses.map((l) => {
      const pred = model.outputs.find((o) => o.node === l.pred)?.name;
      return { kind: l.kind, target: l.target, ...(pred !== undefined ? { pred } : {}) };
    }),
    dropout: modelHasDropout(model),
  };
}

/** Numbers per step of a shape: a linear dimension for a vector or a scalar; undefined for a matrix. */
function flat(shape: readonly Dim[]): Dim | undefined {
  if (shape.length === 0) return Dim.const(1);
  return shape.length === 1 ? shape[0] : undefined;
}

export function cellSignature(graph: Graph): UnitSignature {
  const x = graph.inputs[0]!;
  return {
    kind: "cell",
    name: graph.cell,
    dims: graph.dims,
    input: { name: x.name, kind: "vector", size: flat(x.shape) ?? Dim.const(NaN) },
    targets: [],
    outputs: graph.outputs.map((o) => ({ name: o.name, timing: "step" as const, kind: "vector" as const, size: flat(graph.nodes[o.node]!.shape) ?? Dim.const(NaN) })),
    losses: [],
    dropout: graph.nodes.some((n) => n.op === "dropout"),
  };
}

/** `V` when a dimension is one plain name, else undefined (`2V`, `H + 1`, `2`). */
export function plainName(d: Dim): string | undefined {
  return d.terms.length === 1 && d.terms[0]![1] === 1 && d.constant === 0 ? d.terms[0]![0] : undefined;
}

/** `index(V)`, `[I]`. */
export function typeText(t: SizedType): string {
  return t.kind === "index" ? `index(${t.size})` : `[${t.size}]`;
}
