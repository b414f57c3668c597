// How a model's layers hand each other activations and gradients inside the arena they share
// (see WasmHeap): a layer's wasm forward can take an input from a block of the memory and leave
// an output in one, and its backward likewise for output seeds and input gradients. Only the
// model driver uses it, under a symbol key of the options or seeds no user can name.

/** A block of an arena: its byte offset and its length in floats. */
export type ArenaBlock = readonly [number, number];

export interface ArenaIO {
  /** Forward: inputs already in the arena; backward: output seeds (rows past the lengths are masked as seeds are). */
  readonly given?: Readonly<Record<string, ArenaBlock>>;
  /** Forward: the outputs to leave in the arena; backward: the input gradients. The result lists their blocks under `blocks`. */
  readonly keep?: readonly string[];
}

/** The key of a forward's options, or a backward's seeds, holding the ArenaIO. */
export const ARENA_IO: unique symbol = Symbol("rnnc.arenaIO");

/** The ArenaIO of forward options or backward seeds, if a model passed one. */
export function arenaIO(o: unknown): ArenaIO | undefined {
  return typeof o === "object" && o !== null ? (o as { [ARENA_IO]?: ArenaIO })[ARENA_IO] : undefined;
}
