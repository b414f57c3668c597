import { describe, expect, it } from "vitest";
import type { InitConstExpr, InitSpecData } from "../../src/runtime/random.js";
import { cell, checkText, expectCodes, expectNoIssues } from "./helpers.js";

/** Initializers as text, so a test reads like the source: `uniform(-(1 / sqrt(H)), 1 / sqrt(H))`. */
function initText(init: InitSpecData): string {
  const c = (e: InitConstExpr): string => {
    switch (e.kind) {
      case "num":
        return String(e.value);
      case "dim":
        return e.name;
      case "neg":
        return `-(${c(e.operand)})`;
      case "sqrt":
        return `sqrt(${c(e.operand)})`;
      case "bin":
        return `${c(e.left)} ${e.op} ${c(e.right)}`;
    }
  };
  if (init.kind === "uniform") return `uniform(${c(init.low)}, ${c(init.high)})`;
  if (init.kind === "normal") return `normal(${c(init.mean)}, ${c(init.std)})`;
  if (init.kind === "const") return `= ${c(init.value)}`;
  return "glorot";
}

describe("initializers", () => {
  it("records each written initializer, and PyTorch's default for the rest", () => {
    const r = expectNoIssues(
      cell(
        [
          "  param A: [H, I] ~ uniform(-0.5, 0.5)",
          "  param B: [H, I] ~ normal(0, 1 / sqrt(I))",
          "  param C: [H, I] ~ glorot",
          "  param b: [H] = 0",
          "  param D: [H, I]",
          "  h' = tanh(A @ x + B @ x + C @ x + D @ x + b)",
        ].join("\n"),
      ),
    );
    expect(r.checked!.cells[0]!.params.map((p) => `${p.name} ${initText(p.init)}`)).toEqual([
      "A uniform(-(0.5), 0.5)",
      "B normal(0, 1 / sqrt(I))",
      "C glorot",
      "b = 0",
      "D uniform(-(1 / sqrt(H)), 1 / sqrt(H))",
    ]);
  });

  it("the default uses the length of the first declared state", () => {
    const r = expectNoIssues("cell C(I, H) {\n  input x: [I]\n  state s: [2H]\n  state h: [H]\n  param W: [2H, I]\n  s' = W @ x\n  h' = s[0:H]\n}\n");
    expect(initText(r.checked!.cells[0]!.params[0]!.init)).toBe("uniform(-(1 / sqrt(2 * H)), 1 / sqrt(2 * H))");
  });
});

describe("scalar states", () => {
  it("a cell may carry a scalar; the default initializer then uses H = 1", () => {
    const r = expectNoIssues("cell Acc(I) {\n  input x: [I]\n  state s: []\n  param w: [I]\n  s' = s + sum(w * x)\n  output s'\n}\n");
    expect(initText(r.checked!.cells[0]!.params[0]!.init)).toBe("uniform(-(1 / sqrt(1)), 1 / sqrt(1))");
  });
});

describe("built-in functions", () => {
  it("leaky_relu and elu take an optional literal slope", () => {
    expectNoIssues(cell("  h' = leaky_relu(h, 0.2) + elu(h) + elu(h, -1.5) + leaky_relu(h) + sum(x)"));
    expectCodes(cell("  h' = leaky_relu(h, 0.2, 3) + sum(x)"), ["RNN5001"]);
  });

  it("every elementwise function keeps its argument's shape", () => {
    const fns = ["sigmoid", "tanh", "relu", "softplus", "softsign", "hard_sigmoid", "exp", "log", "sqrt", "abs"];
    // and so do those with literal arguments, and max/min of two
    expectNoIssues(cell("  param W: [H, I]\n  let m = clamp(W, 0, 1) + pow(W, 3) + max(W, 0)\n  h' = m @ x"));
    expectNoIssues(cell(`  h' = ${fns.map((f) => `${f}(h)`).join(" + ")} + sum(x)`));
  });

  it("max and min: one argument reduces, two are elementwise with a scalar broadcast", () => {
    expectNoIssues(cell("  h' = max(h, 0) + min(0.5, h) + max(h, h * 2) + h * (max(x) - min(x))"));
    expectCodes(cell("  h' = max(h, x)"), ["RNN5002"]);
    expectCodes(cell("  h' = h + min(h, h, h) + sum(x)"), ["RNN5001"]);
  });

  it("clamp and pow take number literals", () => {
    expectNoIssues(cell("  h' = clamp(h, -1, 1) + clamp(h, 0, 0) + pow(h, 2) + pow(h, -0.5) + sum(x)"));
    expectCodes(cell("  h' = clamp(h, 1, 0) + sum(x)"), ["RNN5010"]);
    expectCodes(cell("  h' = clamp(h, sum(x), 1)"), ["RNN5006"]);
    expectCodes(cell("  h' = pow(h) + sum(x)"), ["RNN5001"]);
  });

  it("reductions need a vector", () => {
    expectNoIssues(cell("  h' = h * (sum(x) + mean(x) + max(x))"));
    expectCodes(cell("  param W: [H, I]\n  h' = h * mean(W) + sum(x)"), ["RNN3005"]);
  });
});

describe("names, states and outputs", () => {
  it("a name starting with `_` is not reported when unused", () => {
    expectNoIssues(cell("  param _spare: [H]\n  let _tmp = 2 * h\n  h' = h + sum(x)"));
  });

  it("`h'` may be read after it is defined, and output by name", () => {
    expectNoIssues(cell("  h' = tanh(h + sum(x))\n  let y2 = h' * h'\n  output h'\n  output y = y2"));
  });

  it("outputs of a plain name are allowed", () => {
    expectNoIssues(cell("  let z = tanh(h + sum(x))\n  h' = z\n  output z"));
  });
});

describe("after a syntax error the checker stays quiet about its consequences", () => {
  it("a declaration lost to a syntax error is not reported as undefined, unused or never updated", () => {
    // `state c: [H` loses its `]`: c's declaration is dropped. Without recovery-awareness this
    // would also say "`c` is not defined" and "`x` is never used".
    const r = checkText("cell C(I, H) {\n  input x: [I]\n  state h: [H]\n  state c: [H\n  h' = tanh(h + c + sum(x))\n  c' = c\n}\n");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["RNN1002"]);
  });

  it("but a shape error in an intact statement is still reported", () => {
    const r = checkText("cell C(I, H) {\n  input x: [I]\n  state h: [H]\n  let a = h + * 2\n  h' = h + x\n}\n");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["RNN1003", "RNN3001"]);
  });

  it("a function whose header is broken is not reported as unknown where it is called", () => {
    const r = checkText(`fn norm(v: [N]) -> {\n  return v\n}\n${cell("  h' = norm(h) + sum(x)")}`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["RNN1002"]);
    expect(r.program.unparsed?.map((n) => n.name)).toEqual(["norm"]);
  });
});
