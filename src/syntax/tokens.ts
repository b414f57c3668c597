import { createToken, Lexer, type TokenType } from "chevrotain";

/**
 * The tokens of .rnn, as a table. Order matters to the lexer, which takes the first
 * pattern that matches at a position:
 *  - keywords come before Identifier and name it as `longer_alt`, so `cellular` lexes as one
 *    identifier rather than the keyword `cell` followed by `ular`;
 *  - `->` comes before `-`;
 *  - Number has no sign (a leading `-` is the unary operator) and does not swallow a
 *    following letter, so `4H` lexes as Number(4) Identifier(H): a dimension juxtaposition.
 * Each token has a LABEL: the text diagnostics use for it ("expected `)`").
 */

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier, label: `\`${word}\`` });
}

export const Cell = keyword("cell");
export const Fn = keyword("fn");
export const Input = keyword("input");
export const State = keyword("state");
export const Param = keyword("param");
export const Let = keyword("let");
export const Output = keyword("output");
export const Return = keyword("return");
export const Model = keyword("model");
export const Layer = keyword("layer");
export const Target = keyword("target");
export const Loss = keyword("loss");
export const Tie = keyword("tie");
export const Import = keyword("import");
export const From = keyword("from");

export const NumberLit = createToken({
  name: "Number",
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
  label: "a number",
});

/** A file path in an import: `"cells/mine.rnn"`. No escapes: paths need none. */
export const StringLit = createToken({ name: "String", pattern: /"[^"\n\r]*"/, label: "a quoted path" });

function punct(name: string, text: string): TokenType {
  return createToken({ name, pattern: text, label: `\`${text}\`` });
}

export const Arrow = punct("Arrow", "->");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");
export const Comma = punct("Comma", ",");
export const Colon = punct("Colon", ":");
export const Equals = punct("Equals", "=");
export const Tilde = punct("Tilde", "~");
export const Prime = punct("Prime", "'");
export const Plus = punct("Plus", "+");
export const Minus = punct("Minus", "-");
export const Star = punct("Star", "*");
export const Slash = punct("Slash", "/");
export const At = punct("At", "@");
/** `layer.param` in a `tie`. After Number in the table, so `.5` stays a number. */
export const Dot = punct("Dot", ".");

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });

export const KEYWORDS = [Cell, Fn, Input, State, Param, Let, Output, Return, Model, Layer, Target, Loss, Tie, Import, From];

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace, Comment,
  ...KEYWORDS,
  Identifier,
  NumberLit,
  StringLit,
  Arrow,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace,
  Comma, Colon, Equals, Tilde, Prime,
  Plus, Minus, Star, Slash, At, Dot,
];

export const rnnLexer = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: true });
