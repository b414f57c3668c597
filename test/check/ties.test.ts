import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
import { storedParam } from "../../src/check/model-ties.js";
import type { ModelUnit } from "../../src/check/unit.js";
import { initUnitParams, unitParamShapes, unitTies } from "../../src/weights/unit-params.js";

/**
 * Tied weights, by example: what the checker makes of `tie` lines that are right — which param
 * stores the array, and the unit's signature (the tied name in no params list). The malformed
 * ones are in test/cases (180 onward).
 */
function unit(body: string): ModelUnit {
  const text = `import Linear, Embedding from std\n\nmodel M(H) {\n  input x: [H]\n${body}\n}\n`;
  const r = checkSource("m.rnn", text);
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return r.checked!.units.find((u) => u.kind === "model") as ModelUnit;
}

const THREE = `  layer a = Linear(H, H)
  layer b = Linear(H, H)
  layer c = Linear(H, H)
  output y = c(b(a(x)))`;

describe("tie", () => {
  it("replaces the left param by the right one: the signature stores the owner only", () => {
    const u = unit(`${THREE}\n  tie b.W = a.W`);
    expect(u.model.ties.map((t) => `${t.layer}.${t.param} = ${t.owner.layer}.${t.owner.param}`)).toEqual(["b.W = a.W"]);
    expect(u.signature.params.map((p) => p.name)).toEqual(["a.W", "a.b", "b.b", "c.W", "c.b"]);
    expect(u.signature.ties.map((t) => `${t.name} → ${t.owner.name}`)).toEqual(["b.W → a.W"]);
    expect(storedParam(u.model, "b", "W")).toBe("a.W");
    expect(storedParam(u.model, "b", "b")).toBe("b.b");
    expect(unitTies(u)).toEqual({ "b.W": "a.W" });
  });

  it("is a declaration: it may come before the layers it names, and anywhere in the body", () => {
    const u = unit(`  tie c.b = a.b\n${THREE}`);
    expect(u.signature.ties.map((t) => `${t.name} → ${t.owner.name}`)).toEqual(["c.b → a.b"]);
  });

  it("resolves a chain to its root, whatever the order of its lines", () => {
    const u = unit(`${THREE}\n  tie a.W = b.W\n  tie b.W = c.W`);
    expect(u.signature.ties.map((t) => `${t.name} → ${t.owner.name}`)).toEqual(["a.W → c.W", "b.W → c.W"]);
    expect(unit(`${THREE}\n  tie b.W = c.W\n  tie a.W = b.W`).signature.ties.map((t) => `${t.name} → ${t.owner.name}`)).toEqual(["b.W → c.W", "a.W → c.W"]);
  });

  it("compares shapes under each layer's binding, for every value of the dimensions", () => {
    // Embedding(H, 2H).W is [2H, H]; Linear(I = H, O = H + H).W is [H + H, H]: one normal form.
    const u = unit(`  layer e = Embedding(H, 2H)\n  layer l = Linear(I = H, O = H + H)\n  tie l.W = e.W\n  output y = l(x)\n  output z = e(x)`);
    expect(u.signature.ties.map((t) => `${t.name} → ${t.owner.name} ${t.owner.shape.join(",")}`)).toEqual(["l.W → e.W 2H,H"]);
  });

  it("stores one array in the weights: shapes and init(seed) have no tied name; the owner's values win", () => {
    const u = unit(`${THREE}\n  tie b.W = a.W\n  tie c.W = a.W`);
    expect(Object.keys(unitParamShapes(u, { H: 3 }))).toEqual(["a.W", "a.b", "b.b", "c.b"]);
    const tied = initUnitParams(u, { H: 3 }, 5, "float64");
    const untied = initUnitParams(unit(THREE), { H: 3 }, 5, "float64");
    expect(Object.keys(tied)).toEqual(["a.W", "a.b", "b.b", "c.b"]);
    // Each layer still draws its tied param, so its other params are the values it has untied.
    for (const k of Object.keys(tied)) expect(Array.from(tied[k]!), k).toEqual(Array.from(untied[k]!));
  });
});

describe("a layer that only holds a tied param", () => {
  it("is not reported as never used (removing it would break the tie); the tied layer still is", () => {
    const text = `import Linear from std\n\nmodel M(H) {\n  input x: [H]\n  layer store = Linear(H, H)\n  layer a = Linear(H, H)\n  layer unused = Linear(H, H)\n  tie a.W = store.W\n  tie unused.b = a.b\n  output y = a(x)\n}\n`;
    const r = checkSource("m.rnn", text);
    expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual(["RNN2009: layer `unused` is never used"]);
  });
});
