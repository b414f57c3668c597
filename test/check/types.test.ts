import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shapeToString } from "../../src/core/dims.js";
import type { Expr } from "../../src/syntax/ast.js";
import { cell, expectNoIssues } from "./helpers.js";

/** The shape recorded for the first expression whose source text is exactly `snippet`. */
function shapeOf(text: string, snippet: string, types: ReadonlyMap<Expr, readonly unknown[]>): string | undefined {
  for (const [e, shape] of types) {
    if (text.slice(e.span.start, e.span.end) === snippet) return shapeToString(shape as never);
  }
  return undefined;
}

describe("the shapes the checker records for expressions", () => {
  it("LSTM: matrix-vector products, sums, split parts and gates", () => {
    const text = readFileSync(join(import.meta.dirname, "acceptance/lstm.rnn"), "utf8");
    const r = expectNoIssues(text);
    const types = r.checked!.types;
    expect(shapeOf(text, "W_ih @ x", types)).toBe("[4H]");
    expect(shapeOf(text, "W_ih @ x + b_ih + W_hh @ h + b_hh", types)).toBe("[4H]");
    expect(shapeOf(text, "sigmoid(f)", types)).toBe("[H]");
    expect(shapeOf(text, "sigmoid(o) * tanh(c')", types)).toBe("[H]");
    expect(shapeOf(text, "c'", types)).toBe("[H]");
  });

  it("scalars broadcast, reductions give scalars, concat adds rows, slices cut rows", () => {
    const text = cell(
      [
        "  param W: [H, I]",
        "  param V: [H, 2H]",
        "  let s = sum(x)",
        "  let m = 1 - s * 2",
        "  let k = concat(h, W @ x)",
        "  let top = k[0:H]",
        "  let p = softmax(V @ k)",
        "  h' = tanh(top + p * m)",
      ].join("\n"),
    );
    const r = expectNoIssues(text);
    const types = r.checked!.types;
    expect(shapeOf(text, "sum(x)", types)).toBe("[]");
    expect(shapeOf(text, "1 - s * 2", types)).toBe("[]");
    expect(shapeOf(text, "concat(h, W @ x)", types)).toBe("[2H]");
    expect(shapeOf(text, "k[0:H]", types)).toBe("[H]");
    expect(shapeOf(text, "softmax(V @ k)", types)).toBe("[H]");
    expect(shapeOf(text, "p * m", types)).toBe("[H]");
  });

  it("vector @ matrix and matrix @ matrix", () => {
    const text = cell("  param A: [I, H]\n  param B: [H, I]\n  let v = x @ A\n  let M = B @ A\n  h' = tanh(M @ v)");
    const r = expectNoIssues(text);
    expect(shapeOf(text, "x @ A", r.checked!.types)).toBe("[H]");
    expect(shapeOf(text, "B @ A", r.checked!.types)).toBe("[H, H]");
  });
});

describe("dimension-polymorphic functions are instantiated at each call", () => {
  it("infers N := 4H and N := H for layernorm in the layer-normalised LSTM", () => {
    const text = readFileSync(join(import.meta.dirname, "../../examples/layernorm_lstm.rnn"), "utf8");
    const r = expectNoIssues(text);
    const bindings = [...r.checked!.callBindings].map(([call, b]) => `${text.slice(call.span.start, call.span.end)}: ${[...b].map(([n, d]) => `${n} := ${d}`).join(", ")}`);
    expect(bindings).toEqual([
      "layernorm(W_ih @ x, g_ih, b_ih): N := 4H",
      "layernorm(W_hh @ h, g_hh, b_hh): N := 4H",
      "layernorm(c', g_c, b_c): N := H",
    ]);
    const sig = r.checked!.fns.get("layernorm")!;
    expect(sig.dims).toEqual(["N"]);
    expect(shapeToString(sig.result)).toBe("[N]");
  });

  it("solves 2N = 4H for N := 2H and substitutes into the result", () => {
    const text = `fn fold(v: [2N], w: [N, M]) -> [M] {\n  let [a, b] = split(v, 2)\n  return (a + b) @ w\n}\n${cell("  param W: [4H, I]\n  param U: [2H, H]\n  h' = tanh(fold(W @ x, U))")}`;
    const r = expectNoIssues(text);
    const entries = [...r.checked!.callBindings];
    expect(entries).toHaveLength(1);
    const [call, binding] = entries[0]!;
    expect(text.slice(call.span.start, call.span.end)).toBe("fold(W @ x, U)");
    expect([...binding].map(([n, d]) => `${n} := ${d}`)).toEqual(["N := 2H", "M := H"]);
    expect(shapeOf(text, "fold(W @ x, U)", r.checked!.types)).toBe("[H]");
  });

  it("a function may call a function defined below it", () => {
    expectNoIssues(`fn outer(v: [N]) -> [N] {\n  return inner(v) * 2\n}\nfn inner(v: [N]) -> [N] {\n  return tanh(v)\n}\n${cell("  h' = outer(h) + sum(x)")}`);
  });
});
