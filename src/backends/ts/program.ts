import type { StepGradient } from "../../autodiff/reverse.js";
import type { Shape } from "../../core/dims.js";
import type { Graph, Node } from "../../ir/graph.js";

/**
 * A sequence program: a step graph plus how its leaves are fed and what is kept, in the
 * one form the kernel generator understands. The forward pass and the backward pass are
 * both sequence programs: the forward carries the states forward in time, the backward
 * carries the states' adjoints backward; each reads "sequence" leaves known for every step
 * up front (x; the forward tape; the output seeds) and parameters.
 */
export interface SeqProgram {
  readonly name: "forward" | "backward";
  readonly nodes: readonly Node[];
  readonly reverse: boolean;
  readonly leaves: ReadonlyMap<number, LeafBinding>;
  /** Values carried from step to step: the leaf read in a step and the node giving the next. */
  readonly carries: readonly Carry[];
  /** Nodes whose value at every step is kept ([T, B, …]): outputs, the tape, input gradients. */
  readonly collect: readonly number[];
  /** Param gradients: contributions summed over batch and steps. */
  readonly accumulate: readonly Accumulator[];
  /**
   * Sequence leaves fed integer ids (one per row) instead of one-hot vectors: read only by
   * gathers (`W @ x`) and scatter-adds (`dW`), never differentiated (src/ir/id-inputs.ts).
   */
  readonly ids?: ReadonlySet<number>;
}

export type LeafBinding =
  | { readonly kind: "param"; readonly name: string }
  /** A [T·B, …] value known before the loop; `source` names where the kernel finds it. */
  | { readonly kind: "seq"; readonly source: SeqSource }
  | { readonly kind: "carry"; readonly name: string };

export type SeqSource =
  | { readonly kind: "x"; readonly name: string }
  | { readonly kind: "outputSeed"; readonly name: string }
  /** The forward value of node `node` at every step (the tape), or the state entering each step. */
  | { readonly kind: "tape"; readonly node: number }
  | { readonly kind: "history"; readonly name: string };

export interface Carry {
  readonly name: string;
  readonly leaf: number;
  /** undefined: the next value is zero (e.g. a state whose adjoint does not flow back). */
  readonly next: number | undefined;
  readonly shape: Shape;
}

export interface Accumulator {
  readonly name: string;
  readonly shape: Shape;
  readonly contributions: readonly number[];
}

/**
 * The forward program; `tape` lists the forward nodes the backward pass reads. With `idInput`,
 * that input is fed ids (its products become gathers).
 */
export function forwardProgram(graph: Graph, tape: readonly number[], idInput?: string): SeqProgram {
  const leaves = new Map<number, LeafBinding>();
  for (const p of graph.params) leaves.set(p.node, { kind: "param", name: p.name });
  for (const x of graph.inputs) leaves.set(x.node, { kind: "seq", source: { kind: "x", name: x.name } });
  for (const s of graph.states) leaves.set(s.node, { kind: "carry", name: s.name });
  const collect = [...new Set([...graph.outputs.map((o) => o.node), ...tape])];
  return {
    name: "forward",
    nodes: graph.nodes,
    reverse: false,
    leaves,
    carries: graph.states.map((s) => ({ name: s.name, leaf: s.node, next: s.next, shape: s.shape })),
    collect,
    accumulate: [],
    ...idLeaves(graph, idInput),
  };
}

function idLeaves(graph: Graph, idInput: string | undefined): { ids?: ReadonlySet<number> } {
  const x = graph.inputs.find((i) => i.name === idInput);
  return x === undefined ? {} : { ids: new Set([x.node]) };
}

/**
 * The backward program over the step's gradient graph. Forward nodes it reads are tape
 * leaves, except those that depend on params only (`isParamOnly`), which it recomputes.
 */
export function backwardProgram(grad: StepGradient, isParamOnly: (node: number) => boolean, idInput?: string): { program: SeqProgram; tape: number[] } {
  const f = grad.forward;
  const leaves = new Map<number, LeafBinding>();
  for (const p of f.params) leaves.set(p.node, { kind: "param", name: p.name });
  for (const x of f.inputs) leaves.set(x.node, { kind: "seq", source: { kind: "x", name: x.name } });
  for (const s of f.states) leaves.set(s.node, { kind: "seq", source: { kind: "history", name: s.name } });
  for (const [name, seed] of grad.outputSeeds) leaves.set(seed, { kind: "seq", source: { kind: "outputSeed", name } });
  for (const [name, seed] of grad.stateSeeds) leaves.set(seed, { kind: "carry", name });

  // An input fed ids has no gradient.
  const collect = [...grad.inputGrads].filter(([name]) => name !== idInput).map(([, n]) => n).filter((n): n is number => n !== undefined);
  const accumulate: Accumulator[] = f.params.map((p) => ({ name: p.name, shape: p.shape, contributions: grad.paramGrads.get(p.name) ?? [] }));
  const carries: Carry[] = f.states.map((s) => ({ name: s.name, leaf: grad.stateSeeds.get(s.name)!, next: grad.stateGrads.get(s.name), shape: s.shape }));

  // Walk back from the roots; a forward node that varies per step becomes a tape leaf.
  const tape = new Set<number>();
  const seen = new Set<number>();
  const stack = [...collect, ...accumulate.flatMap((a) => a.contributions), ...carries.flatMap((c) => (c.next === undefined ? [] : [c.next]))];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id) || leaves.has(id)) continue;
    seen.add(id);
    const isForward = id < f.nodes.length;
    if (isForward && !isParamOnly(id) && grad.nodes[id]!.op !== "const") {
      tape.add(id);
      continue;
    }
    stack.push(...grad.nodes[id]!.inputs);
  }
  const sortedTape = [...tape].sort((a, b) => a - b);
  for (const id of sortedTape) leaves.set(id, { kind: "seq", source: { kind: "tape", node: id } });
  return { program: { name: "backward", nodes: grad.nodes, reverse: true, leaves, carries, collect, accumulate, ...idLeaves(f, idInput) }, tape: sortedTape };
}
