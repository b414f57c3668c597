import { describe, expect, it } from "vitest";
import type { CheckedModel, ModelNode } from "../../src/check/model-types.js";
import { checkSource } from "../../src/compiler.js";

/**
 * Model expressions, by example (docs/language.md §8, "Pooling over time" and "Elementwise
 * expressions"): what the checker makes of pooling, numbers and elementwise built-ins between
 * sequences — each node as `op(args) [width] timing` — and what it refuses. Malformed programs with
 * their full diagnostics are test/cases/150–159.
 */

function check(body: string, header = "model M(I, H) {\n  input x: [I]\n  layer rnn = GRU(I, H)\n  let h = rnn(x)\n") {
  return checkSource("model.rnn", `import GRU, Linear from std\n\n${header}${body}\n}\n`);
}

/** The model of a clean file. */
function model(body: string): CheckedModel {
  const r = check(body);
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return r.checked!.models[0]!;
}

/** The nodes after the input and the layer's output, as `op(args) [width] timing`. */
function nodes(m: CheckedModel): string[] {
  const show = (n: ModelNode): string => {
    switch (n.op) {
      case "binary":
        return `${n.fn}(${n.args.map((a) => `%${a}`).join(", ")})`;
      case "unary":
        return `${n.fn}(%${n.arg}${Object.entries(n.attrs).map(([k, v]) => `, ${k}=${v}`).join("")})`;
      case "number":
        return `${n.value}`;
      case "concat":
        return `concat(${n.args.map((a) => `%${a}`).join(", ")})`;
      case "input":
      case "apply":
        return n.op;
      default:
        return `${n.op}(%${n.arg})`;
    }
  };
  return m.nodes.slice(2).map((n) => `%${n.id} = ${show(n)}${n.op === "number" ? "" : ` [${n.type.kind === "vector" ? n.type.width : ""}] ${n.timing}`}`);
}

const codes = (body: string) => check(body).diagnostics.map((d) => d.code);

describe("pooling over time: a per-step sequence → one value per sequence, of the same width", () => {
  it("mean_over_time and max_over_time of a layer's outputs, side by side", () => {
    expect(nodes(model("  output y = concat(mean_over_time(h), max_over_time(h))"))).toEqual([
      "%2 = mean_over_time(%1) [H] once",
      "%3 = max_over_time(%1) [H] once",
      "%4 = concat(%2, %3) [2H] once",
    ]);
  });

  it("refuses a per-sequence argument, ids and a second argument", () => {
    expect(codes("  output y = mean_over_time(last(h))")).toEqual(["RNN3005"]);
    expect(codes("  output y = max_over_time(mean_over_time(h))")).toEqual(["RNN3005"]);
    expect(checkSource("m.rnn", "model M(V) {\n  input t: index(V)\n  output y = mean_over_time(t)\n}\n").diagnostics.map((d) => d.code)).toEqual(["RNN3005"]);
    expect(codes("  output y = max_over_time(h, h)")).toEqual(["RNN5001"]);
  });
});

