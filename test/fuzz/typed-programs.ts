import fc from "fast-check";

/**
 * Random programs that are well typed by construction: a fixed set of declarations, and
 * expressions generated for a target shape from rules that mirror the language's shape rules.
 * The checker must accept every one of them (no false errors), and the lowering must turn each
 * into a verified IR graph.
 */

type S = "H" | "2H" | "I" | "S" | "HxI" | "HxH";

/** What each declared name is, by shape. */
const NAMES: Record<S, string[]> = {
  H: ["h", "b", "p0", "p1"],
  "2H": ["c", "B"],
  I: ["x"],
  S: ["s"],
  HxI: ["W"],
  HxH: ["U"],
};

export const DECLARATIONS = [
  "  input x: [I]",
  "  state h: [H]",
  "  state c: [2H]",
  "  state s: []",
  "  param W: [H, I] ~ glorot",
  "  param U: [H, H]",
  "  param V: [2H, H] ~ normal(0, 1/sqrt(H))",
  "  param b: [H] = 0",
  "  param B: [2H] ~ uniform(-0.1, 0.1)",
].join("\n");

/** A function the expressions may call: polymorphic in N. */
export const FUNCTIONS = "fn mix(a: [N], g: [N]) -> [N] {\n  let d = a - mean(a)\n  return g * d / sqrt(mean(d * d) + 1e-5)\n}\n";

const ELEMENTWISE = ["sigmoid", "tanh", "relu", "softplus", "softsign", "hard_sigmoid", "abs"];
const POSITIVE = ["exp", "sqrt", "log"];

/** What an expression may read besides the declarations: the split parts `p0, p1`, and `h'`. */
interface Env {
  readonly parts: boolean;
  readonly prime: boolean;
}

function expr(shape: S, depth: number, env: Env): fc.Arbitrary<string> {
  const names = NAMES[shape].filter((n) => env.parts || !n.startsWith("p"));
  const leaf = fc.constantFrom(...names);
  if (depth <= 0) return shape === "S" ? fc.oneof(leaf, fc.constantFrom("1", "0.5", "2")) : leaf;
  const sub = (s: S) => expr(s, depth - 1, env);
  const common: fc.Arbitrary<string>[] = [
    leaf,
    fc.tuple(sub(shape), fc.constantFrom("+", "-", "*"), sub(shape)).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(sub("S"), sub(shape)).map(([k, a]) => `(${k} * ${a})`),
    fc.tuple(fc.constantFrom(...ELEMENTWISE), sub(shape)).map(([f, a]) => `${f}(${a})`),
    fc.tuple(fc.constantFrom(...POSITIVE), sub(shape)).map(([f, a]) => `${f}(abs(${a}) + 1)`),
    fc.tuple(sub(shape), fc.constantFrom("0.2", "-0.5")).map(([a, k]) => `leaky_relu(${a}, ${k})`),
    sub(shape).map((a) => `elu(${a})`),
    fc.tuple(fc.constantFrom("max", "min"), sub(shape), sub(shape)).map(([f, a, b]) => `${f}(${a}, ${b})`),
    fc.tuple(fc.constantFrom("max", "min"), sub(shape), sub("S")).map(([f, a, k]) => `${f}(${k}, ${a})`),
    sub(shape).map((a) => `clamp(${a}, -1, 0.5)`),
    fc.tuple(sub(shape), fc.constantFrom("2", "3", "-1.5", "0.5")).map(([a, k]) => (k === "2" || k === "3" ? `pow(${a}, ${k})` : `pow(abs(${a}) + 1, ${k})`)),
    sub(shape).map((a) => `dropout(${a}, 0.25)`),
    sub(shape).map((a) => `(-${a})`),
  ];
  const specific: Record<S, fc.Arbitrary<string>[]> = {
    H: [
      sub("I").map((a) => `(W @ ${a})`),
      sub("H").map((a) => `(U @ ${a})`),
      sub("2H").map((a) => `${a}[0:H]`),
      sub("2H").map((a) => `${a}[H:2H]`),
      fc.tuple(sub("H"), sub("H")).map(([a, g]) => `mix(${a}, ${g})`),
      sub("H").map((a) => `softmax(${a})`),
      sub("H").map((a) => `(${a} @ U)`),
      ...(env.prime ? [fc.constant("h'")] : []),
    ],
    "2H": [
      sub("H").map((a) => `(V @ ${a})`),
      fc.tuple(sub("H"), sub("H")).map(([a, b]) => `concat(${a}, ${b})`),
      fc.tuple(sub("2H"), sub("2H")).map(([a, g]) => `mix(${a}, ${g})`),
    ],
    I: [sub("H").map((a) => `(${a} @ W)`)],
    S: [
      sub("H").map((a) => `sum(${a})`),
      sub("I").map((a) => `mean(${a})`),
      sub("2H").map((a) => `max(${a})`),
      fc.constantFrom("1", "0.5", "2", "1e-3"),
    ],
    HxI: [fc.tuple(sub("HxH"), sub("HxI")).map(([a, b]) => `(${a} @ ${b})`)],
    HxH: [fc.tuple(sub("HxH"), sub("HxH")).map(([a, b]) => `(${a} @ ${b})`)],
  };
  return fc.oneof({ depthSize: "small" }, ...common, ...specific[shape]);
}

