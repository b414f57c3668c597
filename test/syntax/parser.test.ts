import { Lexer } from "chevrotain";
import { describe, expect, it } from "vitest";
import type { DimExpr, Expr, Stmt } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import { ALL_TOKENS, KEYWORDS, rnnLexer } from "../../src/syntax/tokens.js";

/** An expression as an s-expression, so precedence reads at a glance. */
function sexpr(e: Expr): string {
  switch (e.kind) {
    case "number":
      return e.text;
    case "name":
      return e.prime ? `${e.name}'` : e.name;
    case "binary":
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "neg":
      return `(neg ${sexpr(e.operand)})`;
    case "call":
      return `(${e.callee.name}${e.args.map((a) => " " + sexpr(a)).join("")})`;
    case "slice":
      return `(slice ${sexpr(e.target)} ${dimSexpr(e.start)} ${dimSexpr(e.end)})`;
  }
}

function dimSexpr(d: DimExpr): string {
  switch (d.kind) {
    case "dimNum":
      return String(d.value);
    case "dimName":
      return d.name;
    case "dimNeg":
      return `(neg ${dimSexpr(d.operand)})`;
    case "dimBinary":
      return `(${d.op} ${dimSexpr(d.left)} ${dimSexpr(d.right)})`;
  }
}

/** The body of `cell C(I, H) { … }` after parsing, asserting no syntax errors. */
function body(src: string): readonly Stmt[] {
  const r = parse("p.rnn", `cell C(I, H) {\n${src}\n}`);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.program.items[0]!.body as readonly Stmt[];
}

function expr(src: string): string {
  const s = body(`let e = ${src}`)[0]!;
  if (s.kind !== "let") throw new Error("expected a let");
  return sexpr(s.value);
}

describe("expressions and precedence", () => {
  it("`@` binds like `*`, tighter than `+`", () => {
    expect(expr("W @ x + b")).toBe("(+ (@ W x) b)");
    expect(expr("b + W @ x")).toBe("(+ b (@ W x))");
    expect(expr("a * W @ x")).toBe("(@ (* a W) x)");
    expect(expr("W @ x * a")).toBe("(* (@ W x) a)");
  });

  it("binary operators associate to the left", () => {
    expect(expr("a - b - c")).toBe("(- (- a b) c)");
    expect(expr("a / b / c")).toBe("(/ (/ a b) c)");
  });

  it("unary minus binds tighter than any binary operator", () => {
    expect(expr("-a * b")).toBe("(* (neg a) b)");
    expect(expr("1 - -a")).toBe("(- 1 (neg a))");
  });

  it("parentheses, calls, primes and slices", () => {
    expect(expr("(1 - z) * n + z * h")).toBe("(+ (* (- 1 z) n) (* z h))");
    expect(expr("sigmoid(o) * tanh(c')")).toBe("(* (sigmoid o) (tanh c'))");
    expect(expr("concat(h'[0:H], softsign(h))")).toBe("(concat (slice h' 0 H) (softsign h))");
    expect(expr("v[H:2H][0:1]")).toBe("(slice (slice v H (* 2 H)) 0 1)");
    expect(expr("leaky_relu(x, -0.5)")).toBe("(leaky_relu x (neg 0.5))");
    expect(expr("f()")).toBe("(f)");
  });

  it("numbers: integers, decimals, exponents; no sign in the literal", () => {
    expect(expr("1e-5 + .5 + 2. + 3.25E2")).toBe("(+ (+ (+ 1e-5 .5) 2.) 3.25E2)");
  });
});

describe("dimensions in shapes", () => {
  const dims = (shape: string) => {
    const s = body(`param W: ${shape}`)[0]!;
    if (s.kind !== "decl") throw new Error("expected a declaration");
    return s.shape.dims.map(dimSexpr);
  };

  it("juxtaposition is multiplication: 4H, 2(H + 1)", () => {
    expect(dims("[4H, I]")).toEqual(["(* 4 H)", "I"]);
    expect(dims("[2(H + 1)]")).toEqual(["(* 2 (+ H 1))"]);
    expect(dims("[2*H + E]")).toEqual(["(+ (* 2 H) E)"]);
  });

  it("`H - 1` subtracts, and a leading minus negates a term", () => {
    expect(dims("[H - 1]")).toEqual(["(- H 1)"]);
    expect(dims("[-H + 2]")).toEqual(["(+ (neg H) 2)"]);
  });

  it("`[]` is the shape of a scalar", () => {
    expect(dims("[]")).toEqual([]);
  });
});

