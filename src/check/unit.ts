import type { Span } from "../diagnostics/span.js";
import type { InitSpecData } from "../runtime/random.js";
import { Dim, type Shape } from "../core/dims.js";
import { qualified } from "../core/names.js";
import type { CheckedModel, ResolvedCell, Timing } from "./model-types.js";

/**
 * A compilation unit: what a command compiles from a file — a cell or a model — with its
 * signature, computed once here in `check`. Outside the kernels every stage treats a cell as a
 * one-layer model: it reads the signature (names, shapes, initializers) and never asks which kind
 * of unit it holds; only the code that lowers or emits the kernels looks at `kind`.
 */
export type Unit = CellUnit | ModelUnit;

interface UnitBase {
  readonly name: string;
  /** The file defining it, as shown in diagnostics. */
  readonly file: string;
  /** The span of its name, for diagnostics about the unit as a whole. */
  readonly nameSpan: Span;
  readonly signature: UnitSignature;
}

/** A cell compiled on its own: its one layer is itself, its names are not qualified. */
export interface CellUnit extends UnitBase {
  readonly kind: "cell";
  readonly cell: ResolvedCell;
}

export interface ModelUnit extends UnitBase {
  readonly kind: "model";
  readonly model: CheckedModel;
}

/** What a value holds at each step (or once per sequence): numbers of a shape, or integer ids below a size. */
export type UnitType = { readonly kind: "tensor"; readonly shape: Shape } | { readonly kind: "index"; readonly size: Dim };

/**
 * One layer of a unit: the cell it runs and its dimensions bound to the unit's. A cell unit has
 * one layer, itself, with no name (its params and states are not qualified) and the identity binding.
 */
export interface UnitLayer {
  /** Undefined for a cell unit's own layer. */
  readonly name?: string;
  /** Position among the unit's layers (the seed of its params is drawn from it in a model). */
  readonly index: number;
  readonly cell: ResolvedCell;
  /** The cell's dimension names bound to dimensions of the unit. */
  readonly binding: ReadonlyMap<string, Dim>;
}

/** A name in a unit's signature: `W_ih` of a cell, or `l0.W_ih` of a model's layer `l0`. */
export interface QualifiedName {
  /** The layer, or undefined for a cell unit (and for a model's own inputs, outputs and targets). */
  readonly layer?: string;
  /** The name inside the layer's cell (or the model). */
  readonly local: string;
}

/** `l0.W_ih`, or `W_ih` without a layer: the one printed form of a qualified name. */
export function qualifiedText(n: QualifiedName): string {
  return n.layer === undefined ? n.local : qualified(n.layer, n.local);
}

export interface UnitValue {
  readonly key: QualifiedName;
  /** `qualifiedText(key)`. */
  readonly name: string;
  readonly type: UnitType;
  /** Per step of the sequence, or once per sequence (after `last`); states and params are per example / per unit. */
  readonly timing: Timing;
  readonly span: Span;
}

export interface UnitParam {
  readonly key: QualifiedName;
  readonly name: string;
  /** In the unit's dimensions. */
  readonly shape: Shape;
  /** In the layer cell's own dimensions, as its initializer reads them. */
  readonly cellShape: Shape;
  readonly init: InitSpecData;
  readonly layer: UnitLayer;
  readonly span: Span;
}

/**
 * A param replaced by a tie (`tie readout.W = embed.W`): the layer's cell reads `owner`, which is
 * stored once under its own name; the tied name is in no params record, file or initializer.
 */
export interface UnitTie {
  readonly key: QualifiedName;
  /** `qualifiedText(key)`: `readout.W`. */
  readonly name: string;
  readonly owner: UnitParam;
  readonly span: Span;
}

export interface UnitState {
  readonly key: QualifiedName;
  readonly name: string;
  /** In the unit's dimensions. */
  readonly shape: Shape;
  readonly layer: UnitLayer;
  readonly span: Span;
}

/**
 * Everything outside a unit's kernels needs to know: its dimensions and its qualified inputs,
 * params, states, outputs and targets, each with its shape in the unit's dimensions.
 */
