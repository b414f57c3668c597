import type { Span } from "../diagnostics/span.js";

/**
 * The abstract syntax tree of a .rnn file. Built from the CST by `visitor.ts`; every node
 * carries its span. Nodes are plain data: the checker and the lowering read them, nobody
 * mutates them.
 */

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

// ---- dimension expressions (inside shapes `[4H, I]` and slices `v[H:2H]`) ----------------

export type DimExpr =
  | { readonly kind: "dimNum"; readonly value: number; readonly span: Span }
  | { readonly kind: "dimName"; readonly name: string; readonly span: Span }
  | {
      readonly kind: "dimBinary";
      /** `*` also stands for juxtaposition: `4H` is `4 * H`. */
      readonly op: "+" | "-" | "*";
      readonly left: DimExpr;
      readonly right: DimExpr;
      readonly span: Span;
    }
  | { readonly kind: "dimNeg"; readonly operand: DimExpr; readonly span: Span };

/** `[4H, I]`; `[]` is a scalar. */
export interface ShapeAnnot {
  readonly dims: readonly DimExpr[];
  readonly span: Span;
}

// ---- value expressions -------------------------------------------------------------------

export type BinaryOp = "+" | "-" | "*" | "/" | "@";

export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly text: string; readonly span: Span }
  /** A name; `prime` is true for `h'` (the next value of state h). */
  | { readonly kind: "name"; readonly name: string; readonly prime: boolean; readonly span: Span }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly opSpan: Span; readonly span: Span }
  | { readonly kind: "neg"; readonly operand: Expr; readonly span: Span }
  | { readonly kind: "call"; readonly callee: Ident; readonly args: readonly Expr[]; readonly span: Span }
  /** `v[a:b]`: rows a (inclusive) to b (exclusive) of the first axis. */
  | { readonly kind: "slice"; readonly target: Expr; readonly start: DimExpr; readonly end: DimExpr; readonly span: Span };

// ---- statements --------------------------------------------------------------------------

/** `~ uniform(-k, k)` / `~ glorot` or `= 0` */
export type Initializer =
  | { readonly kind: "dist"; readonly name: Ident; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: "const"; readonly value: Expr; readonly span: Span };

export type DeclKind = "input" | "state" | "param";

export interface Decl {
  readonly kind: "decl";
  readonly declKind: DeclKind;
  readonly name: Ident;
  readonly shape: ShapeAnnot;
  readonly init?: Initializer;
  readonly span: Span;
}

/** `let a = e` or `let [a, b] = e` (destructuring a `split`). */
export interface Let {
  readonly kind: "let";
  readonly names: readonly Ident[];
  readonly destructure: boolean;
  readonly value: Expr;
  readonly span: Span;
}

/** `h' = e` */
export interface StateUpdate {
  readonly kind: "update";
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** `output y = e`, or `output h'` / `output z` (value omitted: the name itself). */
export interface Output {
  readonly kind: "output";
  readonly name: Ident;
  readonly prime: boolean;
  readonly value?: Expr;
  readonly span: Span;
}

/** `return e` (only in a fn body). */
export interface Return {
  readonly kind: "return";
  readonly value: Expr;
  readonly span: Span;
}

export type Stmt = Decl | Let | StateUpdate | Output | Return;

// ---- top-level items ---------------------------------------------------------------------

export interface CellDef {
  readonly kind: "cell";
  readonly name: Ident;
  readonly dims: readonly Ident[];
  readonly body: readonly Stmt[];
  readonly span: Span;
  /** True when the parser recovered from a syntax error inside this cell: statements may be missing. */
  readonly recovered?: boolean;
}

export interface FnParam {
  readonly name: Ident;
  readonly shape: ShapeAnnot;
}

export interface FnDef {
  readonly kind: "fn";
  readonly name: Ident;
  readonly params: readonly FnParam[];
  readonly result: ShapeAnnot;
  readonly body: readonly Stmt[];
  readonly span: Span;
  /** True when the parser recovered from a syntax error inside this function: statements may be missing. */
  readonly recovered?: boolean;
}

// ---- models ------------------------------------------------------------------------------

/** The type of a model's input or target: a vector per step, or an integer id below `size`. */
export type ValueType =
  | { readonly kind: "vector"; readonly shape: ShapeAnnot; readonly span: Span }
  | { readonly kind: "index"; readonly word: Ident; readonly size: DimExpr; readonly span: Span };

/** `input tokens: index(V)`, `input style: [S] per sequence` or `target y: [O]`. */
export interface ModelDecl {
  readonly kind: "modelDecl";
  readonly role: "input" | "target";
  readonly name: Ident;
  readonly type: ValueType;
  /** The words after the type (`per sequence`, `per step`), as written; the checker reads them. */
  readonly timing?: { readonly words: readonly Ident[]; readonly span: Span };
  readonly span: Span;
}

/** One dimension argument of a layer: positional (`LSTM(E, H)`) or named (`LSTM(I = E, H = H)`). */
export interface LayerArg {
  readonly name?: Ident;
  readonly value: DimExpr;
  readonly span: Span;
}

/** `layer l1 = LSTM(E, H)`: an instance of a cell, with its own params. */
export interface LayerDecl {
  readonly kind: "layer";
  readonly name: Ident;
  readonly cell: Ident;
  readonly args: readonly LayerArg[];
  readonly span: Span;
}

/** `loss cross_entropy(logits, next)` */
export interface LossStmt {
  readonly kind: "loss";
  readonly value: Expr;
  readonly span: Span;
}

/** `embed.W`: the param W of the layer embed. */
export interface ParamRef {
  readonly layer: Ident;
  readonly param: Ident;
  readonly span: Span;
}

/** `tie readout.W = embed.W`: the param on the left is replaced by the one on the right (its owner). */
export interface TieStmt {
  readonly kind: "tie";
  readonly param: ParamRef;
  readonly owner: ParamRef;
  readonly span: Span;
}

export type ModelStmt = ModelDecl | LayerDecl | Let | Output | LossStmt | TieStmt;

export interface ModelDef {
  readonly kind: "model";
  readonly name: Ident;
  readonly dims: readonly Ident[];
  readonly body: readonly ModelStmt[];
  readonly span: Span;
  /** True when the parser recovered from a syntax error inside this model: statements may be missing. */
  readonly recovered?: boolean;
}

export type Item = CellDef | FnDef | ModelDef;

/**
 * `import LSTM, GRU from std`, `import Mine from "cells/mine.rnn"`, or `import "cells/mine.rnn"`
 * (every cell, fn and model of the file). A path is relative to the importing file.
 */
export interface ImportDecl {
  readonly kind: "import";
  /** Empty: import everything the file defines. */
  readonly names: readonly Ident[];
  readonly from: { readonly kind: "std"; readonly span: Span } | { readonly kind: "file"; readonly path: string; readonly span: Span };
  readonly span: Span;
}

export interface Program {
  readonly file: string;
  readonly items: readonly Item[];
  readonly imports?: readonly ImportDecl[];
  /**
   * Names of cells and functions the parser saw but could not build (their syntax errors are
   * reported); the checker treats uses of these names as already explained.
   */
  readonly unparsed?: readonly Ident[];
}
