import type { Node } from "../../ir/graph.js";
import { isBinary, isUnary } from "../../ir/ops.js";
import type { SeqProgram } from "./program.js";

/**
 * Where and how each node of a sequence program is computed:
 *  - phase "param": depends on params only — once per call, unbatched;
 *  - phase "pre":   depends on sequence leaves but no carry — for all T·B rows before the
 *                   loop, as one large matrix product (the hoisted `W_ih @ x`);
 *  - phase "loop":  needed for the next carry — step by step, over B rows;
 *  - phase "post":  depends on a carry but the recurrence does not need it — for all T·B rows
 *                   after the loop (a readout `W_hy @ h'`, a weight's gradient, dx).
 * A node is "inlined" when it is a cheap elementwise step whose only reader is an expression
 * in a later loop (or whose readers are disjoint slices): it is then computed inside that
 * reader's loop and never stored. Everything else is materialised in a buffer.
 */
export type Phase = "param" | "pre" | "loop" | "post";

const PHASE_ORDER: Record<Phase, number> = { param: 0, pre: 1, loop: 2, post: 3 };

export interface Schedule {
  readonly program: SeqProgram;
  readonly live: readonly boolean[];
  readonly phase: readonly (Phase | undefined)[];
  readonly inlined: readonly boolean[];
  /** Loop-phase nodes kept for all steps (read after the loop, or collected). */
  readonly storedFull: readonly boolean[];
  readonly consumers: readonly number[][];
  /** Slices whose source is materialised become views into its buffer: no copy. */
  readonly view: readonly boolean[];
  /** Outer products consumed only by accumulators: computed as one TN product per param, never stored. */
  readonly accumulatedOuter: readonly boolean[];
  /** Products `W @ x` with x fed ids (`program.ids`): a gather of W's columns (rows for `Wᵀ @ x`). */
  readonly gathered: readonly boolean[];
  /** Accumulated outer products `g ⊗ x` (or `x ⊗ g`) with x fed ids: a scatter-add into dW. */
  readonly scattered: readonly boolean[];
}

/** Ops a fused loop can compute from an index: elementwise maps, index shifts, broadcasts. */
export function isFusable(op: Node["op"]): boolean {
  return isUnary(op) || isBinary(op) || op === "slice" || op === "pad" || op === "broadcast";
}

/** Ops that read their inputs element by element in a loop, so an input may be inlined into them. */
function readsByIndex(op: Node["op"]): boolean {
  return isFusable(op) || op === "sum" || op === "mean" || op === "max" || op === "concat";
}

