import { describe, expect, it } from "vitest";
import { GATHER_KERNELS as G } from "../../../src/backends/wasm/kernels.js";
import { harness, values } from "./harness.js";

const h = harness();

/** The one-hot product itself, in float64: out[r, j] = Σ_v T(v, j)·[id_r = v]. */
function oneHot(ids: number[], V: number, E: number, T: (v: number, j: number) => number): Float64Array {
  const out = new Float64Array(ids.length * E);
  ids.forEach((id, r) => {
    for (let j = 0; j < E; j++) for (let v = 0; v < V; v++) out[r * E + j]! += T(v, j) * (v === id ? 1 : 0);
  });
  return out;
}

function putIds(ids: number[]): number {
  const at = h.alloc(ids.length);
  new Int32Array(h.memory.buffer).set(ids, at);
  return at;
}

describe("embedding gather and scatter-add", () => {
  const V = 13, E = 11;
  const ids = [3, 0, 12, 3, -1, 7, 3]; // repeats, the edges, a masked token
  for (const layout of ["rows", "cols"] as const) {
    it(`gathers ${layout} of the table like the one-hot product, plain and accumulating, any column range`, () => {
      h.reset();
      const ldt = (layout === "rows" ? E : V) + 2, ldo = E + 1;
      const tv = values((layout === "rows" ? V : E) * ldt, 5);
      const T = (v: number, j: number) => tv[layout === "rows" ? v * ldt + j : j * ldt + v]!;
      const t = h.put(tv), pid = putIds(ids);
      const prior = values(ids.length * ldo, 6);
      const out = h.put(prior);
      const fn = h.exports[layout === "rows" ? G.gatherRows : G.gatherCols]!;
      fn(ids.length, 4 * pid, V, 4 * t, ldt, 4 * out, ldo, 1, 0, 5);
      fn(ids.length, 4 * pid, V, 4 * t, ldt, 4 * out, ldo, 1, 5, E);
      const want = oneHot(ids, V, E, T);
      const f = h.f32();
      ids.forEach((_, r) => {
        for (let j = 0; j < E; j++) expect(f[out + r * ldo + j]).toBe(Math.fround(prior[r * ldo + j]! + want[r * E + j]!));
        expect(f[out + r * ldo + E]).toBe(prior[r * ldo + E]); // padding untouched
      });
      fn(ids.length, 4 * pid, V, 4 * t, ldt, 4 * out, ldo, 0, 0, E);
      ids.forEach((_, r) => {
        for (let j = 0; j < E; j++) expect(h.f32()[out + r * ldo + j]).toBe(Math.fround(want[r * E + j]!));
      });
    });

    it(`scatter-adds into ${layout} (the gather's transpose), tokens summed in order, split by columns`, () => {
      h.reset();
      const ldt = (layout === "rows" ? E : V) + 1, ldg = E + 3;
      const tv = values((layout === "rows" ? V : E) * ldt, 7);
      const gv = values(ids.length * ldg, 8);
      const t = h.put(tv), g = h.put(gv), pid = putIds(ids);
      const fn = h.exports[layout === "rows" ? G.scatterAddRows : G.scatterAddCols]!;
      fn(ids.length, 4 * pid, V, 4 * g, ldg, 4 * t, ldt, 0, 7);
      fn(ids.length, 4 * pid, V, 4 * g, ldg, 4 * t, ldt, 7, E);
      const want = Float32Array.from(tv);
      ids.forEach((id, r) => {
        if (id < 0) return;
        for (let j = 0; j < E; j++) {
          const at = layout === "rows" ? id * ldt + j : j * ldt + id;
          want[at] = want[at]! + gv[r * ldg + j]!; // float32 sum in token order
        }
      });
      expect(h.f32().slice(t, t + tv.length)).toEqual(want);
    });
  }
});
