import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
import { shapeToString } from "../../src/core/dims.js";
import type { CheckedCell } from "../../src/check/checker.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const ACCEPTANCE = join(import.meta.dirname, "acceptance");

function shapes(decls: CheckedCell["inputs"]): string[] {
  return decls.map((d) => `${d.name}: ${shapeToString(d.shape)}`);
}

describe("every example checks clean", () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".rnn")).sort();
  it("there are examples", () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(join(EXAMPLES, f), "utf8");
      // By its path, so that an example importing a file beside it finds it.
      const r = checkSource(join(EXAMPLES, f), text);
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      // A cell file defines one cell; a model file one model, its layers' cells imported or, when
      // only it uses them (examples/tied_lm.rnn's readout), defined beside it.
      const { cells, models } = r.checked!;
      if (models.length === 0) expect(cells).toHaveLength(1);
      else {
        expect(models).toHaveLength(1);
        const layerCells = new Set(models[0]!.layers.map((l) => l.cell.cell));
        for (const c of cells) expect(layerCells.has(c), `cell ${c.def.name.name} is a layer of the model`).toBe(true);
      }
    });
  }
});

/**
 * The three programs of the language brief (test/check/acceptance, copied verbatim from
 * LANGUAGE.md) must compile exactly as written.
 */
describe("the acceptance programs of the language brief", () => {
  const load = (name: string) => {
    const text = readFileSync(join(ACCEPTANCE, `${name}.rnn`), "utf8");
    const r = checkSource(`${name}.rnn`, text);
    expect(r.diagnostics).toEqual([]);
    expect(r.checked!.cells).toHaveLength(1);
    return r.checked!.cells[0]!;
  };

  it("Elman", () => {
    const c = load("elman");
    expect(c.def.name.name).toBe("Elman");
    expect(c.dims).toEqual(["I", "H", "O"]);
    expect(shapes(c.inputs)).toEqual(["x: [I]"]);
    expect(shapes(c.states)).toEqual(["h: [H]"]);
    expect(shapes(c.params)).toEqual(["W_xh: [H, I]", "W_hh: [H, H]", "b_h: [H]", "W_hy: [O, H]", "b_y: [O]"]);
    expect([...c.updates.keys()]).toEqual(["h"]);
    expect([...c.outputs.keys()]).toEqual(["y"]);
  });

  it("LSTM", () => {
    const c = load("lstm");
    expect(c.dims).toEqual(["I", "H"]);
    expect(shapes(c.states)).toEqual(["h: [H]", "c: [H]"]);
    expect(shapes(c.params)).toEqual(["W_ih: [4H, I]", "W_hh: [4H, H]", "b_ih: [4H]", "b_hh: [4H]"]);
    expect([...c.updates.keys()]).toEqual(["c", "h"]);
    const out = c.outputs.get("h")!;
    expect(out.prime).toBe(true);
    expect(out.value).toBeUndefined();
  });

  it("GRU", () => {
    const c = load("gru");
    expect(shapes(c.params)).toEqual(["W_ih: [3H, I]", "W_hh: [3H, H]", "b_ih: [3H]", "b_hh: [3H]"]);
    expect(c.def.body.filter((s) => s.kind === "let").map((s) => (s.kind === "let" ? s.names.map((n) => n.name).join(",") : ""))).toEqual([
      "xr,xz,xn",
      "hr,hz,hn",
      "r",
      "z",
      "n",
    ]);
  });
});
