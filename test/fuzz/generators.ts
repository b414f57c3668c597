import fc from "fast-check";
import { ALL_TOKENS, Comment, Identifier, KEYWORDS, NumberLit, StringLit, WhiteSpace } from "../../src/syntax/tokens.js";

/**
 * Input generators for the no-throw property: random token soup, programs that are nearly
 * well formed (so the checker, not only the parser, gets exercised), and mutations of real
 * programs.
 */

/** The text of every fixed token in the table: keywords and punctuation. */
export const TOKEN_IMAGES: readonly string[] = ALL_TOKENS.filter((t) => ![WhiteSpace, Comment, Identifier, NumberLit, StringLit].includes(t)).map((t) =>
  KEYWORDS.includes(t) ? t.name.toLowerCase() : String(t.PATTERN),
);

/**
 * Import paths (String tokens): files the fuzz tests' reader serves (see `FILES` in
 * no-throw.test.ts), a file importing the fuzzed file back, missing files, a directory, the empty
 * path, and a string never closed on its line.
 */
export const PATHS = ['"lib.rnn"', '"model.rnn"', '"cycle.rnn"', '"broken.rnn"', '"fuzz.rnn"', '"missing.rnn"', '"dir/"', '"../up.rnn"', '""', '"std"', '"unclosed\n'];

const NAMES = ["x", "h", "c", "W", "U", "b", "y", "v", "g", "I", "H", "E", "N", "M", "O", "a", "z", "_t"];
/** Names a model file uses: std cells, sequence functions, losses, the `index` type, `std`. */
const MODEL_NAMES = ["LSTM", "GRU", "Elman", "Linear", "Embedding", "LayerNorm", "layernorm", "reverse", "last", "onehot", "mse", "cross_entropy", "index", "std", "Lstm", "Mine"];
const BUILTIN_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softsign", "hard_sigmoid", "exp", "log", "sqrt", "abs", "pow", "clamp", "dropout", "sum", "mean", "max", "min", "softmax", "concat", "split", "uniform", "normal", "glorot"];

export const identifier = fc.oneof(
  fc.constantFrom(...NAMES, ...BUILTIN_NAMES, ...MODEL_NAMES),
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
  { weight: 1, arbitrary: fc.constantFrom(...PATHS) },
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

// ---- models and imports ----------------------------------------------------------------------

const cellName = fc.constantFrom("LSTM", "GRU", "Elman", "Linear", "Embedding", "LayerNorm", "layernorm", "C", "D", "Lstm", "Nope");

const importDecl = fc.oneof(
  fc.array(fc.constantFrom("LSTM", "GRU", "Elman", "Linear", "Embedding", "LayerNorm", "layernorm", "Lstm", "Nope"), { minLength: 1, maxLength: 4 }).map((ns) => `import ${ns.join(", ")} from std`),
  fc.tuple(fc.array(fc.constantFrom("Mine", "helper", "Tagger", "C", "Nope"), { minLength: 1, maxLength: 3 }), fc.constantFrom(...PATHS)).map(([ns, p]) => `import ${ns.join(", ")} from ${p}`),
  fc.constantFrom(...PATHS).map((p) => `import ${p}`),
  fc.constantFrom("import LSTM from elsewhere", "import from std", "import", "import LSTM,", "import LSTM from"),
);

const modelType = fc.oneof(shape, dimExpr.map((d) => `index(${d})`), fc.tuple(fc.constantFrom("class", "index", "vector"), dimExpr).map(([w, d]) => `${w}(${d})`));

const layerArgs = fc.oneof(
  fc.array(dimExpr, { maxLength: 3 }).map((ds) => ds.join(", ")),
  fc.array(fc.tuple(fc.constantFrom("I", "H", "O", "V", "E", "N", "Q"), dimExpr), { maxLength: 3 }).map((ps) => ps.map(([n, d]) => `${n} = ${d}`).join(", ")),
  fc.tuple(dimExpr, dimExpr).map(([a, b]) => `${a}, H = ${b}`),
);

/** Wiring expressions: layer applications, the sequence functions, and some that a model refuses. */
const modelExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("x", "tokens", "y", "l1", "l2", "h", "nope"),
    fc.tuple(fc.constantFrom("l1", "l2", "l3", "reverse", "last", "onehot", "concat", "x", "split", "tanh"), fc.array(tie("e"), { maxLength: 3 })).map(([f, args]) => `${f}(${args.join(", ")})`),
    fc.tuple(tie("e"), fc.constantFrom("+", "*", "@"), tie("e")).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.constantFrom("1", "h'", "x[0:I]"),
  ),
})).e;

