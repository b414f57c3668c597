import type { Dim, Shape } from "../core/dims.js";
import type { Span } from "../diagnostics/span.js";
import type { InitSpecData } from "../runtime/random.js";
import type { OpKind } from "./ops.js";

export interface NodeAttrs {
  /** leaves: the declared name */
  readonly name?: string;
  /** const: the value; leaky_relu / elu: alpha */
  readonly value?: number;
  /** const (gradient graphs): the value is this dimension, known when the dims are (mean's 1/n) */
  readonly dim?: Dim;
  readonly alpha?: number;
  /** clamp: the bounds, lo ≤ hi */
  readonly lo?: number;
  readonly hi?: number;
  /** pow: the constant exponent */
  readonly exponent?: number;
  /** dropout: the drop probability, and which of the cell's masks (0, 1, … in source order) */
  readonly p?: number;
  readonly site?: number;
  /** slice */
  readonly start?: Dim;
  readonly end?: Dim;
  /** matmul: use the transpose of the first operand */
  readonly transA?: boolean;
  readonly transB?: boolean;
  /** broadcast, pad: the result's shape */
  readonly shape?: Shape;
}

export interface Node {
  /** Index in `Graph.nodes`; nodes are in topological order (inputs have smaller ids). */
  readonly id: number;
  readonly op: OpKind;
  readonly inputs: readonly number[];
  readonly attrs: NodeAttrs;
  readonly shape: Shape;
  /** Where in the user's source this node comes from (gradient nodes: their forward node's). */
  readonly span: Span;
  /** A readable name from the source (`let` names, `f`, `c'`), for printing and ONNX. */
  readonly label?: string;
}

export interface LeafDecl {
  readonly name: string;
  readonly shape: Shape;
  /** The leaf node in `nodes`. */
  readonly node: number;
  readonly span: Span;
}

export interface StateDecl extends LeafDecl {
  /** The node computing the state's next value. */
  readonly next: number;
}

export interface ParamDecl extends LeafDecl {
  readonly init: InitSpecData;
}

export interface OutputDecl {
  /** `h` for `output h'`, `y` for `output y = …` */
  readonly name: string;
  readonly node: number;
  readonly span: Span;
}

/**
 * One step of one cell for one example: the forward graph. `lower.ts` builds it from a
 * checked cell; `autodiff/` extends a copy with the gradient nodes; back ends read it.
 */
export interface Graph {
  readonly cell: string;
  readonly file: string;
  readonly dims: readonly string[];
  readonly inputs: readonly LeafDecl[];
  readonly states: readonly StateDecl[];
  readonly params: readonly ParamDecl[];
  readonly outputs: readonly OutputDecl[];
  readonly nodes: readonly Node[];
}
