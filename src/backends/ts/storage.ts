import type { Dim, Shape } from "../../core/dims.js";

/**
 * Where a value lives while a kernel runs. Every per-example value is a row-major table of
 * rows × (elements per row):
 *  - "param": one row, shared by all examples (params and what depends on params only);
 *  - "full":  a row per (step, example): row t·B + b, plus `rowOffset` rows (the state
 *             histories hold T+1 slabs, so the value entering step t and leaving it are
 *             both addressable);
 *  - "step":  a row per example, reused at every step (scratch inside the time loop).
 * `stride` is the row length of the underlying buffer and `col` the value's first column in
 * it: a slice is a view (same buffer, shifted `col`), and so is a part of a concat.
 */
export interface Storage {
  /** What the buffer holds; `buf` is its name, `bufferName(role, …)`. A view keeps its buffer's role. */
  readonly role: BufferRole;
  readonly buf: string;
  readonly kind: "param" | "full" | "step";
  readonly stride: string;
  readonly col: string;
  readonly rowOffset: "0" | "B";
}

/**
 * What a kernel buffer holds. The role fixes the buffer's name in the generated code, and passes
 * ask the role, never the name: the forward pass's param, input, own values and state histories; the
 * backward pass's output seeds, its param gradient accumulators, and forward buffers read from the tape.
 */
export type BufferRole = "param" | "input" | "value" | "history" | "outputSeed" | "gradient" | "taped";

/** The generated code's name of a buffer: `P_W`, `X_x`, `v12`, `hist_h`, `S_y`, `G_W`, `t_v12`. */
export function bufferName(role: BufferRole, name: string): string {
  const prefix: Record<BufferRole, string> = { param: "P_", input: "X_", value: "v", history: "hist_", outputSeed: "S_", gradient: "G_", taped: "t_" };
  return prefix[role] + name;
}

/** JavaScript expressions for dimension values, named once (`const d3 = 4 * dim_H;`). */
export class DimNames {
  private readonly names = new Map<string, string>();
  readonly decls: string[] = [];

  constructor(private readonly dims: readonly string[]) {}

  /** The JS identifier holding a dimension's value. */
  static dimVar(name: string): string {
    return `dim_${name}`;
  }

  of(d: Dim): string {
    if (d.isConstant) return String(d.constant);
    if (d.terms.length === 1 && d.terms[0]![1] === 1 && d.constant === 0) return DimNames.dimVar(d.terms[0]![0]);
    const key = d.toString();
    let name = this.names.get(key);
    if (!name) {
      name = `d${this.names.size}`;
      this.names.set(key, name);
      const parts = d.terms.map(([n, c]) => (c === 1 ? DimNames.dimVar(n) : `${c} * ${DimNames.dimVar(n)}`));
      if (d.constant !== 0) parts.push(String(d.constant));
      this.decls.push(`const ${name} = ${parts.join(" + ").replace(/\+ -/g, "- ")};`);
    }
    return name;
  }

  /** Elements of a value of this shape (a product: dimensions need not be linear together). */
  size(shape: Shape): string {
    if (shape.length === 0) return "1";
    return shape.map((d) => this.of(d)).join(" * ");
  }

  get dimNames(): readonly string[] {
    return this.dims;
  }
}

/** A canonical key of a shape's element count, for grouping loops over the same domain. */
export function domainKey(shape: Shape): string {
  return shape.length === 0 ? "1" : shape.map((d) => d.toString()).join("*");
}
