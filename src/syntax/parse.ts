import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/source.js";
import type { Span } from "../diagnostics/span.js";
import type { Ident, Item, Program } from "./ast.js";
import { headerTrees, MAX_TOKEN_NESTING, MAX_TREE_DEPTH, statementTrees, tooDeepToken, treeDepth } from "./depth.js";
import { rnnParser } from "./parser.js";
import { quote, syntaxDiagnostic, tokenSpan } from "./syntax-errors.js";
import { NumberLit, rnnLexer } from "./tokens.js";
import { AstBuilder } from "./visitor.js";

export interface ParseResult {
  readonly program: Program;
  readonly diagnostics: Diagnostic[];
}

/**
 * Source text → AST and syntax diagnostics. Never throws for any input: the lexer skips
 * characters it cannot read and the parser recovers (token insertion/deletion, re-sync), so
 * every syntax error in the file is reported, not just the first — except that a second error
 * on the line of a first one is dropped, because it is nearly always the first one's echo.
 *
 * Items in which the parser had to recover are marked `recovered`; items it could not build at
 * all are listed in `program.unparsed`. The checker uses both to stay quiet about consequences
 * (a name "not defined" because its declaration was lost to the syntax error).
 */
export function parse(file: string, text: string): ParseResult {
  const syntax: Diagnostic[] = [];
  const lexed = rnnLexer.tokenize(text);
  for (const e of lexed.errors) {
    const span = { file, start: e.offset, end: e.offset + e.length };
    syntax.push(diag("RNN1001", { found: quote(text.slice(e.offset, e.offset + Math.min(e.length, 20))) }, { labels: [primary(span, "not part of the language")] }));
  }

  const deep = tooDeepToken(lexed.tokens);
  if (deep) {
    // The parser recurses once per bracket or sign: stop before it could run out of stack.
    syntax.push(
      diag("RNN1006", { what: "brackets or `-` signs", limit: MAX_TOKEN_NESTING }, {
        labels: [primary(tokenSpan(file, deep), "too deep here")],
        notes: ["the file is not parsed further"],
      }),
    );
    return { program: { file, items: [] }, diagnostics: sortByPosition(syntax) };
  }

  rnnParser.input = lexed.tokens;
  const cst = rnnParser.program();
  for (const e of rnnParser.errors) syntax.push(syntaxDiagnostic(file, text, lexed.tokens, e));
  const lines = new LineIndex(text);
  const kept = onePerLine(sortByPosition(syntax), lines);

  const numbers: Diagnostic[] = [];
  for (const t of lexed.tokens) {
    if (t.tokenType === NumberLit && !Number.isFinite(Number(t.image))) {
      numbers.push(diag("RNN1005", { found: quote(t.image) }, { labels: [primary(tokenSpan(file, t), "too large for a float64")] }));
    }
  }

  const builder = new AstBuilder(file);
  const built = limitDepth(builder.visit(cst) as Item[], builder.unparsed, kept);
  const errorOffsets = kept.map((d) => d.labels[0]?.span.start ?? 0);
  const items = markRecovered(built, builder.unparsed.map((u) => u.start), errorOffsets, text);
  const unparsed = builder.unparsed.flatMap((u) => (u.name ? [u.name] : []));
  const imports = builder.imports;
  const program: Program = { file, items, ...(imports.length > 0 ? { imports } : {}), ...(unparsed.length > 0 ? { unparsed } : {}) };
  return { program, diagnostics: sortByPosition([...kept, ...numbers]) };
}

/**
 * Drops statements (and function headers) whose trees are deeper than `MAX_TREE_DEPTH`, so the
 * recursive stages after parsing never see them; each one is reported.
 */
function limitDepth(items: Item[], unparsed: { start: number; name?: Ident }[], report: Diagnostic[]): Item[] {
  const tooDeep = (span: Span): Diagnostic =>
    diag("RNN1006", { what: "an expression", limit: MAX_TREE_DEPTH }, {
      labels: [primary(span, "too deep")],
      notes: ["each bracket, sign, operator and call adds a level; name parts of it with `let`"],
    });
  const out: Item[] = [];
  for (const item of items) {
    if (headerTrees(item).some((t) => treeDepth(t) > MAX_TREE_DEPTH)) {
      report.push(tooDeep(item.name.span));
      unparsed.push({ start: item.span.start, name: item.name });
      continue;
    }
    const body = item.body.filter((s) => {
      const ok = statementTrees(s).every((t) => treeDepth(t) <= MAX_TREE_DEPTH);
      if (!ok) report.push(tooDeep(s.span));
      return ok;
    });
    out.push(body.length === item.body.length ? item : ({ ...item, body } as Item));
  }
  return out;
}

function sortByPosition(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => (a.labels[0]?.span.start ?? 0) - (b.labels[0]?.span.start ?? 0));
}

/** Keeps the first syntax error of each line (the list is sorted by position). */
function onePerLine(ds: Diagnostic[], lines: LineIndex): Diagnostic[] {
  const seen = new Set<number>();
  return ds.filter((d) => {
    const line = lines.lineIndexOf(d.labels[0]?.span.start ?? 0);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}

/**
 * An item owns the text from its first token to the start of the next item (built or not);
 * a syntax error in that range means the item's AST may be missing pieces. So does an item that
 * does not end with its `}`: the parser left it early, when a token that starts an item (a
 * keyword used as a name: `param model: …`) cut it short — the error then sits at the next
 * item's start, outside this one's range.
 */
function markRecovered(items: Item[], unparsedStarts: number[], errors: number[], text: string): Item[] {
  const starts = [...items.map((i) => i.span.start), ...unparsedStarts].sort((a, b) => a - b);
  const sortedErrors = [...errors].sort((a, b) => a - b);
  return items.map((item) => {
    const next = starts[firstAbove(starts, item.span.start)] ?? text.length + 1;
    const e = sortedErrors[firstAbove(sortedErrors, item.span.start - 1)];
    const cutShort = text[item.span.end - 1] !== "}";
    return (e !== undefined && e < next) || cutShort ? { ...item, recovered: true } : item;
  });
}

/** Index of the first element of a sorted array that is greater than `x` (binary search). */
function firstAbove(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
