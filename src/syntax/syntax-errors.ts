import type { IRecognitionException, IToken } from "chevrotain";
import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { SyntaxErrorPayload } from "./parser.js";
import { KEYWORDS } from "./tokens.js";

/**
 * Chevrotain's recognition exceptions → syntax diagnostics (RNN1002, RNN1003) in the words of
 * the language: rule names become "in an expression", token types their labels, and a missing
 * closer is shown where it is missing.
 */

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
  tieStatement: "a `tie`",
  paramReference: "a `tie`",
};

/**
 * What to say instead of Chevrotain's expectation in two places where it names only the token
 * that ends a repetition: when a block or the file holds something that cannot start a
 * statement (or an item), "expected `}`" would hide that a statement was also possible.
 */
const EXPECTED_INSTEAD: Record<string, Record<string, string>> = {
  program: { EOF: "`cell` or `fn`" },
  block: { "`}`": "a statement or `}`" },
};

/** A help for a few mistakes whose fix is always the same, keyed by rule and expected token. */
const HELPS: Record<string, Record<string, string>> = {
  postfix: { "`:`": "a slice is written `v[start:end]`; single elements are not indexed" },
  declaration: { "`:`": "a declaration names a shape: `param W: [H, I]`" },
  fnDef: { "`->`": "a function declares its result shape: `fn f(v: [N]) -> [N] { … }`" },
};

/**
 * A help for a statement of a model written in a cell's block, keyed by the token found: there is
 * nothing to tie in a cell, whose params are its own.
 */
const FOUND_HELPS: Record<string, Record<string, string>> = {
  block: { Tie: "`tie` belongs in a model, where it makes two layers share one param (`tie readout.W = embed.W`); a cell's params are its own" },
};

/** The diagnostic for one parser exception; `tokens` are the lexed tokens, in source order. */
export function syntaxDiagnostic(file: string, text: string, tokens: IToken[], e: IRecognitionException): Diagnostic {
  let payload: SyntaxErrorPayload;
  try {
    payload = JSON.parse(e.message) as SyntaxErrorPayload;
  } catch {
    payload = { expected: [], ruleName: "program" };
  }
  const atEnd = e.token.tokenType.name === "EOF" || Number.isNaN(e.token.startOffset);
  const found = atEnd ? "end of file" : quote(e.token.image);
  const instead = EXPECTED_INSTEAD[payload.ruleName];
  const expectedItems = payload.expected.map((x) => instead?.[x] ?? (x === "EOF" ? "the end of the file" : x));
  const expected = listOr(expectedItems);
  // The end of the file is shown right after the last token, not on the empty last line.
  const last = atEnd ? previousToken(tokens, text.length) : undefined;
  const endOfFile = last ? last.endOffset! + 1 : text.length;
  const foundSpan: Span = atEnd ? { file, start: endOfFile, end: endOfFile } : tokenSpan(file, e.token);
  const help =
    FOUND_HELPS[payload.ruleName]?.[e.token.tokenType.name] ??
    keywordAsName(payload.expected, e.token) ??
    (payload.expected.length === 1 ? HELPS[payload.ruleName]?.[payload.expected[0]!] : undefined);
  const helps = help ? [help] : [];
  if (e.name === "MismatchedTokenException" && !instead) {
    // A missing closer is best shown where it is missing: right after the previous token,
    // when the token found instead is on a later line (`tanh(W @ x⏎ output …`).
    const prev = previousToken(tokens, foundSpan.start);
    const span = prev && lineBreakBetween(text, prev.endOffset! + 1, foundSpan.start) ? { file, start: prev.endOffset! + 1, end: prev.endOffset! + 1 } : foundSpan;
    return diag("RNN1002", { expected, found }, { labels: [primary(span, `expected ${expected}`)], helps });
  }
  const context = RULE_CONTEXT[payload.ruleName] ?? "the file";
  return diag("RNN1003", { found, context, expected }, { labels: [primary(foundSpan, `unexpected ${found}`)], helps });
}

/** A help when a name was expected and a keyword found (`param model: …`): keywords cannot name anything. */
function keywordAsName(expected: readonly string[], token: IToken): string | undefined {
  if (!expected.includes("a name") || !KEYWORDS.includes(token.tokenType)) return undefined;
  const words = KEYWORDS.map((k) => String(k.LABEL).replace(/`/g, "")).join(", ");
  return `\`${token.image}\` is a keyword, and keywords (${words}) cannot be names: rename it, e.g. \`${token.image}_\``;
}

/** The last token that starts before `offset` (tokens are in source order). */
function previousToken(tokens: IToken[], offset: number): IToken | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  let found: IToken | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (t.startOffset < offset) {
      found = t;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function lineBreakBetween(text: string, from: number, to: number): boolean {
  return /[\n\r]/.test(text.slice(from, to));
}

export function tokenSpan(file: string, t: IToken): Span {
  return { file, start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}

export function quote(s: string): string {
  const shown = s.length > 30 ? `${s.slice(0, 30)}…` : s;
  return "`" + shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "`";
}

function listOr(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length === 0) return "something else";
  if (unique.length === 1) return unique[0]!;
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}