export interface UnitSignature {
  readonly dims: readonly string[];
  readonly layers: readonly UnitLayer[];
  readonly inputs: readonly UnitValue[];
  /** The params stored, in layer order: a tied param is not among them (see `ties`). */
  readonly params: readonly UnitParam[];
  /** The params replaced by another (`tie` lines of a model): none for a cell. */
  readonly ties: readonly UnitTie[];
  /** The states of the layers the unit runs (a declared layer nobody applies has none). */
  readonly states: readonly UnitState[];
  readonly outputs: readonly UnitValue[];
  readonly targets: readonly UnitValue[];
}

/** A cell as a unit: one layer, itself, under the identity binding. */
export function cellUnit(cell: ResolvedCell): CellUnit {
  const c = cell.cell;
  const layer: UnitLayer = { index: 0, cell, binding: new Map(c.dims.map((d) => [d, Dim.name(d)])) };
  const value = (local: string, shape: Shape, span: Span): UnitValue => ({ key: { local }, name: local, type: { kind: "tensor", shape }, timing: "step", span });
  const signature: UnitSignature = {
    dims: c.dims,
    layers: [layer],
    inputs: c.inputs.map((i) => value(i.name, i.shape, i.decl.span)),
    params: layerParams(layer),
    ties: [],
    states: layerStates(layer),
    outputs: [...c.outputs].map(([name, o]) => value(name, c.outputShapes.get(name)!, o.span)),
    targets: [],
  };
  return { kind: "cell", name: c.def.name.name, file: cell.file, nameSpan: c.def.name.span, cell, signature };
}

/** A model as a unit: its layers' params and states qualified by layer name. */
export function modelUnit(model: CheckedModel): ModelUnit {
  const layers = model.layers.map((l, index): UnitLayer & { readonly name: string } => ({ name: l.name, index, cell: l.cell, binding: l.binding }));
  const run = new Set(model.runs.map((r) => r.layer));
  const typeOf = (t: CheckedModel["inputs"][number]["type"]): UnitType => (t.kind === "vector" ? { kind: "tensor", shape: [t.width] } : t);
  const all = layers.flatMap(layerParams);
  const tied = new Set(model.ties.map((t) => qualified(t.layer, t.param)));
  const signature: UnitSignature = {
    dims: model.dims,
    layers,
    inputs: model.inputs.map((i) => ({ key: { local: i.name }, name: i.name, type: typeOf(i.type), timing: i.timing, span: i.span })),
    params: all.filter((p) => !tied.has(p.name)),
    ties: model.ties.map((t) => {
      const key = { layer: t.layer, local: t.param };
      const owner = qualified(t.owner.layer, t.owner.param);
      return { key, name: qualifiedText(key), owner: all.find((p) => p.name === owner)!, span: t.span };
    }),
    states: layers.filter((l) => run.has(l.name)).flatMap(layerStates),
    outputs: model.outputs.map((o) => {
      const node = model.nodes[o.node]!;
      return { key: { local: o.name }, name: o.name, type: typeOf(node.type), timing: node.timing, span: o.span };
    }),
    targets: model.targets.map((t) => ({ key: { local: t.name }, name: t.name, type: typeOf(t.type), timing: t.timing, span: t.span })),
  };
  return { kind: "model", name: model.name, file: model.file, nameSpan: model.def.name.span, model, signature };
}

function substitute(shape: Shape, layer: UnitLayer): Shape {
  return layer.name === undefined ? shape : shape.map((d) => d.substitute(layer.binding));
}

function layerParams(layer: UnitLayer): UnitParam[] {
  return layer.cell.cell.params.map((p) => {
    const key = { ...(layer.name !== undefined ? { layer: layer.name } : {}), local: p.name };
    return { key, name: qualifiedText(key), shape: substitute(p.shape, layer), cellShape: p.shape, init: p.init, layer, span: p.decl.span };
  });
}

function layerStates(layer: UnitLayer): UnitState[] {
  return layer.cell.cell.states.map((s) => {
    const key = { ...(layer.name !== undefined ? { layer: layer.name } : {}), local: s.name };
    return { key, name: qualifiedText(key), shape: substitute(s.shape, layer), layer, span: s.decl.span };
  });
}