export function schedule(program: SeqProgram): Schedule {
  const nodes = program.nodes;
  const n = nodes.length;
  const roots = new Set<number>([
    ...program.collect,
    ...program.carries.flatMap((c) => (c.next === undefined ? [] : [c.next])),
    ...program.accumulate.flatMap((a) => a.contributions),
  ]);

  // Liveness: ancestors of the roots, stopping at leaves.
  const live = new Array<boolean>(n).fill(false);
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live[id]) continue;
    live[id] = true;
    if (!program.leaves.has(id)) stack.push(...nodes[id]!.inputs);
  }

  // Variance: what each live node depends on.
  type V = "const" | "param" | "seq" | "carry";
  const rank: Record<V, number> = { const: 0, param: 1, seq: 2, carry: 3 };
  const variance = new Array<V>(n).fill("const");
  for (let id = 0; id < n; id++) {
    if (!live[id]) continue;
    const leaf = program.leaves.get(id);
    if (leaf) variance[id] = leaf.kind === "param" ? "param" : leaf.kind;
    else if (nodes[id]!.op === "const") variance[id] = "const";
    else variance[id] = nodes[id]!.inputs.map((i) => variance[i]!).reduce<V>((a, b) => (rank[a] >= rank[b] ? a : b), "const");
    // A dropout mask is per example, so its product is computed per row even of a param.
    if (nodes[id]!.op === "dropout" && rank[variance[id]!] < rank.seq) variance[id] = "seq";
  }

  // The recurrence: carry-dependent ancestors of the next carries.
  const inLoop = new Array<boolean>(n).fill(false);
  const loopStack = program.carries.flatMap((c) => (c.next === undefined ? [] : [c.next]));
  while (loopStack.length > 0) {
    const id = loopStack.pop()!;
    if (inLoop[id] || variance[id] !== "carry" || program.leaves.has(id)) continue;
    inLoop[id] = true;
    loopStack.push(...nodes[id]!.inputs);
  }
  const phase: (Phase | undefined)[] = nodes.map((node, id) => {
    if (!live[id] || program.leaves.has(id) || node.op === "const") return undefined;
    const v = variance[id]!;
    if (v === "const" || v === "param") return "param";
    if (v === "seq") return "pre";
    return inLoop[id] ? "loop" : "post";
  });

  const consumers: number[][] = nodes.map(() => []);
  for (let id = 0; id < n; id++) if (live[id] && !program.leaves.has(id)) for (const i of nodes[id]!.inputs) consumers[i]!.push(id);

  // Outer products that only feed accumulators are evaluated as one TN product each.
  const contributions = new Set(program.accumulate.flatMap((a) => a.contributions));
  const accumulatedOuter = nodes.map((node, id) => live[id] === true && node.op === "outer" && contributions.has(id) && consumers[id]!.length === 0 && !program.collect.includes(id));
  // Accumulators read their contributions after the loop, as if they were post-phase nodes.
  const readers = (id: number): { phase: Phase; byIndex: boolean }[] => {
    const rs = consumers[id]!.map((c) => ({ phase: phase[c] ?? "post", byIndex: readsByIndex(nodes[c]!.op) && !accumulatedOuter[c] }));
    for (const c of consumers[id]!) if (accumulatedOuter[c]) rs.push({ phase: "post", byIndex: false });
    return rs;
  };

  const inlined = nodes.map((node, id) => {
    const p = phase[id];
    if (p === undefined || !isFusable(node.op) || roots.has(id)) return false;
    const rs = readers(id);
    if (rs.length === 0) return false;
    if (!rs.every((r) => r.byIndex && (p === "param" ? r.phase === "param" : PHASE_ORDER[r.phase] >= PHASE_ORDER[p]))) return false;
    if (consumers[id]!.some((c) => accumulatedOuter[c])) return false;
    if (rs.length === 1) return true;
    return disjointSlices(consumers[id]!.map((c) => nodes[c]!));
  });
  // An inlined node's readers are all in one place; max_mask needs its input materialised.
  for (let id = 0; id < n; id++) if (live[id] && nodes[id]!.op === "max_mask") for (const i of nodes[id]!.inputs) inlined[i] = false;

  const storedFull = nodes.map((_, id) => {
    if (phase[id] !== "loop" || inlined[id]) return false;
    if (program.collect.includes(id) || contributions.has(id)) return true;
    return readers(id).some((r) => r.phase === "post");
  });

  const view = nodes.map((node, id) => node.op === "slice" && phase[id] !== undefined && !inlined[id] && isMaterialised(node.inputs[0]!));
  function isMaterialised(id: number): boolean {
    return program.leaves.has(id) || (phase[id] !== undefined && !inlined[id] && nodes[id]!.op !== "const");
  }
  const ids = program.ids ?? new Set<number>();
  // A product of an id leaf and something else, on either side (`W @ x` or `x @ W`).
  const gathered = nodes.map((node, id) => live[id] === true && node.op === "matmul" && ids.has(node.inputs[1]!) !== ids.has(node.inputs[0]!) && phase[id] !== undefined);
  const scattered = nodes.map((node, id) => accumulatedOuter[id] === true && node.inputs.some((i) => ids.has(i)));
  return { program, live, phase, inlined, storedFull, consumers, view, accumulatedOuter, gathered, scattered };
}

/**
 * Whether a program's id leaves are read only by gathers and scatter-adds, so that the kernel
 * never needs their one-hot vectors (otherwise the cell keeps the one-hot path).
 */
export function idsOnlyGathered(sched: Schedule): boolean {
  const ids = sched.program.ids ?? new Set<number>();
  return sched.program.nodes.every((node, id) => {
    if (!sched.live[id] || sched.program.leaves.has(id) || !node.inputs.some((i) => ids.has(i))) return true;
    return sched.gathered[id] === true || sched.scattered[id] === true;
  }) && [...ids].every((x) => !sched.program.collect.includes(x));
}

/** True when the nodes are slices of pairwise disjoint row ranges (the parts of a split). */
function disjointSlices(readers: Node[]): boolean {
  if (!readers.every((r) => r.op === "slice")) return false;
  for (let i = 0; i < readers.length; i++) {
    for (let j = i + 1; j < readers.length; j++) {
      const a = readers[i]!.attrs;
      const b = readers[j]!.attrs;
      if (!(a.end!.provablyAtMost(b.start!) || b.end!.provablyAtMost(a.start!))) return false;
    }
  }
  return true;
}

