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
