import type { Dim, Shape } from "../core/dims.js";
import type { Span } from "../diagnostics/span.js";
import type { Node, NodeAttrs } from "./graph.js";
import type { OpKind } from "./ops.js";
import { inferShape } from "./shapes.js";

/**
 * Appends nodes in topological order, infers their shapes, and shares structurally equal
 * nodes (hash-consing), so `W_hh @ h` written twice is computed once and the derivative
 * rules don't multiply work.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  private readonly byKey = new Map<string, number>();

  constructor(nodes: readonly Node[] = []) {
    for (const n of nodes) this.push(n);
  }

  private push(n: Node): number {
    this.nodes.push(n);
    if (n.op !== "input" && n.op !== "state" && n.op !== "param" && n.op !== "seed") this.byKey.set(key(n.op, n.inputs, n.attrs), n.id);
    return n.id;
  }

  leaf(op: "input" | "state" | "param" | "seed", name: string, shape: Shape, span: Span): number {
    return this.push({ id: this.nodes.length, op, inputs: [], attrs: { name }, shape, span, label: name });
  }

  const(value: number, span: Span): number {
    return this.add("const", [], { value }, span, undefined, []);
  }

  /** A scalar whose value is a dimension (known once the dims are). */
  dimConst(dim: Dim, span: Span): number {
    return dim.isConstant ? this.const(dim.constant, span) : this.add("const", [], { dim }, span, undefined, []);
  }

  add(op: OpKind, inputs: readonly number[], attrs: NodeAttrs, span: Span, label?: string, leafShape?: Shape): number {
    const k = key(op, inputs, attrs);
    const existing = this.byKey.get(k);
    if (existing !== undefined) return existing;
    const shape = leafShape ?? inferShape(op, inputs.map((i) => this.nodes[i]!.shape), attrs);
    if (typeof shape === "string") throw new Error(`internal: ill-shaped IR node: ${shape}`);
    return this.push({ id: this.nodes.length, op, inputs, attrs, shape, span, ...(label ? { label } : {}) });
  }

  /** Gives an existing node a readable label (the `let` name) if it has none yet. */
  name(id: number, label: string): void {
    const n = this.nodes[id]!;
    if (n.label === undefined && n.op !== "const") this.nodes[id] = { ...n, label };
  }
}

function key(op: OpKind, inputs: readonly number[], attrs: NodeAttrs): string {
  const a = Object.entries(attrs)
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`)
    .join(";");
  return `${op}(${inputs.join(",")}){${a}}`;
}