describe("numbers and elementwise built-ins between sequences", () => {
  it("a number is an operand of its own, on either side: `0.5 * (a + b)`, `2 - a`, `a / 2`, `-a`", () => {
    expect(nodes(model("  output y = 0.5 * (h + h) - (2 - h) / 2 + -h"))).toEqual([
      "%2 = add(%1, %1) [H] step",
      "%3 = 0.5",
      "%4 = mul(%3, %2) [H] step",
      "%5 = 2",
      "%6 = sub(%5, %1) [H] step",
      "%7 = 2",
      "%8 = div(%6, %7) [H] step",
      "%9 = sub(%4, %8) [H] step",
      "%10 = neg(%1) [H] step",
      "%11 = add(%9, %10) [H] step",
    ]);
  });

  it("the one-argument built-ins of cells, with their number arguments", () => {
    expect(nodes(model("  output y = clamp(tanh(h), -0.5, 0.5) + pow(h, 3) + leaky_relu(h) + leaky_relu(h, 0.2)"))).toEqual([
      "%2 = tanh(%1) [H] step",
      "%3 = clamp(%2, lo=-0.5, hi=0.5) [H] step",
      "%4 = pow(%1, exponent=3) [H] step",
      "%5 = add(%3, %4) [H] step",
      "%6 = leaky_relu(%1) [H] step",
      "%7 = add(%5, %6) [H] step",
      "%8 = leaky_relu(%1, alpha=0.2) [H] step",
      "%9 = add(%7, %8) [H] step",
    ]);
    for (const f of ["sigmoid", "tanh", "relu", "elu", "softplus", "softsign", "hard_sigmoid", "exp", "log", "sqrt", "abs"]) {
      expect(nodes(model(`  output y = ${f}(h)`)), f).toEqual([`%2 = ${f}(%1) [H] step`]);
    }
  });

  it("two-argument max and min are elementwise (PyTorch's maximum/minimum), a number on either side", () => {
    expect(nodes(model("  output y = max(h, 0) + min(1, h)"))).toEqual([
      "%2 = 0",
      "%3 = maximum(%1, %2) [H] step",
      "%4 = 1",
      "%5 = minimum(%4, %1) [H] step",
      "%6 = add(%3, %5) [H] step",
    ]);
  });

  it("a per-sequence operand is broadcast over the steps: the result is per step", () => {
    expect(nodes(model("  let ctx = mean_over_time(h)\n  output y = h * ctx\n  output z = ctx + last(h)"))).toEqual([
      "%2 = mean_over_time(%1) [H] once",
      "%3 = mul(%1, %2) [H] step",
      "%4 = last(%1) [H] once",
      "%5 = add(%2, %4) [H] once",
    ]);
  });

  it("widths are compared in normal form: [2H] and [H + H] are one width", () => {
    expect(nodes(model("  layer both = Linear(H, H + H)\n  output y = concat(h, h) - both(h)"))).toEqual([
      "%2 = concat(%1, %1) [2H] step",
      "%3 = apply [2H] step",
      "%4 = sub(%2, %3) [2H] step",
    ]);
  });

  it("refuses operands of different widths, ids, a number where a sequence is needed, and numbers only", () => {
    expect(codes("  output y = h + x")).toEqual(["RNN3005"]);
    expect(codes("  output y = max(h, x)")).toEqual(["RNN3005"]);
    expect(checkSource("m.rnn", "model M(V) {\n  input t: index(V)\n  output y = t * 2\n}\n").diagnostics.map((d) => d.code)).toEqual(["RNN3005"]);
    expect(codes("  output y = 2\n  output z = h")).toEqual(["RNN3023"]);
    expect(codes("  layer lin = Linear(I, H)\n  output y = lin(3) + h")).toEqual(["RNN3023"]);
    expect(codes("  output y = tanh(-1) + h")).toEqual(["RNN3023"]);
    expect(codes("  output y = h + 2 * 3")).toEqual(["RNN3023"]);
  });

  it("refuses a non-constant exponent, bound or slope, reversed bounds and wrong argument counts", () => {
    expect(codes("  output y = pow(h, h)")).toEqual(["RNN5006"]);
    expect(codes("  output y = clamp(h, 0, h)")).toEqual(["RNN5006"]);
    expect(codes("  output y = leaky_relu(h, h)")).toEqual(["RNN5006"]);
    expect(codes("  output y = clamp(h, 1, 0)")).toEqual(["RNN5010"]);
    expect(codes("  output y = pow(h)")).toEqual(["RNN5001"]);
    expect(codes("  output y = sigmoid(h, 1)")).toEqual(["RNN5001"]);
    expect(codes("  output y = max(h, h, h)")).toEqual(["RNN5001"]);
  });

  it("still refuses what mixes one vector's features or belongs to cells: softmax, sum, one-argument max, @, slices", () => {
    expect(codes("  output y = softmax(h)")).toEqual(["RNN4003"]);
    expect(codes("  output y = sum(h)")).toEqual(["RNN4003"]);
    expect(codes("  output y = max(h)")).toEqual(["RNN4003"]);
    expect(codes("  output y = h @ h")).toEqual(["RNN4003"]);
    expect(codes("  output y = h[0:1]")).toEqual(["RNN4003"]);
  });
});
