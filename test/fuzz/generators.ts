import fc from "fast-check";
import { ALL_TOKENS, Comment, Identifier, KEYWORDS, NumberLit, WhiteSpace } from "../../src/syntax/tokens.js";

/**
 * Input generators for the no-throw property: random token soup, programs that are nearly
 * well formed (so the checker, not only the parser, gets exercised), and mutations of real
 * programs.
 */

/** The text of every fixed token in the table: keywords and punctuation. */
export const TOKEN_IMAGES: readonly string[] = ALL_TOKENS.filter((t) => ![WhiteSpace, Comment, Identifier, NumberLit].includes(t)).map((t) =>
  KEYWORDS.includes(t) ? t.name.toLowerCase() : String(t.PATTERN),
);

const NAMES = ["x", "h", "c", "W", "U", "b", "y", "v", "g", "I", "H", "E", "N", "M", "O", "a", "z", "_t"];
const BUILTIN_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign", "hard_sigmoid", "exp", "log", "sqrt", "abs", "sum", "mean", "max", "softmax", "concat", "split", "uniform", "normal", "glorot"];

export const identifier = fc.oneof(
  fc.constantFrom(...NAMES, ...BUILTIN_NAMES),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/),
);

export const number = fc.oneof(
  fc.constantFrom("0", "1", "2", "4", "0.5", ".5", "1e-5", "1e999", "3.", "1E3", "0.01", "99999999999999999999"),
  fc.nat({ max: 1000 }).map(String),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map((d) => String(d)),
);

/** One lexical unit, including some that are not tokens of the language at all. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TOKEN_IMAGES) },
  { weight: 3, arbitrary: identifier },
  { weight: 2, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom("\n", "\r\n", "\t", "# note\n", "h'", "c'", "$", "`", "\u00e9", "\ud83d\ude00", "\ufffd", "\u0000", "\\") },
);

/** Random sequences of tokens, joined by spaces, or by nothing at all. */
export const tokenSoup = fc
  .tuple(fc.array(unit, { maxLength: 80 }), fc.constantFrom(" ", "", "\n"))
  .map(([units, sep]) => units.join(sep));

// ---- nearly well-formed programs -----------------------------------------------------------

const dimName = fc.constantFrom("I", "H", "E", "N", "K");
const dimExpr: fc.Arbitrary<string> = fc.letrec<{ d: string }>((tie) => ({
  d: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    dimName,
    fc.nat({ max: 5 }).map(String),
    fc.tuple(fc.integer({ min: 1, max: 4 }), dimName).map(([k, n]) => `${k}${n}`),
    fc.tuple(tie("d"), fc.constantFrom("+", "-", "*", ""), tie("d")).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie("d").map((a) => `(${a})`),
    tie("d").map((a) => `-${a}`),
  ),
})).d;

export const shape = fc.array(dimExpr, { maxLength: 3 }).map((ds) => `[${ds.join(", ")}]`);

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...NAMES, "h'", "c'", "x'"),
    number,
    fc.tuple(tie("e"), fc.constantFrom("+", "-", "*", "/", "@"), tie("e")).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom(...BUILTIN_NAMES, "f", "g2", "nope"), fc.array(tie("e"), { maxLength: 3 })).map(([f, args]) => `${f}(${args.join(", ")})`),
    tie("e").map((a) => `(${a})`),
    tie("e").map((a) => `-${a}`),
    fc.tuple(tie("e"), dimExpr, dimExpr).map(([a, s, t]) => `${a}[${s}:${t}]`),
  ),
})).e;

const initializer = fc.oneof(
  fc.constant(""),
  fc.tuple(fc.constantFrom("uniform", "normal", "glorot", "kaiming"), fc.array(expr, { maxLength: 3 })).map(([n, args]) => ` ~ ${n}(${args.join(", ")})`),
  fc.constant(" ~ glorot"),
  expr.map((e) => ` = ${e}`),
);