describe("statements", () => {
  it("declarations with and without initializers", () => {
    const s = body("param W: [4H, I] ~ uniform(-1/sqrt(H), 1/sqrt(H))\nparam b: [H] = 0\nparam G: [H, H] ~ glorot\nstate h: [H]");
    expect(s.map((x) => (x.kind === "decl" ? `${x.declKind} ${x.name.name} ${x.init?.kind ?? "-"}` : x.kind))).toEqual([
      "param W dist",
      "param b const",
      "param G dist",
      "state h -",
    ]);
  });

  it("let, destructuring let, state update and the two forms of output", () => {
    const s = body("let [i, f] = split(v, 2)\nlet r = i\nh' = r\noutput h'\noutput y = r");
    expect(s.map((x) => x.kind)).toEqual(["let", "let", "update", "output", "output"]);
    const [d, , , o1, o2] = s as Stmt[];
    expect(d?.kind === "let" && d.destructure && d.names.map((n) => n.name)).toEqual(["i", "f"]);
    expect(o1?.kind === "output" && [o1.name.name, o1.prime, o1.value]).toEqual(["h", true, undefined]);
    expect(o2?.kind === "output" && o2.value && sexpr(o2.value)).toBe("r");
  });

  it("newlines are not significant: a whole cell on one line", () => {
    const r = parse("p.rnn", "cell E(I, H) { input x: [I] state h: [H] param W: [H, I] h' = tanh(W @ x + h) output h' }");
    expect(r.diagnostics).toEqual([]);
    expect(r.program.items[0]!.body.map((s) => s.kind)).toEqual(["decl", "decl", "decl", "update", "output"]);
  });

  it("comments run to the end of the line", () => {
    const r = parse("p.rnn", "# a cell\ncell E(I, H) { # dims\n  input x: [I] # the input\n}\n# done");
    expect(r.diagnostics).toEqual([]);
    expect(r.program.items[0]!.body).toHaveLength(1);
  });

  it("a function definition", () => {
    const r = parse("p.rnn", "fn layernorm(v: [N], g: [N], b: [N]) -> [N] { return g * v + b }");
    expect(r.diagnostics).toEqual([]);
    const f = r.program.items[0]!;
    expect(f.kind === "fn" && [f.params.map((p) => p.name.name), f.result.dims.length, f.body[0]!.kind]).toEqual([["v", "g", "b"], 1, "return"]);
  });
});

describe("tokens", () => {
  it("keywords are whole words: `cellular` and `letter` are names", () => {
    const tokens = rnnLexer.tokenize("cell cellular let letter fn fnord").tokens.map((t) => t.tokenType.name);
    expect(tokens).toEqual(["Cell", "Identifier", "Let", "Identifier", "Fn", "Identifier"]);
  });

  it("`4H` is a number followed by a name, `->` is one token", () => {
    expect(rnnLexer.tokenize("4H -> -1").tokens.map((t) => t.image)).toEqual(["4", "H", "->", "-", "1"]);
  });

  it("every token has a label for messages, and every keyword is in the table", () => {
    for (const t of ALL_TOKENS) if (t.GROUP !== Lexer.SKIPPED) expect(t.LABEL, t.name).toBeTruthy();
    for (const k of KEYWORDS) expect(ALL_TOKENS).toContain(k);
  });
});

describe("spans", () => {
  it("point at the exact source text", () => {
    const text = "cell E(I, H) {\n  h' = tanh(W @ x)\n}";
    const s = parse("p.rnn", text).program.items[0]!.body[0]!;
    if (s.kind !== "update") throw new Error("expected an update");
    expect(text.slice(s.span.start, s.span.end)).toBe("h' = tanh(W @ x)");
    expect(text.slice(s.value.span.start, s.value.span.end)).toBe("tanh(W @ x)");
    const arg = s.value.kind === "call" ? s.value.args[0]! : undefined;
    expect(arg && arg.kind === "binary" && text.slice(arg.opSpan.start, arg.opSpan.end)).toBe("@");
  });
});

describe("error recovery", () => {
  it("reports every error of a file with several, keeps the intact statements", () => {
    const r = parse("p.rnn", "cell C(I, H) {\n  input x: [I\n  state h: [H]\n  let a = W @ @ x\n  let b = h +)\n  h' = tanh(h)\n}\ncell D(I) { input y: [I }");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["RNN1002", "RNN1003", "RNN1003", "RNN1002"]);
    const c = r.program.items[0]!;
    expect(c.recovered).toBe(true);
    expect(c.body.map((s) => s.kind)).toEqual(["decl", "update"]);
    expect(r.program.items[1]!.name.name).toBe("D");
  });

  it("marks only the items that had errors as recovered", () => {
    const r = parse("p.rnn", "cell A(I) { input x: [I] }\ncell B(I) { input x: [I }\ncell C(I) { input x: [I] }");
    expect(r.program.items.map((i) => `${i.name.name}:${i.recovered === true}`)).toEqual(["A:false", "B:true", "C:false"]);
  });

  it("remembers the names of items it could not build", () => {
    const r = parse("p.rnn", "fn f(v: [N]) -> { return v }\ncell A(I) { input x: [I] }");
    expect(r.program.unparsed?.map((n) => n.name)).toEqual(["f"]);
    expect(r.program.items.map((i) => i.name.name)).toEqual(["A"]);
  });

  it("shows one error per line: the rest of a broken line is the first error's echo", () => {
    const r = parse("p.rnn", "cell C(I, H) {\n  h' = tanh(W $ x)\n}");
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["RNN1001 unexpected character `$`"]);
  });
});