/**
 * A cell whose `h'` is defined first (so the rest may read it), then `c'`, `s'`, a split of a
 * `[2H]` value and an output.
 */
export const wellTypedCell = fc
  .tuple(
    expr("H", 3, { parts: true, prime: false }),
    expr("2H", 3, { parts: true, prime: true }),
    expr("S", 2, { parts: true, prime: true }),
    expr("2H", 2, { parts: false, prime: false }),
    expr("H", 2, { parts: true, prime: true }),
    fc.boolean(),
  )
  .map(([hNext, cNext, sNext, toSplit, out, useParts]) =>
    [
      FUNCTIONS,
      "cell T(I, H) {",
      DECLARATIONS,
      `  let [p0, p1] = split(${toSplit}, 2)`,
      `  h' = ${hNext}`,
      `  c' = ${cNext}`,
      `  s' = ${sNext}`,
      `  output y = ${out}${useParts ? " + p0 * p1" : ""}`,
      "  output c'",
      // Every declaration read at least once, so the program is free of warnings too.
      "  let _all = sum(x) + sum(b) + sum(B) + sum(V @ h) + sum(W @ x) + sum(U @ h) + s + sum(p0 + p1)",
      "}",
    ].join("\n"),
  );

// ---- models ------------------------------------------------------------------------------------

/** A model well typed by construction, with what the checker must find in it. */
export interface TypedModel {
  readonly text: string;
  /** The number of `layer` lines, and of layer applications (runs). */
  readonly layers: number;
  readonly runs: number;
  /** The width of what each layer run reads, in order of application, in the checker's normal form. */
  readonly fed: readonly string[];
  readonly timing: "step" | "once";
  readonly loss: "mse" | "cross_entropy";
}

/** What a stage reads: vectors of a width, or ids below V (which a layer of input V reads one-hot). */
type Cur = { readonly width: string; readonly ids: boolean };

type Stage = "recurrent" | "bidirectional" | "linear" | "norm" | "embed" | "onehot";

interface Built {
  lines: string[];
  layers: number;
  runs: number;
  fed: string[];
}