const modelStatement = fc.oneof(
  fc.tuple(fc.constantFrom("input", "target"), fc.constantFrom("x", "tokens", "y", "label"), modelType).map(([k, n, t]) => `${k} ${n}: ${t}`),
  fc.tuple(fc.constantFrom("l1", "l2", "l3"), cellName, layerArgs).map(([n, c, a]) => `layer ${n} = ${c}(${a})`),
  fc.tuple(fc.constantFrom("h", "a", "b", "_c"), modelExpr).map(([n, e]) => `let ${n} = ${e}`),
  fc.tuple(fc.array(fc.constantFrom("h", "c", "a"), { minLength: 1, maxLength: 3 }), modelExpr).map(([ns, e]) => `let [${ns.join(", ")}] = ${e}`),
  fc.tuple(fc.constantFrom("y", "pred", "h"), modelExpr).map(([n, e]) => `output ${n} = ${e}`),
  fc.constantFrom("output h", "output h'", "output pred"),
  fc.tuple(fc.constantFrom("mse", "cross_entropy", "l1", "mean"), fc.array(modelExpr, { maxLength: 3 })).map(([f, args]) => `loss ${f}(${args.join(", ")})`),
  modelExpr.map((e) => `loss ${e}`),
);

const modelDef = fc
  .tuple(fc.constantFrom("M", "Tagger", "C"), fc.array(dimName, { maxLength: 4 }), fc.array(modelStatement, { maxLength: 10 }))
  .map(([n, ds, ss]) => `model ${n}(${ds.join(", ")}) {\n${ss.map((s) => `  ${s}`).join("\n")}\n}`);

/**
 * A model of plausible parts — std layers of widths I, H, 2H, O, V; wiring through layers,
 * `reverse`, `concat`, `last`, `onehot`; a loss — so that many reach the wiring checks (widths,
 * ids, timing, layers applied twice) and some check clean.
 */
const width = fc.constantFrom("I", "H", "2H", "O", "V");
const wire = (leaves: readonly string[]): fc.Arbitrary<string> => fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 2, arbitrary: fc.constantFrom(...leaves) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom("l1", "l2", "l3"), tie("e")).map(([l, a]) => `${l}(${a})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("reverse", "last", "onehot"), tie("e")).map(([f, a]) => `${f}(${a})`) },
    { weight: 1, arbitrary: fc.tuple(tie("e"), tie("e")).map(([a, b]) => `concat(${a}, ${b})`) },
  ),
})).e;
const plausibleModel = fc
  .tuple(
    fc.constantFrom("input x: [I]", "input x: index(V)"),
    fc.constantFrom("target y: [O]", "target y: index(O)", "target y: [H]"),
    fc.array(fc.tuple(fc.constantFrom("LSTM", "GRU", "Elman", "Linear", "Embedding", "LayerNorm"), width, width, fc.boolean()), { minLength: 1, maxLength: 3 }),
    // Each let reads the input and the lets above it.
    fc.tuple(wire(["x"]), wire(["x", "a"]), wire(["x", "a", "b"]), fc.integer({ min: 1, max: 3 })).map(([a, b, p, n]) => [a, b, p].slice(0, n)),
    fc.constantFrom("mse", "cross_entropy"),
    fc.constantFrom("p", "last(p)"),
    fc.constantFrom("", "  loss mse(p, y)", "  loss mse(last(p), y)", "  loss cross_entropy(a, y)"),
  )
  .map(([input, target, layers, lets, loss, pred, second]) =>
    [
      "import LSTM, GRU, Elman, Linear, Embedding, LayerNorm from std",
      "model M(V, I, H, O) {",
      `  ${input}`,
      `  ${target}`,
      ...layers.map(([c, a, b, named], i) => `  layer l${i + 1} = ${c}(${c === "LayerNorm" ? a : named ? `${c === "Embedding" ? "V" : c === "Linear" ? "I" : "I"} = ${a}, ${c === "Embedding" ? "E" : c === "Linear" ? "O" : "H"} = ${b}` : `${a}, ${b}`})`),
      ...lets.map((e, i) => `  let ${["a", "b", "p"][i]} = ${e}`),
      ...(lets.length < 3 ? [`  let p = ${lets.length === 1 ? "a" : "b"}`] : []),
      "  output p",
      `  loss ${loss}(${pred}, y)`,
      ...(second ? [second] : []),
      "}",
    ].join("\n"),
  );

/**
 * Files of imports, cells, functions and models whose statements are random but mostly well
 * formed, so the checker (and the model checker and the import resolver), not only the parser,
 * gets exercised.
 */
export const nearlyWellFormed = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.array(importDecl, { maxLength: 2 }),
        fc.array(fc.oneof({ weight: 2, arbitrary: cellDef }, { weight: 1, arbitrary: fnDef }, { weight: 1, arbitrary: modelDef }), { minLength: 1, maxLength: 3 }),
      )
      .map(([imports, items]) => [...imports, ...items].join("\n")),
  },
  { weight: 1, arbitrary: plausibleModel },
);

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
