import type { IToken } from "chevrotain";
import type { DimExpr, Expr, Item, ModelStmt, ShapeAnnot, Stmt } from "./ast.js";
import { LBracket, LParen, Minus, RBracket, RParen } from "./tokens.js";

/**
 * Limits on nesting, so that no input can exhaust the call stack of the parser (which recurses
 * once per bracket or unary minus) or of the later stages (which recurse once per level of an
 * expression tree). Real cells nest a handful of levels; the limits are far above that.
 */

/** Brackets open at once, or unary minus signs in a row, before the parser would recurse too deep. */
export const MAX_TOKEN_NESTING = 64;
/** Levels of an expression tree (a chain `a + b + c + …` is one level per operator). */
export const MAX_TREE_DEPTH = 256;

/** The first token at which brackets, or a run of `-`, go deeper than `MAX_TOKEN_NESTING`. */
export function tooDeepToken(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  let minusRun = 0;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LParen || type === LBracket) depth++;
    else if ((type === RParen || type === RBracket) && depth > 0) depth--;
    minusRun = type === Minus ? minusRun + 1 : 0;
    if (depth > MAX_TOKEN_NESTING || minusRun > MAX_TOKEN_NESTING) return t;
  }
  return undefined;
}

type Node = Expr | DimExpr;

function children(n: Node): Node[] {
  switch (n.kind) {
    case "number":
    case "name":
    case "dimNum":
    case "dimName":
      return [];
    case "binary":
    case "dimBinary":
      return [n.left, n.right];
    case "neg":
    case "dimNeg":
      return [n.operand];
    case "call":
      return [...n.args];
    case "slice":
      return [n.target, n.start, n.end];
  }
}

/** The depth of a tree, measured without recursion (the tree may be arbitrarily deep). */
export function treeDepth(root: Node): number {
  let max = 0;
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of children(n)) stack.push([c, d + 1]);
  }
  return max;
}

function shapeRoots(s: ShapeAnnot): Node[] {
  return [...s.dims];
}

/** The trees of a statement: its value, its shape's dimensions, its initializer's arguments. */
export function statementTrees(s: Stmt | ModelStmt): Node[] {
  switch (s.kind) {
    case "modelDecl":
      return s.type.kind === "vector" ? shapeRoots(s.type.shape) : [s.type.size];
    case "layer":
      return s.args.map((a) => a.value);
    case "decl":
      return [...shapeRoots(s.shape), ...(s.init?.kind === "dist" ? s.init.args : s.init ? [s.init.value] : [])];
    case "output":
      return s.value ? [s.value] : [];
    case "tie":
      return [];
    default:
      return [s.value];
  }
}

/** The trees of an item's header: a function's parameter and result shapes. */
export function headerTrees(item: Item): Node[] {
  return item.kind === "fn" ? [...item.params.flatMap((p) => shapeRoots(p.shape)), ...shapeRoots(item.result)] : [];
}