/** Appends one stage reading `prev` (a name) of type `cur`; returns the new type. */
function stage(kind: Stage, cell: string, named: boolean, prev: string, cur: Cur, k: number, b: Built): Cur {
  const args = (names: [string, string], values: [string, string]) => (named ? `${names[0]} = ${values[0]}, ${names[1]} = ${values[1]}` : `${values[0]}, ${values[1]}`);
  const let_ = (e: string) => b.lines.push(`  let s${k} = ${e}`);
  switch (kind) {
    case "recurrent":
      b.lines.push(`  layer r${k} = ${cell}(${args(["I", "H"], [cur.width, "H"])})`);
      let_(`r${k}(${prev})`);
      b.layers += 1;
      b.runs += 1;
      b.fed.push(cur.width);
      return { width: "H", ids: false };
    case "bidirectional":
      b.lines.push(`  layer f${k} = ${cell}(${args(["I", "H"], [cur.width, "H"])})`, `  layer b${k} = ${cell}(${args(["I", "H"], [cur.width, "H"])})`);
      let_(`concat(f${k}(${prev}), reverse(b${k}(reverse(${prev}))))`);
      b.layers += 2;
      b.runs += 2;
      b.fed.push(cur.width, cur.width);
      return { width: "2H", ids: false };
    case "linear":
      b.lines.push(`  layer p${k} = Linear(${args(["I", "O"], [cur.width, "E"])})`);
      let_(`p${k}(${prev})`);
      b.layers += 1;
      b.runs += 1;
      b.fed.push(cur.width);
      return { width: "E", ids: false };
    case "norm":
      b.lines.push(`  layer n${k} = LayerNorm(${named ? `N = ${cur.width}` : cur.width})`);
      let_(`n${k}(${prev})`);
      b.layers += 1;
      b.runs += 1;
      b.fed.push(cur.width);
      return { width: cur.width, ids: false };
    case "embed":
      b.lines.push(`  layer e${k} = Embedding(${args(["V", "E"], ["V", "E"])})`);
      let_(`e${k}(${prev})`);
      b.layers += 1;
      b.runs += 1;
      b.fed.push(cur.width);
      return { width: "E", ids: false };
    case "onehot":
      let_(`onehot(${prev})`);
      return { width: "V", ids: false };
  }
}

/**
 * Models of 1–4 stages over std layers — recurrent (LSTM, GRU, Elman), bidirectional pairs joined
 * by `concat` and `reverse`, Linear, LayerNorm, and for an id input Embedding, `onehot` or ids fed
 * straight to a layer of input V — then optionally `last`, a Linear readout to O, and a loss.
 * Dimensions are given by position or by name.
 */
export const wellTypedModel: fc.Arbitrary<TypedModel> = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(fc.constantFrom<Stage>("recurrent", "bidirectional", "linear", "norm"), fc.constantFrom("LSTM", "GRU", "Elman"), fc.boolean()), { minLength: 1, maxLength: 4 }),
    fc.constantFrom<Stage | "ids">("embed", "onehot", "ids"),
    fc.boolean(),
    fc.constantFrom<"mse" | "cross_entropy">("mse", "cross_entropy"),
  )
  .map(([idsInput, stages, first, useLast, loss]) => {
    const b: Built = { lines: [], layers: 0, runs: 0, fed: [] };
    let cur: Cur = idsInput ? { width: "V", ids: true } : { width: "I", ids: false };
    let prev = idsInput ? "tokens" : "x";
    let k = 0;
    if (idsInput && first !== "ids") {
      cur = stage(first, "", false, prev, cur, ++k, b);
      prev = `s${k}`;
    }
    for (const [kind, cell, named] of stages) {
      cur = stage(kind, cell, named, prev, cur, ++k, b);
      prev = `s${k}`;
    }
    if (useLast) b.lines.push(`  let final = last(${prev})`);
    b.lines.push(`  layer readout = Linear(${cur.width}, O)`, `  output pred = readout(${useLast ? "final" : prev})`);
    b.layers += 1;
    b.runs += 1;
    b.fed.push(cur.width);
    const target = loss === "mse" ? "target y: [O]" : "target y: index(O)";
    const text = [
      "import LSTM, GRU, Elman, Linear, LayerNorm, Embedding from std",
      "",
      "model T(V, I, E, H, O) {",
      idsInput ? "  input tokens: index(V)" : "  input x: [I]",
      `  ${target}`,
      ...b.lines,
      `  loss ${loss}(pred, y)`,
      "}",
    ].join("\n");
    return { text, layers: b.layers, runs: b.runs, fed: b.fed, timing: useLast ? "once" : "step", loss } as const;
  });