const statement = fc.oneof(
  fc.tuple(fc.constantFrom("input", "state", "param"), fc.constantFrom(...NAMES), shape, initializer).map(([k, n, s, i]) => `${k} ${n}: ${s}${i}`),
  fc.tuple(fc.constantFrom(...NAMES), expr).map(([n, e]) => `let ${n} = ${e}`),
  fc.tuple(fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 }), expr, fc.integer({ min: 0, max: 5 })).map(
    ([ns, e, k]) => `let [${ns.join(", ")}] = split(${e}, ${k})`,
  ),
  fc.tuple(fc.constantFrom("h", "c", "x", "q"), expr).map(([n, e]) => `${n}' = ${e}`),
  fc.tuple(fc.constantFrom(...NAMES), expr).map(([n, e]) => `output ${n} = ${e}`),
  fc.constantFrom("output h'", "output c'", "output y"),
  expr.map((e) => `return ${e}`),
);

const body = fc.array(statement, { maxLength: 12 }).map((ss) => ss.map((s) => `  ${s}`).join("\n"));

const cellDef = fc.tuple(fc.constantFrom("C", "LSTM", "D"), fc.array(dimName, { maxLength: 4 }), body).map(([n, ds, b]) => `cell ${n}(${ds.join(", ")}) {\n${b}\n}`);

const fnDef = fc
  .tuple(fc.constantFrom("f", "g2", "tanh", "layernorm"), fc.array(fc.tuple(fc.constantFrom("v", "w", "b"), shape), { maxLength: 3 }), shape, body)
  .map(([n, ps, r, b]) => `fn ${n}(${ps.map(([p, s]) => `${p}: ${s}`).join(", ")}) -> ${r} {\n${b}\n}`);

/** Programs made of cells and functions whose statements are random but mostly well formed. */
export const nearlyWellFormed = fc.array(fc.oneof({ weight: 2, arbitrary: cellDef }, { weight: 1, arbitrary: fnDef }), { minLength: 1, maxLength: 3 }).map((items) => items.join("\n"));

// ---- mutations of real programs ------------------------------------------------------------

export type Mutation =
  | { kind: "delete"; at: number }
  | { kind: "duplicate"; at: number }
  | { kind: "swap"; at: number; with: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "truncate"; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((at) => ({ kind: "delete" as const, at })),
  fc.nat().map((at) => ({ kind: "duplicate" as const, at })),
  fc.tuple(fc.nat(), fc.nat()).map(([at, w]) => ({ kind: "swap" as const, at, with: w })),
  fc.tuple(fc.nat(), unit).map(([at, text]) => ({ kind: "insert" as const, at, text })),
  fc.nat().map((at) => ({ kind: "truncate" as const, at })),
);

/** Applies mutations to the token ranges of `text` (positions are taken modulo the sizes). */
export function mutate(text: string, ranges: readonly [number, number][], mutations: readonly Mutation[]): string {
  // Work on a list of pieces: each token's text followed by the gap up to the next token.
  const pieces: string[] = [text.slice(0, ranges[0]?.[0] ?? text.length)];
  ranges.forEach(([s, e], i) => pieces.push(text.slice(s, e) + text.slice(e, ranges[i + 1]?.[0] ?? text.length)));
  let out = pieces;
  for (const m of mutations) {
    const n = out.length;
    if (n === 0) break;
    const at = m.at % n;
    if (m.kind === "delete") out = [...out.slice(0, at), ...out.slice(at + 1)];
    else if (m.kind === "duplicate") out = [...out.slice(0, at + 1), out[at]!, ...out.slice(at + 1)];
    else if (m.kind === "swap") {
      const w = m.with % n;
      const copy = [...out];
      [copy[at], copy[w]] = [copy[w]!, copy[at]!];
      out = copy;
    } else if (m.kind === "insert") out = [...out.slice(0, at), ` ${m.text} `, ...out.slice(at)];
    else {
      const joined = out.join("");
      return joined.slice(0, m.at % (joined.length + 1));
    }
  }
  return out.join("");
}
