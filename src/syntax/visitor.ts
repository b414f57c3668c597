import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Span } from "../diagnostics/span.js";
import type * as A from "./ast.js";
import { rnnParser } from "./parser.js";

/**
 * CST → AST. After error recovery the CST may lack pieces (Chevrotain inserts or skips tokens
 * and marks nodes `recoveredNode`); a construct that lost a required part is dropped (its
 * syntax error is already reported) rather than guessed, so later stages only see whole nodes.
 */

type Ctx = Record<string, CstElement[] | undefined>;

const BaseVisitor = rnnParser.getBaseCstVisitorConstructorWithDefaults();

/** Thrown inside the visitor when a node is incomplete; caught at the statement/item level. */
class Incomplete extends Error {}

export class AstBuilder extends BaseVisitor {
  /** Items dropped because their header is incomplete: where they start, and their name if it was read. */
  readonly unparsed: { start: number; name?: A.Ident }[] = [];

  constructor(private readonly file: string) {
    super();
    this.validateVisitor();
  }

  // ---- helpers ------------------------------------------------------------------------

  private tok(ctx: Ctx, name: string, index = 0): IToken {
    const t = ctx[name]?.[index] as IToken | undefined;
    if (t === undefined || t.isInsertedInRecovery || Number.isNaN(t.startOffset)) throw new Incomplete();
    return t;
  }

  private optTok(ctx: Ctx, name: string, index = 0): IToken | undefined {
    const t = ctx[name]?.[index] as IToken | undefined;
    return t === undefined || t.isInsertedInRecovery || Number.isNaN(t.startOffset) ? undefined : t;
  }

  private node(ctx: Ctx, name: string, index = 0): CstNode {
    const n = ctx[name]?.[index] as CstNode | undefined;
    if (n === undefined) throw new Incomplete();
    return n;
  }

  private nodes(ctx: Ctx, name: string): CstNode[] {
    return (ctx[name] ?? []) as CstNode[];
  }

  private tokens(ctx: Ctx, ...names: string[]): IToken[] {
    return names
      .flatMap((n) => (ctx[n] ?? []) as IToken[])
      .filter((t) => !t.isInsertedInRecovery && !Number.isNaN(t.startOffset))
      .sort((a, b) => a.startOffset - b.startOffset);
  }

