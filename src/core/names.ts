import { localKeyIn, qualifiedKey } from "../runtime/names.js";

/**
 * The name of a layer's param or state in a model: `enc.W_ih` is the param `W_ih` of the layer
 * `enc`. Built with `QualifiedName.of`, read back with `QualifiedName.parse`, printed (and used
 * as a record key) as `key`; the text format itself lives in src/runtime/names.ts, which the
 * generated modules' driver shares.
 */
export class QualifiedName {
  private constructor(
    readonly layer: string,
    readonly local: string,
  ) {}

  static of(layer: string, local: string): QualifiedName {
    return new QualifiedName(layer, local);
  }

  /** The name a key made by `key` stands for; undefined for a name without a layer. */
  static parse(key: string): QualifiedName | undefined {
    const dot = key.indexOf(".");
    if (dot < 0) return undefined;
    const layer = key.slice(0, dot);
    return new QualifiedName(layer, localKeyIn(key, layer)!);
  }

  /** `layer.local`: the key in params, states, gradients and weight files. */
  get key(): string {
    return qualifiedKey(this.layer, this.local);
  }

  toString(): string {
    return this.key;
  }
}

/** The key of a layer's param or state: `QualifiedName.of(layer, local).key`. */
export function qualified(layer: string, local: string): string {
  return QualifiedName.of(layer, local).key;
}
