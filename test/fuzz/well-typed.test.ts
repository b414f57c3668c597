import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSource, compileGraph } from "../../src/compiler.js";
import { wellTypedCell, wellTypedModel } from "./typed-programs.js";

/**
 * The other direction of "no input makes the compiler throw": programs that are well typed by
 * construction must check with no diagnostic at all, and must lower to an IR graph (which the
 * IR verifier accepts). A failure here is a false error in the checker, or a disagreement
 * between the checker's shape rules and the IR's.
 */
describe("well-typed programs", () => {
  it("check clean and lower to a verified graph (250)", () => {
    fc.assert(
      fc.property(wellTypedCell, (text) => {
        const r = checkSource("typed.rnn", text);
        expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
        const g = compileGraph("typed.rnn", text);
        expect(g.diagnostics).toEqual([]);
        expect(g.graph).toBeDefined();
      }),
      { seed: 20_261_123, numRuns: 250 },
    );
  });

  it("models check clean, with the widths, timing and layer runs they were built with (250)", () => {
    fc.assert(
      fc.property(wellTypedModel, (m) => {
        const r = checkSource("typed.rnn", m.text);
        expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
        const model = r.checked!.models[0]!;
        expect(model.layers.length).toBe(m.layers);
        expect(model.runs.length).toBe(m.runs);
        // Every layer reads vectors of the width it was built for (ids arrive one-hot, of width V).
        const fed = model.runs.map((run) => model.nodes[run.args[0]!]!.type);
        expect(fed.map((t) => (t.kind === "vector" ? t.width.toString() : `index(${t.size})`))).toEqual(m.fed);
        const pred = model.nodes[model.outputs[0]!.node]!;
        expect(pred.type.kind === "vector" && pred.type.width.toString()).toBe("O");
        expect(pred.timing).toBe(m.timing);
        expect(model.targets.map((t) => [t.name, t.timing])).toEqual([["y", m.timing]]);
        expect(model.losses.map((l) => l.kind)).toEqual([m.loss]);
        // Dependency order: a node's arguments come before it.
        for (const n of model.nodes) {
          const args = "args" in n ? n.args : "arg" in n ? [n.arg] : [];
          for (const a of args) expect(a).toBeLessThan(n.id);
        }
      }),
      { seed: 20_261_124, numRuns: 250 },
    );
  });
});
