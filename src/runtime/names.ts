// The keys of a model's params and states in its flat records (`params`, `initial`, `final`,
// gradients, weight files): `layer.local`, e.g. `enc.W_ih`. The one place the format is written
// and read; the compiler uses it through src/core/names.ts. Embedded in modules with a model.

/** The key of a layer's param or state `local`. */
export function qualifiedKey(layer: string, local: string): string {
  return `${layer}.${local}`;
}

/** The local name of `key` when it belongs to `layer`, else undefined. */
export function localKeyIn(key: string, layer: string): string | undefined {
  const dot = key.indexOf(".");
  return dot >= 0 && key.slice(0, dot) === layer ? key.slice(dot + 1) : undefined;
}
