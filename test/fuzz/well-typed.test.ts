import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSource, compileGraph } from "../../src/compiler.js";
import { wellTypedCell } from "./typed-programs.js";

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
});
