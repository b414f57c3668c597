import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { DimExpr, Expr, FnDef } from "../syntax/ast.js";
import type { Dim, Shape } from "../core/dims.js";

export type BindingKind = "input" | "state" | "param" | "let" | "output" | "argument";

/** A name in scope and what the checker knows about it. */
export interface Binding {
  readonly kind: BindingKind;
  readonly name: string;
  readonly shape: Shape;
  /** The name at its definition. */
  readonly nameSpan: Span;
  /** Where its shape was written (`[4H, I]`) or computed (the `let`'s value). */
  readonly shapeSpan: Span;
  used: boolean;
}

/** A user function, checked once generically; instantiated at each call. */
export interface FnSignature {
  readonly def: FnDef;
  /** The dimension names the function is polymorphic in (free names of its parameter shapes). */
  readonly dims: readonly string[];
  readonly params: readonly { readonly name: string; readonly shape: Shape; readonly span: Span }[];
  readonly result: Shape;
}

/** Everything an expression rule needs; one per cell or function body being checked. */
export interface ExprContext {
  readonly scope: Map<string, Binding>;
  readonly dims: ReadonlySet<string>;
  /** "cell `LSTM`" or "function `layernorm`", for messages. */
  readonly owner: string;
  readonly fns: ReadonlyMap<string, FnSignature>;
  /** In a cell: the states whose next value (`h'`) has been defined so far. Undefined in a fn. */
  readonly primed?: Map<string, Binding>;
  readonly states?: ReadonlyMap<string, Binding>;
  readonly report: (d: Diagnostic) => void;
  /** The source text of a span, whitespace-collapsed, for messages. */
  readonly text: (span: Span) => string;
  readonly dimText: (e: DimExpr) => string;
  /** Names whose definition failed to check; their uses are silently typeless. */
  readonly poisoned: Set<string>;
  /**
   * True when the parser recovered inside this body, so statements may be missing: an unknown
   * name, a state without a next value or an unused declaration may just echo the syntax error,
   * and is not reported.
   */
  readonly recovered: boolean;
  /**
   * Cells and functions the parser could not build, and functions whose signature did not check:
   * their errors are reported, so calls of them are not reported as unknown.
   */
  readonly unparsed: ReadonlySet<string>;
  /** For each call of a user function, the inferred binding of its dimensions. */
  readonly callBindings: Map<Expr, ReadonlyMap<string, Dim>>;
  /** Every expression's shape, recorded for later stages and tests. */
  readonly types: Map<Expr, Shape>;
}
