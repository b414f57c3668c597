/**
 * Model-wide and graph-wide accumulators: the initializers (shared, deduplicated constants),
 * the node list of each graph (the main graph, a Scan body), and the record of which ONNX ops
 * were emitted for which IR node — so that an opset too old can be reported at the user's line.
 */
import type { Span } from "../../diagnostics/span.js";
import type { Node } from "../../ir/graph.js";
import { attributes, floatTensor, int32Tensor, int64Tensor, valueInfo, type AttrValue, type DimSpec, type ElemType, type NodeProto, type TensorProto, type ValueInfoProto } from "./proto.js";

/** The first IR node (if any) that made us emit each ONNX op type. */
export interface OpUse {
  readonly opType: string;
  readonly irNode?: Node;
}

export class ModelBuilder {
  readonly initializers: TensorProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly opUses = new Map<string, OpUse>();

  constructor(
    readonly opset: number,
    /** Values of the cell's dimensions. */
    readonly dims: Readonly<Record<string, number>>,
    /** `file:line` for a source span, used in doc strings. */
    readonly locateSpan: (span: Span) => string,
  ) {}

  /** `file:line` of an IR node, its ONNX nodes' doc_string. */
  locate(node: Node): string {
    return this.locateSpan(node.span);
  }

  addInitializer(tensor: TensorProto): void {
    this.initializers.push(tensor);
  }

  /** A float32 scalar constant, shared by every use of the same value. */
  floatScalar(value: number): string {
    return this.constant(`const/f32/${formatNumber(value)}`, () => floatTensor("", [], [value]));
  }

  /** A float32 1-D constant (OneHot's [off, on] values), shared like the others. */
  floatVector(values: readonly number[]): string {
    return this.constant(`const/f32/[${values.map(formatNumber).join(",")}]`, () => floatTensor("", [values.length], values));
  }

  /** An int64 1-D constant (shapes, axes, starts/ends), or a scalar with `scalar: true`. */
  int64(values: readonly number[], scalar = false): string {
    const key = scalar ? `const/i64/${values[0]}` : `const/i64/[${values.join(",")}]`;
    return this.constant(key, () => int64Tensor("", scalar ? [] : [values.length], values));
  }

  /** An int32 scalar constant (step indices compared with `sequence_lens`). */
  int32Scalar(value: number): string {
    return this.constant(`const/i32/${value}`, () => int32Tensor("", [], [value]));
  }

  private constant(name: string, make: () => TensorProto): string {
    const known = this.constants.get(name);
    if (known !== undefined) return known;
    this.constants.set(name, name);
    this.addInitializer({ ...make(), name });
    return name;
  }

  recordOp(opType: string, irNode: Node | undefined): void {
    const known = this.opUses.get(opType);
    if (known === undefined || (known.irNode === undefined && irNode !== undefined)) this.opUses.set(opType, { opType, irNode });
  }

  get usedOps(): readonly OpUse[] {
    return [...this.opUses.values()];
  }
}

/** The nodes of one ONNX graph (main or subgraph), in emission order (a topological order). */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  /** Declared types of intermediate values (Netron shows them on the edges; ORT checks them). */
  readonly valueInfo: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly outputs = new Set<string>();

  constructor(readonly model: ModelBuilder) {}

  /**
   * Appends a node. `outputs` defaults to one output named like the node. Names must be
   * unique: a clash is a back-end bug, so it throws.
   */
  add(
    opType: string,
    inputs: readonly string[],
    name: string,
    options: { attrs?: Readonly<Record<string, AttrValue>>; outputs?: readonly string[]; doc?: string; irNode?: Node } = {},
  ): string {
    if (this.names.has(name)) throw new Error(`internal: ONNX node name ${name} used twice`);
    this.names.add(name);
    this.model.recordOp(opType, options.irNode);
    const outputs = options.outputs ?? [name];
    for (const o of outputs) this.outputs.add(o);
    const node: NodeProto = { input: [...inputs], output: [...outputs], name, opType };
    if (options.attrs && Object.keys(options.attrs).length > 0) node.attribute = attributes(options.attrs);
    if (options.doc) node.docString = options.doc;
    this.nodes.push(node);
    return outputs[0]!;
  }

  /**
   * Appends nodes made elsewhere (a model's layer, exported on its own and renamed) with their
   * value types; their names join this graph's, so a clash still throws.
   */
  include(nodes: readonly NodeProto[], valueInfo: readonly ValueInfoProto[]): void {
    for (const node of nodes) {
      const name = node.name ?? "";
      if (this.names.has(name)) throw new Error(`internal: ONNX node name ${name} used twice`);
      this.names.add(name);
      for (const o of node.output ?? []) this.outputs.add(o);
      this.nodes.push(node);
    }
    this.valueInfo.push(...valueInfo);
  }

  /** Declares the type of a value some node of this graph computes (others are ignored). */
  declare(name: string, elemType: ElemType, shape: readonly DimSpec[]): void {
    if (this.outputs.has(name)) this.valueInfo.push(valueInfo(name, elemType, shape));
  }
}

/** Shortest round-tripping text of a number, for constant names (`0.5`, `-1`, `1e-8`). */
function formatNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}
