import type { Span } from "../diagnostics/span.js";
import type { ModelDef } from "../syntax/ast.js";
import type { CheckedCell, CheckResult } from "./checker.js";
import type { Dim } from "../core/dims.js";
import type { SeqBinaryFn, SeqUnaryAttrs, SeqUnaryFn } from "../core/seq-ops.js";

/**
 * A checked model, as data: a small dataflow graph over whole sequences. Every later stage (the
 * TypeScript driver, the ONNX composition, gradcheck) reads this and nothing else of the model's
 * syntax. Each node has a type (a vector of a width, or an integer id below a size) and a timing:
 * one value per step of the sequence, or one per sequence (after `last`).
 */

export type Timing = "step" | "once";

export type ModelType = { readonly kind: "vector"; readonly width: Dim } | { readonly kind: "index"; readonly size: Dim };

/** A cell found for a layer, with the check result of the file that defines it (for lowering). */
export interface ResolvedCell {
  readonly cell: CheckedCell;
  readonly checked: CheckResult;
  /** The file defining it, as shown in diagnostics (`std/lstm.rnn` for the standard library). */
  readonly file: string;
}

export interface ModelLayer {
  readonly name: string;
  readonly cell: ResolvedCell;
  /** The cell's dimension names bound to dimensions of the model (`I := 2H`). */
  readonly binding: ReadonlyMap<string, Dim>;
  /** True when the cell has states: it is recurrent and may be applied only once. */
  readonly recurrent: boolean;
  readonly span: Span;
}

interface NodeBase {
  readonly id: number;
  readonly type: ModelType;
  readonly timing: Timing;
  readonly span: Span;
}

export type ModelNode =
  /** The model's input `name` (per step, or one value per sequence for `input s: [S] per sequence`). */
  | (NodeBase & { readonly op: "input"; readonly name: string })
  /** An id as its one-hot vector (written `onehot(v)`, or implied when ids feed a layer). */
  | (NodeBase & { readonly op: "onehot"; readonly arg: number })
  /** Runs a layer's cell over its argument sequences, one per cell input (one step when all are per sequence); `output` is the cell output this node is. */
  | (NodeBase & { readonly op: "apply"; readonly layer: string; readonly args: readonly number[]; readonly output: string; readonly run: number })
  /** Each example's valid steps in reverse order (step t ← step length−1−t); zero past its length. */
  | (NodeBase & { readonly op: "reverse"; readonly arg: number })
  | (NodeBase & { readonly op: "concat"; readonly args: readonly number[] })
  /** The value at each example's last valid step (length − 1). */
  | (NodeBase & { readonly op: "last"; readonly arg: number })
  /**
   * `dropout(v, p)`: in training, v times a mask drawn per step and per example (one per example for
   * a per-sequence value) that drops each element with probability p and scales the rest by 1/(1 − p);
   * the identity otherwise and in every ONNX export.
   */
  | (NodeBase & { readonly op: "dropout"; readonly arg: number; readonly p: number })
  /**
   * Elementwise `a + b`, `a − b`, `a ⊙ b`, `a / b`, `max(a, b)`, `min(a, b)`: operands of one width, or
   * a `number`; a per-sequence operand is broadcast over the steps of a per-step one. Zero past
   * each example's length (and for an example of length 0), as every model value.
   */
  | (NodeBase & { readonly op: "binary"; readonly fn: BinaryFn; readonly args: readonly [number, number] })
  /** An elementwise built-in of one sequence (`tanh(a)`, `clamp(a, 0, 1)`, `-a`), zero past each example's length. */
  | (NodeBase & { readonly op: "unary"; readonly fn: SeqUnaryFn; readonly arg: number; readonly attrs: SeqUnaryAttrs })
  /** A number operand of arithmetic (`0.5 * a`), broadcast everywhere; typed `[1]` per sequence, it is read only by `binary` nodes. */
  | (NodeBase & { readonly op: "number"; readonly value: number })
  /** The mean of a per-step vector sequence over each example's valid steps (0 for length 0), per sequence. */
  | (NodeBase & { readonly op: "mean_over_time"; readonly arg: number })
  /** The featurewise maximum over each example's valid steps (0 for length 0), per sequence; its gradient goes to the first argmax. */
  | (NodeBase & { readonly op: "max_over_time"; readonly arg: number });

export type BinaryFn = SeqBinaryFn;

export interface ModelTarget {
  readonly name: string;
  readonly type: ModelType;
  /** From the loss that reads it: per step, or one per sequence. */
  readonly timing: Timing;
  readonly span: Span;
}

export interface ModelLoss {
  readonly kind: "mse" | "cross_entropy";
  readonly pred: number;
  readonly target: string;
  readonly span: Span;
}

/**
 * One run of a layer over its arguments: `apply` nodes with the same `run` share it (a cell with
 * several outputs is run once, each output is a node). `args` holds one node per cell input, in
 * the cell's input order. The run is per step when any argument is; a per-sequence argument of a
 * per-step run is the same value at every step (each back end repeats it over the steps, and sums
 * its gradient over the example's valid steps).
 */
export interface LayerRun {
  readonly index: number;
  readonly layer: string;
  readonly args: readonly number[];
  readonly timing: Timing;
}

/** One of the model's inputs: per step ([T, B, …] from the caller) or per sequence ([B, …]). */
export interface ModelInput {
  readonly name: string;
  readonly type: ModelType;
  readonly timing: Timing;
  readonly node: number;
  readonly span: Span;
}

/**
 * `tie readout.W = embed.W`: the param `readout.W` is the array `embed.W` — stored once, under the
 * owner's name, read by both layers, its gradient the sum of both uses'. The owner is the root of a
 * chain of ties, never itself tied.
 */
export interface ModelTie {
  readonly layer: string;
  readonly param: string;
  readonly owner: { readonly layer: string; readonly param: string };
  readonly span: Span;
}

export interface CheckedModel {
  readonly def: ModelDef;
  readonly name: string;
  readonly file: string;
  readonly dims: readonly string[];
  /** In declaration order; at least one is per step. A model with one input takes it as an array, with several as an object keyed by these names. */
  readonly inputs: readonly ModelInput[];
  readonly targets: readonly ModelTarget[];
  readonly layers: readonly ModelLayer[];
  readonly runs: readonly LayerRun[];
  /** In dependency order: a node's arguments come before it. */
  readonly nodes: readonly ModelNode[];
  readonly outputs: readonly { readonly name: string; readonly node: number; readonly span: Span }[];
  /** Summed: the model's loss is the sum of these terms, each a mean (see docs/language.md). */
  readonly losses: readonly ModelLoss[];
  /** The tied params, each with the param that stores it (src/check/model-ties.ts). */
  readonly ties: readonly ModelTie[];
}
