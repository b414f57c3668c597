import { describe, expect, it } from "vitest";
import { evalDimExpr } from "../../src/check/dim-exprs.js";
import { Dim, shapeToString } from "../../src/core/dims.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";

/** The dimension written as `text` in a shape, through the real parser and `evalDimExpr`. */
function dim(text: string, names = ["H", "E", "I"]): { dim?: Dim; codes: string[] } {
  const src = `cell C(${names.join(", ")}) { input x: [${text}] }`;
  const parsed = parse("d.rnn", src);
  expect(parsed.diagnostics).toEqual([]);
  const item = parsed.program.items[0]!;
  const decl = item.body[0]!;
  if (decl.kind !== "decl") throw new Error("expected a declaration");
  const found: Diagnostic[] = [];
  const d = evalDimExpr(decl.shape.dims[0]!, new Set(names), "cell `C`", (x) => found.push(x), (e) => src.slice(e.span.start, e.span.end));
  return { ...(d ? { dim: d } : {}), codes: found.map((x) => x.code) };
}

const H = Dim.name("H");
const E = Dim.name("E");

describe("dimension expressions are linear forms in normal form", () => {
  it("4H, 4*H, 2H + 2H and H + 3H are the same dimension", () => {
    const forms = ["4H", "4*H", "4 * H", "2H + 2H", "H + 3H", "H*4", "2(2H)", "5H - H"].map((t) => dim(t).dim!);
    for (const f of forms) {
      expect(f.equals(H.scale(4))).toBe(true);
      expect(f.toString()).toBe("4H");
    }
  });

  it("H + E is not E, and H + E equals E + H", () => {
    expect(dim("H + E").dim!.equals(E)).toBe(false);
    expect(dim("H + E").dim!.equals(dim("E + H").dim!)).toBe(true);
    expect(dim("H + E").dim!.toString()).toBe("E + H");
  });

  it("H - 1 is a subtraction, not H times -1", () => {
    expect(dim("H - 1").dim!.toString()).toBe("H - 1");
    expect(dim("H-1").dim!.toString()).toBe("H - 1");
    expect(dim("-H + 2").dim!.toString()).toBe("-H + 2");
    expect(dim("2(H + 1)").dim!.toString()).toBe("2H + 2");
    expect(dim("- -H").dim!.toString()).toBe("H");
  });

  it("prints the normal form: names sorted, coefficients in front, constant last, zero as 0", () => {
    expect(dim("3 + 2E + H - E").dim!.toString()).toBe("E + H + 3");
    expect(dim("H - H").dim!.toString()).toBe("0");
    expect(dim("7").dim!.toString()).toBe("7");
    expect(dim("2H - 3E - 1").dim!.toString()).toBe("-3E + 2H - 1");
    expect(shapeToString([H.scale(4), Dim.name("I")])).toBe("[4H, I]");
    expect(shapeToString([])).toBe("[]");
  });

  it("refuses a product of two names, fractions and unknown names", () => {
    expect(dim("H*H")).toEqual({ codes: ["RNN3002"] });
    expect(dim("H E")).toEqual({ codes: ["RNN3002"] });
    expect(dim("1.5H")).toEqual({ codes: ["RNN3014"] });
    expect(dim("K")).toEqual({ codes: ["RNN2003"] });
  });

  it("divisibility holds for every value of the names, or not at all", () => {
    expect(H.scale(4).divisibleBy(4)).toBe(true);
    expect(H.scale(4).divisibleBy(2)).toBe(true);
    expect(H.divisibleBy(2)).toBe(false);
    expect(H.scale(2).add(Dim.const(1)).divisibleBy(2)).toBe(false);
    expect(H.scale(6).add(E.scale(3)).divisibleBy(3)).toBe(true);
    expect(H.scale(6).add(E.scale(3)).div(3).toString()).toBe("E + 2H");
    expect(H.scale(4).div(4).equals(H)).toBe(true);
  });

  it("positivity and bounds are proved for every value >= 1 of the names", () => {
    expect(H.provablyPositive).toBe(true);
    expect(H.sub(Dim.const(1)).provablyPositive).toBe(false);
    expect(H.sub(E).provablyPositive).toBe(false);
    expect(Dim.const(0).provablyPositive).toBe(false);
    expect(H.provablyAtMost(H.scale(2))).toBe(true);
    expect(H.scale(2).provablyAtMost(H)).toBe(false);
    expect(H.provablyAtMost(H.add(E))).toBe(true);
  });

  it("multiplication stays linear only with a constant on one side", () => {
    expect(H.mul(Dim.const(3))!.toString()).toBe("3H");
    expect(Dim.const(3).mul(H)!.toString()).toBe("3H");
    expect(H.mul(E)).toBeUndefined();
  });

  it("substitutes and evaluates", () => {
    const n = Dim.name("N").scale(2).add(Dim.const(1));
    expect(n.substitute(new Map([["N", H.scale(2)]])).toString()).toBe("4H + 1");
    expect(H.scale(4).add(E).evaluate({ H: 8, E: 3 })).toBe(35);
    expect(H.scale(4).sub(Dim.const(1)).toJs()).toBe("4 * d.H - 1");
  });
});