  private spanOfToken(t: IToken): Span {
    return { file: this.file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }

  private spanOfNode(n: CstNode): Span {
    const loc = n.location;
    if (loc === undefined || Number.isNaN(loc.startOffset) || loc.endOffset === undefined || Number.isNaN(loc.endOffset)) {
      throw new Incomplete();
    }
    return { file: this.file, start: loc.startOffset, end: loc.endOffset + 1 };
  }

  private ident(t: IToken): A.Ident {
    return { name: t.image, span: this.spanOfToken(t) };
  }

  private sub<R>(n: CstNode): R {
    return this.visit(n) as R;
  }

  // ---- items --------------------------------------------------------------------------

  /** Imports read by `program`, in order. */
  readonly imports: A.ImportDecl[] = [];

  program(ctx: Ctx): A.Item[] {
    for (const n of this.nodes(ctx, "importDecl")) {
      try {
        this.imports.push(this.sub<A.ImportDecl>(n));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    const items: A.Item[] = [];
    for (const n of this.nodes(ctx, "item")) {
      try {
        const item = this.sub<A.Item | undefined>(n);
        if (item) items.push(item);
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
        this.noteUnparsed(n);
      }
    }
    return items;
  }

  private noteUnparsed(item: CstNode): void {
    const def = (item.children["cellDef"]?.[0] ?? item.children["fnDef"]?.[0] ?? item.children["modelDef"]?.[0]) as CstNode | undefined;
    const start = item.location?.startOffset;
    if (def === undefined || start === undefined || Number.isNaN(start)) return;
    const name = this.optTok(def.children as Ctx, "Identifier");
    this.unparsed.push({ start, ...(name ? { name: this.ident(name) } : {}) });
  }

  item(ctx: Ctx): A.Item | undefined {
    const cell = ctx["cellDef"]?.[0] as CstNode | undefined;
    if (cell) return this.sub<A.CellDef>(cell);
    const fn = ctx["fnDef"]?.[0] as CstNode | undefined;
    if (fn) return this.sub<A.FnDef>(fn);
    const model = ctx["modelDef"]?.[0] as CstNode | undefined;
    if (model) return this.sub<A.ModelDef>(model);
    return undefined;
  }

  importDecl(ctx: Ctx): A.ImportDecl {
    const kw = this.tok(ctx, "Import");
    const strings = this.tokens(ctx, "String");
    const ids = this.tokens(ctx, "Identifier");
    const fromTok = this.optTok(ctx, "From");
    if (ctx["From"] !== undefined && !fromTok) throw new Incomplete();
    const names = fromTok ? ids.filter((t) => t.startOffset < fromTok.startOffset) : [];
    const source = fromTok ? [...strings, ...ids].find((t) => t.startOffset > fromTok.startOffset) : strings[0];
    if (source === undefined || (fromTok && names.length === 0)) throw new Incomplete();
    const span = this.spanOfToken(source);
    let from: A.ImportDecl["from"];
    if (source.tokenType.name === "String") from = { kind: "file", path: source.image.slice(1, -1), span };
    else if (source.image === "std") from = { kind: "std", span };
    // `from something` other than std or a path: kept as a file named so, which the loader reports.
    else from = { kind: "file", path: source.image, span };
    return { kind: "import", names: names.map((t) => this.ident(t)), from, span: { file: this.file, start: kw.startOffset, end: span.end } };
  }

  modelDef(ctx: Ctx): A.ModelDef {
    const kw = this.tok(ctx, "Model");
    const ids = this.tokens(ctx, "Identifier");
    const name = this.tok(ctx, "Identifier");
    const close = this.tok(ctx, "RBrace");
    const body: A.ModelStmt[] = [];
    for (const n of this.nodes(ctx, "modelStatement")) {
      try {
        const s = this.sub<A.ModelStmt | undefined>(n);
        if (s) body.push(s);
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    return { kind: "model", name: this.ident(name), dims: ids.slice(1).map((t) => this.ident(t)), body, span: { file: this.file, start: kw.startOffset, end: close.endOffset! + 1 } };
  }

  modelStatement(ctx: Ctx): A.ModelStmt | undefined {
    for (const key of ["modelDeclaration", "layerStatement", "letStatement", "outputStatement", "lossStatement", "tieStatement"]) {
      const n = ctx[key]?.[0] as CstNode | undefined;
      if (n) return this.sub<A.ModelStmt>(n);
    }
    return undefined;
  }

  modelDeclaration(ctx: Ctx): A.ModelDecl {
    const kw = this.optTok(ctx, "Input") ?? this.tok(ctx, "Target");
    const name = this.ident(this.tok(ctx, "Identifier"));
    const shapeNode = ctx["shape"]?.[0] as CstNode | undefined;
    let type: A.ValueType;
    if (shapeNode) {
      const shape = this.sub<A.ShapeAnnot>(shapeNode);
      type = { kind: "vector", shape, span: shape.span };
    } else {
      const word = this.ident(this.tok(ctx, "Identifier", 1));
      const r = this.tok(ctx, "RParen");
      type = { kind: "index", word, size: this.sub<A.DimExpr>(this.node(ctx, "dimExpression")), span: { file: this.file, start: word.span.start, end: r.endOffset! + 1 } };
    }
    // A word the parser inserted to recover has no place in the text: the declaration is incomplete.
    const words = ((ctx["timingWord"] ?? []) as IToken[]).map((_, i) => this.ident(this.tok(ctx, "timingWord", i)));
    const timing = words.length > 0 ? { words, span: { file: this.file, start: words[0]!.span.start, end: words[words.length - 1]!.span.end } } : undefined;
    const end = timing?.span.end ?? type.span.end;
    return { kind: "modelDecl", role: kw.image as "input" | "target", name, type, ...(timing ? { timing } : {}), span: { file: this.file, start: kw.startOffset, end } };
  }

  layerStatement(ctx: Ctx): A.LayerDecl {
    const kw = this.tok(ctx, "Layer");
    const name = this.ident(this.tok(ctx, "Identifier"));
    this.tok(ctx, "Equals");
    const cell = this.ident(this.tok(ctx, "Identifier", 1));
    const r = this.tok(ctx, "RParen");
    const args = this.nodes(ctx, "layerArgument").map((n) => this.sub<A.LayerArg>(n));
    return { kind: "layer", name, cell, args, span: { file: this.file, start: kw.startOffset, end: r.endOffset! + 1 } };
  }

  layerArgument(ctx: Ctx): A.LayerArg {
    const id = this.optTok(ctx, "Identifier");
    if (ctx["Identifier"] !== undefined && !id) throw new Incomplete();
    if (id) this.tok(ctx, "Equals");
    const value = this.sub<A.DimExpr>(this.node(ctx, "dimExpression"));
    return { ...(id ? { name: this.ident(id) } : {}), value, span: { file: this.file, start: id ? id.startOffset : value.span.start, end: value.span.end } };
  }

  lossStatement(ctx: Ctx): A.LossStmt {
    const kw = this.tok(ctx, "Loss");
    const value = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { kind: "loss", value, span: { file: this.file, start: kw.startOffset, end: value.span.end } };
  }

  tieStatement(ctx: Ctx): A.TieStmt {
    const kw = this.tok(ctx, "Tie");
    this.tok(ctx, "Equals");
    const [param, owner] = this.nodes(ctx, "paramReference").map((n) => this.sub<A.ParamRef>(n));
    if (param === undefined || owner === undefined) throw new Incomplete();
    return { kind: "tie", param, owner, span: { file: this.file, start: kw.startOffset, end: owner.span.end } };
  }

  paramReference(ctx: Ctx): A.ParamRef {
    const layer = this.ident(this.tok(ctx, "Identifier"));
    this.tok(ctx, "Dot");
    const param = this.ident(this.tok(ctx, "Identifier", 1));
    return { layer, param, span: { file: this.file, start: layer.span.start, end: param.span.end } };
  }

  cellDef(ctx: Ctx, ): A.CellDef {
    const ids = this.tokens(ctx, "Identifier");
    const name = this.tok(ctx, "Identifier");
    this.tok(ctx, "Cell");
    return {
      kind: "cell",
      name: this.ident(name),
      dims: ids.slice(1).map((t) => this.ident(t)),
      body: this.sub<A.Stmt[]>(this.node(ctx, "block")),
      span: { file: this.file, start: this.tok(ctx, "Cell").startOffset, end: this.spanOfNode(this.node(ctx, "block")).end },
    };
  }

  fnDef(ctx: Ctx): A.FnDef {
    const fnTok = this.tok(ctx, "Fn");
    return {
      kind: "fn",
      name: this.ident(this.tok(ctx, "Identifier")),
      params: this.nodes(ctx, "fnParam").map((n) => this.sub<A.FnParam>(n)),
      result: this.sub<A.ShapeAnnot>(this.node(ctx, "shape")),
      body: this.sub<A.Stmt[]>(this.node(ctx, "block")),
      span: { file: this.file, start: fnTok.startOffset, end: this.spanOfNode(this.node(ctx, "block")).end },
    };
  }

  fnParam(ctx: Ctx): A.FnParam {
    return { name: this.ident(this.tok(ctx, "Identifier")), shape: this.sub<A.ShapeAnnot>(this.node(ctx, "shape")) };
  }

  block(ctx: Ctx): A.Stmt[] {
    const out: A.Stmt[] = [];
    for (const n of this.nodes(ctx, "statement")) {
      try {
        const s = this.sub<A.Stmt | undefined>(n);
        if (s) out.push(s);
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    return out;
  }

  statement(ctx: Ctx): A.Stmt | undefined {
    for (const key of ["declaration", "letStatement", "outputStatement", "returnStatement", "updateStatement"]) {
      const n = ctx[key]?.[0] as CstNode | undefined;
      if (n) return this.sub<A.Stmt>(n);
    }
    return undefined;
  }

  // ---- statements ---------------------------------------------------------------------

  declaration(ctx: Ctx, ): A.Decl {
    const kw = this.optTok(ctx, "Input") ?? this.optTok(ctx, "State") ?? this.tok(ctx, "Param");
    const shapeNode = this.node(ctx, "shape");
    const initNode = ctx["initializer"]?.[0] as CstNode | undefined;
    const init = initNode ? this.sub<A.Initializer>(initNode) : undefined;
    const end = init ? init.span.end : this.spanOfNode(shapeNode).end;
    return {
      kind: "decl",
      declKind: kw.image as A.DeclKind,
      name: this.ident(this.tok(ctx, "Identifier")),
      shape: this.sub<A.ShapeAnnot>(shapeNode),
      ...(init ? { init } : {}),
      span: { file: this.file, start: kw.startOffset, end },
    };
  }

  initializer(ctx: Ctx, ): A.Initializer {
    const tilde = this.optTok(ctx, "Tilde");
    if (tilde) {
      const name = this.tok(ctx, "Identifier");
      const argsNode = ctx["arguments"]?.[0] as CstNode | undefined;
      const rparen = this.optTok(ctx, "RParen");
      if (argsNode && !rparen) throw new Incomplete();
      return {
        kind: "dist",
        name: this.ident(name),
        args: argsNode ? this.sub<A.Expr[]>(argsNode) : [],
        span: { file: this.file, start: tilde.startOffset, end: rparen ? rparen.endOffset! + 1 : name.endOffset! + 1 },
      };
    }
    const eq = this.tok(ctx, "Equals");
    const value = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { kind: "const", value, span: { file: this.file, start: eq.startOffset, end: value.span.end } };
  }

  letStatement(ctx: Ctx): A.Let {
    const kw = this.tok(ctx, "Let");
    const destructure = this.optTok(ctx, "LBracket") !== undefined;
    if (destructure) this.tok(ctx, "RBracket");
    const names = this.tokens(ctx, "Identifier").map((t) => this.ident(t));
    if (names.length === 0) throw new Incomplete();
    this.tok(ctx, "Equals");
    const value = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { kind: "let", names, destructure, value, span: { file: this.file, start: kw.startOffset, end: value.span.end } };
  }

  outputStatement(ctx: Ctx): A.Output {
    const kw = this.tok(ctx, "Output");
    const name = this.tok(ctx, "Identifier");
    const prime = this.optTok(ctx, "Prime");
    const exprNode = ctx["expression"]?.[0] as CstNode | undefined;
    if (exprNode) this.tok(ctx, "Equals");
    const value = exprNode ? this.sub<A.Expr>(exprNode) : undefined;
    const end = value ? value.span.end : (prime ?? name).endOffset! + 1;
    return {
      kind: "output",
      name: this.ident(name),
      prime: prime !== undefined,
      ...(value ? { value } : {}),
      span: { file: this.file, start: kw.startOffset, end },
    };
  }

  returnStatement(ctx: Ctx): A.Return {
    const kw = this.tok(ctx, "Return");
    const value = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { kind: "return", value, span: { file: this.file, start: kw.startOffset, end: value.span.end } };
  }

  updateStatement(ctx: Ctx): A.StateUpdate {
    const name = this.tok(ctx, "Identifier");
    this.tok(ctx, "Prime");
    this.tok(ctx, "Equals");
    const value = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { kind: "update", name: this.ident(name), value, span: { file: this.file, start: name.startOffset, end: value.span.end } };
  }

  // ---- shapes and dimension expressions ------------------------------------------------

  shape(ctx: Ctx): A.ShapeAnnot {
    const l = this.tok(ctx, "LBracket");
    const r = this.tok(ctx, "RBracket");
    return {
      dims: this.nodes(ctx, "dimExpression").map((n) => this.sub<A.DimExpr>(n)),
      span: { file: this.file, start: l.startOffset, end: r.endOffset! + 1 },
    };
  }

  dimExpression(ctx: Ctx): A.DimExpr {
    const terms = this.nodes(ctx, "dimTerm").map((n) => this.sub<A.DimExpr>(n));
    const ops = this.tokens(ctx, "Plus", "Minus");
    if (terms.length === 0 || ops.length !== terms.length - 1) throw new Incomplete();
    return terms.reduce((left, right, i) => ({
      kind: "dimBinary",
      op: ops[i - 1]!.image as "+" | "-",
      left,
      right,
      span: { file: this.file, start: left.span.start, end: right.span.end },
    }));
  }

  dimTerm(ctx: Ctx): A.DimExpr {
    const minus = this.optTok(ctx, "Minus");
    if (minus) {
      const operand = this.sub<A.DimExpr>(this.node(ctx, "dimTerm"));
      return { kind: "dimNeg", operand, span: { file: this.file, start: minus.startOffset, end: operand.span.end } };
    }
    if (ctx["Minus"] !== undefined) throw new Incomplete();
    const factors = this.nodes(ctx, "dimFactor").map((n) => this.sub<A.DimExpr>(n));
    if (factors.length === 0) throw new Incomplete();
    return factors.reduce((left, right) => ({
      kind: "dimBinary",
      op: "*",
      left,
      right,
      span: { file: this.file, start: left.span.start, end: right.span.end },
    }));
  }

  dimFactor(ctx: Ctx): A.DimExpr {
    const num = this.optTok(ctx, "Number");
    if (num) return { kind: "dimNum", value: Number(num.image), span: this.spanOfToken(num) };
    const id = this.optTok(ctx, "Identifier");
    if (id) return { kind: "dimName", name: id.image, span: this.spanOfToken(id) };
    const l = this.tok(ctx, "LParen");
    const r = this.tok(ctx, "RParen");
    const inner = this.sub<A.DimExpr>(this.node(ctx, "dimExpression"));
    return { ...inner, span: { file: this.file, start: l.startOffset, end: r.endOffset! + 1 } };
  }

  // ---- value expressions --------------------------------------------------------------

  expression(ctx: Ctx): A.Expr {
    return this.sub<A.Expr>(this.node(ctx, "additive"));
  }

  private leftAssociative(operands: A.Expr[], ops: IToken[]): A.Expr {
    if (operands.length === 0 || ops.length !== operands.length - 1) throw new Incomplete();
    return operands.reduce((left, right, i) => {
      const op = ops[i - 1]!;
      return {
        kind: "binary",
        op: op.image as A.BinaryOp,
        left,
        right,
        opSpan: this.spanOfToken(op),
        span: { file: this.file, start: left.span.start, end: right.span.end },
      };
    });
  }

  additive(ctx: Ctx): A.Expr {
    return this.leftAssociative(this.nodes(ctx, "multiplicative").map((n) => this.sub<A.Expr>(n)), this.tokens(ctx, "Plus", "Minus"));
  }

  multiplicative(ctx: Ctx): A.Expr {
    return this.leftAssociative(this.nodes(ctx, "unary").map((n) => this.sub<A.Expr>(n)), this.tokens(ctx, "Star", "Slash", "At"));
  }

  unary(ctx: Ctx): A.Expr {
    const minus = this.optTok(ctx, "Minus");
    if (minus) {
      const operand = this.sub<A.Expr>(this.node(ctx, "unary"));
      return { kind: "neg", operand, span: { file: this.file, start: minus.startOffset, end: operand.span.end } };
    }
    return this.sub<A.Expr>(this.node(ctx, "postfix"));
  }

  postfix(ctx: Ctx): A.Expr {
    let target = this.sub<A.Expr>(this.node(ctx, "primary"));
    const bounds = this.nodes(ctx, "dimExpression").map((n) => this.sub<A.DimExpr>(n));
    const closers = this.tokens(ctx, "RBracket");
    if (bounds.length % 2 !== 0 || closers.length !== bounds.length / 2) throw new Incomplete();
    for (let i = 0; i < bounds.length; i += 2) {
      target = {
        kind: "slice",
        target,
        start: bounds[i]!,
        end: bounds[i + 1]!,
        span: { file: this.file, start: target.span.start, end: closers[i / 2]!.endOffset! + 1 },
      };
    }
    return target;
  }

  primary(ctx: Ctx): A.Expr {
    const num = this.optTok(ctx, "Number");
    if (num) return { kind: "number", value: Number(num.image), text: num.image, span: this.spanOfToken(num) };
    const id = this.optTok(ctx, "Identifier");
    if (id) {
      const prime = this.optTok(ctx, "Prime");
      if (prime) return { kind: "name", name: id.image, prime: true, span: { file: this.file, start: id.startOffset, end: prime.endOffset! + 1 } };
      const argsNode = ctx["arguments"]?.[0] as CstNode | undefined;
      if (argsNode) {
        const r = this.tok(ctx, "RParen");
        return {
          kind: "call",
          callee: this.ident(id),
          args: this.sub<A.Expr[]>(argsNode),
          span: { file: this.file, start: id.startOffset, end: r.endOffset! + 1 },
        };
      }
      return { kind: "name", name: id.image, prime: false, span: this.spanOfToken(id) };
    }
    // A parenthesised expression keeps its inner node; the parentheses widen the span.
    const l = this.tok(ctx, "LParen");
    const r = this.tok(ctx, "RParen");
    const inner = this.sub<A.Expr>(this.node(ctx, "expression"));
    return { ...inner, span: { file: this.file, start: l.startOffset, end: r.endOffset! + 1 } };
  }

  arguments(ctx: Ctx): A.Expr[] {
    return this.nodes(ctx, "expression").map((n) => this.sub<A.Expr>(n));
  }
}
