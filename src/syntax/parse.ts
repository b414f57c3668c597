import type { IRecognitionException, IToken } from "chevrotain";
import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Program } from "./ast.js";
import { rnnParser, type SyntaxErrorPayload } from "./parser.js";
import { NumberLit, rnnLexer } from "./tokens.js";
import { AstBuilder } from "./visitor.js";

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: Diagnostic[];
}

/** What each grammar rule is called in a message ("unexpected `)` in a shape"). */
const RULE_CONTEXT: Record<string, string> = {
  program: "the file",
  item: "the file",
  cellDef: "a cell header",
  fnDef: "a function header",
  fnParam: "a function parameter",
  block: "a block",
  statement: "a statement",
  declaration: "a declaration",
  initializer: "an initializer",
  letStatement: "a `let`",
  outputStatement: "an `output`",
  returnStatement: "a `return`",
  updateStatement: "a state update",
  shape: "a shape",
  dimExpression: "a dimension",
  dimTerm: "a dimension",
  dimFactor: "a dimension",
  expression: "an expression",
  additive: "an expression",
  multiplicative: "an expression",
  unary: "an expression",
  postfix: "an expression",
  primary: "an expression",
  arguments: "an argument list",
};

/**
 * Source text → AST and syntax diagnostics. Never throws for any input: the lexer skips
 * characters it cannot read and the parser recovers (token insertion/deletion, re-sync), so
 * every syntax error in the file is reported, not just the first.
 */
export function parse(file: string, text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = rnnLexer.tokenize(text);
  for (const e of lexed.errors) {
    const span = { file, start: e.offset, end: e.offset + e.length };
    diagnostics.push(diag("RNN1001", { found: quote(text.slice(e.offset, e.offset + Math.min(e.length, 20))) }, { labels: [primary(span, "not part of the language")] }));
  }
  for (const t of lexed.tokens) {
    if (t.tokenType === NumberLit && !Number.isFinite(Number(t.image))) {
      diagnostics.push(diag("RNN1005", { found: quote(t.image) }, { labels: [primary(tokenSpan(file, t), "too large for a float64")] }));
    }
  }

  rnnParser.input = lexed.tokens;
  const cst = rnnParser.program();
  const seen = new Set<string>();
  for (const e of rnnParser.errors) {
    const d = syntaxDiagnostic(file, text, e);
    const key = `${d.code}:${d.labels[0]?.span.start}`;
    if (!seen.has(key)) {
      seen.add(key);
      diagnostics.push(d);
    }
  }
  const items = new AstBuilder(file).visit(cst) as Program["items"];
  diagnostics.sort((a, b) => (a.labels[0]?.span.start ?? 0) - (b.labels[0]?.span.start ?? 0));
  return { program: { file, items }, diagnostics };
}

function syntaxDiagnostic(file: string, text: string, e: IRecognitionException): Diagnostic {
  let payload: SyntaxErrorPayload;
  try {
    payload = JSON.parse(e.message) as SyntaxErrorPayload;
  } catch {
    payload = { expected: [], ruleName: "program" };
  }
  const atEnd = e.token.tokenType.name === "EOF" || Number.isNaN(e.token.startOffset);
  const span = atEnd ? { file, start: text.length, end: text.length } : tokenSpan(file, e.token);
  const found = atEnd ? "end of file" : quote(e.token.image);
  const expected = listOr(payload.expected);
  if (e.name === "MismatchedTokenException") {
    return diag("RNN1002", { expected, found }, { labels: [primary(span, `expected ${expected}`)] });
  }
  const context = RULE_CONTEXT[payload.ruleName] ?? "the file";
  return diag("RNN1003", { found, context, expected }, { labels: [primary(span, `unexpected ${found}`)] });
}

function tokenSpan(file: string, t: IToken): { file: string; start: number; end: number } {
  return { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}

function quote(s: string): string {
  const shown = s.length > 30 ? `${s.slice(0, 30)}…` : s;
  return "`" + shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "`";
}

function listOr(items: string[]): string {
  if (items.length === 0) return "something else";
  if (items.length === 1) return items[0]!;
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
