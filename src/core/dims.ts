/**
 * Symbolic dimensions: linear expressions c0 + c1·D1 + c2·D2 + … with integer coefficients
 * over the cell's dimension names. Two dimensions are equal for ALL values of the names iff
 * their normal forms are equal, which is what lets the checker prove a cell shape-correct
 * before any number is known.
 */
export class Dim {
  private constructor(
    /** Sorted by name, no zero coefficients: the normal form. */
    readonly terms: ReadonlyArray<readonly [string, number]>,
    readonly constant: number,
  ) {}

  static const(n: number): Dim {
    return new Dim([], n);
  }

  static name(name: string): Dim {
    return new Dim([[name, 1]], 0);
  }

  private static normal(map: Map<string, number>, constant: number): Dim {
    const terms = [...map.entries()].filter(([, c]) => c !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new Dim(terms, constant);
  }

  add(other: Dim): Dim {
    const map = new Map(this.terms);
    for (const [n, c] of other.terms) map.set(n, (map.get(n) ?? 0) + c);
    return Dim.normal(map, this.constant + other.constant);
  }

  sub(other: Dim): Dim {
    return this.add(other.scale(-1));
  }

  scale(k: number): Dim {
    return Dim.normal(new Map(this.terms.map(([n, c]) => [n, c * k])), this.constant * k);
  }

  /** Multiplication stays linear only if one side is a constant. */
  mul(other: Dim): Dim | undefined {
    if (other.isConstant) return this.scale(other.constant);
    if (this.isConstant) return other.scale(this.constant);
    return undefined;
  }

  get isConstant(): boolean {
    return this.terms.length === 0;
  }

  equals(other: Dim): boolean {
    return this.toString() === other.toString();
  }

  /** True iff this is divisible by k for every (integer) value of the names. */
  divisibleBy(k: number): boolean {
    return this.constant % k === 0 && this.terms.every(([, c]) => c % k === 0);
  }

  /** Exact division; only valid when `divisibleBy(k)`. */
  div(k: number): Dim {
    return Dim.normal(new Map(this.terms.map(([n, c]) => [n, c / k])), this.constant / k);
  }

  /** True iff positive for every value ≥ 1 of every name (all coefficients ≥ 0, value at 1 > 0). */
  get provablyPositive(): boolean {
    return this.terms.every(([, c]) => c >= 0) && this.constant + this.terms.reduce((s, [, c]) => s + c, 0) > 0;
  }

  /** True iff `this ≤ other` for every value ≥ 1 of the names. */
  provablyAtMost(other: Dim): boolean {
    const d = other.sub(this);
    return d.terms.every(([, c]) => c >= 0) && d.constant + d.terms.reduce((s, [, c]) => s + c, 0) >= 0;
  }

  names(): string[] {
    return this.terms.map(([n]) => n);
  }

  evaluate(values: Readonly<Record<string, number>>): number {
    let v = this.constant;
    for (const [n, c] of this.terms) {
      const x = values[n];
      if (x === undefined) throw new Error(`internal: no value for dimension ${n}`);
      v += c * x;
    }
    return v;
  }

  /** Substitutes names by dimensions (used to instantiate a polymorphic fn at a call). */
  substitute(binding: ReadonlyMap<string, Dim>): Dim {
    let out = Dim.const(this.constant);
    for (const [n, c] of this.terms) out = out.add((binding.get(n) ?? Dim.name(n)).scale(c));
    return out;
  }

  /** Canonical text: `4H`, `H + E`, `2H - 1`, `0`. Used in messages and IR dumps. */
  toString(): string {
    const parts: string[] = [];
    for (const [n, c] of this.terms) {
      const mag = Math.abs(c);
      const body = mag === 1 ? n : `${mag}${n}`;
      parts.push(parts.length === 0 ? (c < 0 ? `-${body}` : body) : c < 0 ? `- ${body}` : `+ ${body}`);
    }
    if (this.constant !== 0 || parts.length === 0) {
      const mag = Math.abs(this.constant);
      parts.push(parts.length === 0 ? String(this.constant) : this.constant < 0 ? `- ${mag}` : `+ ${mag}`);
    }
    return parts.join(" ");
  }

  /** A JavaScript expression computing this dimension from an object `d` of dimension values. */
  toJs(dimsVar = "d"): string {
    const parts: string[] = [];
    for (const [n, c] of this.terms) parts.push(c === 1 ? `${dimsVar}.${n}` : `${c} * ${dimsVar}.${n}`);
    if (this.constant !== 0 || parts.length === 0) parts.push(String(this.constant));
    return parts.join(" + ").replace(/\+ -/g, "- ");
  }
}

export type Shape = readonly Dim[];

export function shapeToString(shape: Shape): string {
  return `[${shape.map((d) => d.toString()).join(", ")}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d.equals(b[i]!));
}

export function evaluateShape(shape: Shape, values: Readonly<Record<string, number>>): number[] {
  return shape.map((d) => d.evaluate(values));
}

export const SCALAR: Shape = [];
