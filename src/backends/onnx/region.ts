/**
 * A region is one place where IR nodes are turned into ONNX nodes: the once-per-call part
 * (params), the all-steps-at-once part (hoisted input projections), one unrolled step, or
 * the Scan body. Each has its own name prefix, its own leading "batch" axis (B, or T·B when
 * hoisted) and its own way of producing the values of leaves.
 */
import type { Node } from "../../ir/graph.js";
import { axesAsInput } from "./opsets.js";
import type { GraphBuilder, ModelBuilder } from "./builder.js";
import { ElemType, type AttrValue, type DimSpec } from "./proto.js";

/**
 * An IR value as an ONNX tensor. `shape` is the per-example shape (rank 0–2, concrete);
 * a batched value carries one more, leading axis: the batch (or the flattened time×batch).
 */
export interface Val {
  readonly name: string;
  readonly batched: boolean;
  readonly shape: readonly number[];
}

export interface RegionSpec {
  readonly graph: GraphBuilder;
  /** Prepended to every node name: `t3/`, `step/`, `inputs/`, `once/`. */
  readonly prefix: string;
  /** Values the region starts with (leaves, values computed in an enclosing region). */
  readonly known: ReadonlyMap<number, Val>;
  /** Emits (once, lazily) a 1-D int64 tensor holding the size of the leading batch axis. */
  readonly batchSize: (region: Region) => string;
  /** How the batch axis is declared in value types: `batch`, or unknown (null) for T·B. */
  readonly batchDim: DimSpec;
  /** The doc_string of nodes not made for an IR node (masks, reshapes). */
  readonly doc: string;
  /** Produces the value of a leaf not in `known` (an input leaf, lazily); absent: a bug. */
  readonly leaf?: (region: Region, node: Node) => Val;
}

export class Region {
  readonly values: Map<number, Val>;
  private current: Node | undefined;
  private batchSizeName: string | undefined;
  private readonly batchShapes = new Map<number, string>();

  constructor(private readonly spec: RegionSpec) {
    this.values = new Map(spec.known);
  }

  get model(): ModelBuilder {
    return this.spec.graph.model;
  }

  get prefix(): string {
    return this.spec.prefix;
  }

  get dims(): Readonly<Record<string, number>> {
    return this.model.dims;
  }

  get opset(): number {
    return this.model.opset;
  }

  /** The value of an IR node already emitted (or known, or a lazily made leaf). */
  value(node: Node): Val {
    const known = this.values.get(node.id);
    if (known) return known;
    if (this.spec.leaf && node.op === "input") {
      const v = this.spec.leaf(this, node);
      this.values.set(node.id, v);
      return v;
    }
    throw new Error(`internal: IR node ${node.id} (${node.op}) has no value in region ${this.prefix}`);
  }

  /** Declares an IR value's type (float, [batch, …shape] or shape) if this region computed it. */
  declare(v: Val): void {
    this.spec.graph.declare(v.name, ElemType.FLOAT, v.batched ? [this.spec.batchDim, ...v.shape] : v.shape);
  }

  /** Runs `emit` with `node` as the IR node that names and documents the ONNX nodes it adds. */
  withNode<T>(node: Node, emit: () => T): T {
    const saved = this.current;
    this.current = node;
    try {
      return emit();
    } finally {
      this.current = saved;
    }
  }

  /**
   * Adds an ONNX node for the current IR node: named `<prefix><label or op>_<id>`, with
   * `/<role>` for the helper nodes one IR op may need. Outside `withNode` the role is the name.
   */
  emit(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, role = ""): string {
    const node = this.current;
    const base = node ? `${node.label ?? node.op}_${node.id}` : "";
    const name = this.prefix + [base, role].filter((s) => s !== "").join("/");
    return this.spec.graph.add(opType, inputs, name, {
      attrs,
      ...(node ? { doc: this.model.locate(node), irNode: node } : { doc: this.spec.doc }),
    });
  }

  /** Adds a framework node (masking, reshapes) with an explicit name and doc string. */
  emitNamed(opType: string, inputs: readonly string[], name: string, doc: string, attrs: Readonly<Record<string, AttrValue>> = {}, outputs?: readonly string[]): string {
    return this.spec.graph.add(opType, inputs, this.prefix + name, { attrs, doc, ...(outputs ? { outputs } : {}) });
  }

  /** [size of the batch axis] as a 1-D int64 tensor. */
  batchSize(): string {
    this.batchSizeName ??= this.spec.batchSize(this);
    return this.batchSizeName;
  }

  /** [batch, 1, …, 1] with `rank` ones: the target of an Expand that adds the batch axis. */
  batchShape(rank: number): string {
    const known = this.batchShapes.get(rank);
    if (known) return known;
    const name = rank === 0
      ? this.batchSize()
      : this.emitNamed("Concat", [this.batchSize(), this.model.int64(new Array<number>(rank).fill(1))], `batch_shape_${rank}`, "the batch size followed by ones, for Expand", { axis: { kind: "int", value: 0 } });
    this.batchShapes.set(rank, name);
    return name;
  }

  /** Unsqueeze in the form the opset wants (axes as attribute before 13, as input after). */
  unsqueeze(x: string, axes: readonly number[], role: string): string {
    return this.axesOp("Unsqueeze", x, axes, {}, role);
  }

  squeeze(x: string, axes: readonly number[], role: string): string {
    return this.axesOp("Squeeze", x, axes, {}, role);
  }

  /** ReduceSum/ReduceMean/ReduceMax over `axes`, attribute or input form by opset. */
  axesOp(opType: string, x: string, axes: readonly number[], attrs: Readonly<Record<string, AttrValue>>, role: string): string {
    if (axesAsInput(opType, this.opset)) return this.emit(opType, [x, this.model.int64(axes)], attrs, role);
    return this.emit(opType, [x], { axes: { kind: "ints", value: axes }, ...attrs }, role);
  }
}
