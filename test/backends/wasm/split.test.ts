import { describe, expect, it } from "vitest";
import { harness } from "./harness.js";

/**
 * The kernels a thread pool splits by output after the time loop: any split of [0, total)
 * into ranges gives the bytes of one call over all of it, and those bytes are the reference's
 * (a column sum in row order in float32; a transpose; B packed into 8-column panels).
 */
const data = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(s + i * 0.77) * 3);
const SPLITS = (total: number) => [[0, total], [0, 1, total], [0, total >> 1, total], [0, 1, 2, 3, total].filter((x, i, a) => x <= total && (i === 0 || x > a[i - 1]!))];

describe("f32_colsum", () => {
  it("adds each column's rows in order to dst, in float32, for any split of the columns", () => {
    const h = harness(16);
    const colsum = h.exports.f32_colsum!;
    for (const [rows, cols, lds] of [[1, 1, 1], [5, 37, 40], [33, 70, 70], [7, 64, 1024]] as const) {
      const src = h.put(data(rows * lds, rows));
      const start = data(cols, 1);
      const want = Float32Array.from(start, (v, j) => {
        let s = v;
        for (let r = 0; r < rows; r++) s = Math.fround(s + h.f32()[src + r * lds + j]!);
        return s;
      });
      for (const cuts of SPLITS(cols)) {
        const dst = h.put(start);
        for (let i = 0; i + 1 < cuts.length; i++) colsum(4 * src, lds, rows, 4 * dst, cuts[i]!, cuts[i + 1]!);
        expect(h.f32().slice(dst, dst + cols)).toEqual(want);
      }
      h.reset();
    }
  });
});

describe("f32_transpose_cols and f32_packb_n_cols", () => {
  it("give the bytes of f32_transpose and f32_packb_n_8 for any split", () => {
    const h = harness(16);
    const x = h.exports;
    for (const [rows, cols] of [[1, 1], [6, 9], [13, 37], [32, 64]] as const) {
      const src = h.put(data(rows * (cols + 3), cols));
      const whole = h.alloc(rows * cols);
      x.f32_transpose!(4 * src, cols + 3, rows, cols, 4 * whole, rows);
      const packed = h.alloc(((cols + 7) >> 3) * 8 * rows);
      x.f32_packb_n_8!(4 * src, cols + 3, rows, cols, 4 * packed);
      const groups4 = (cols + 3) >> 2;
      for (const cuts of SPLITS(groups4)) {
        const dst = h.alloc(rows * cols);
        for (let i = 0; i + 1 < cuts.length; i++) x.f32_transpose_cols!(4 * src, cols + 3, rows, cols, 4 * dst, rows, cuts[i]!, cuts[i + 1]!);
        expect(h.f32().slice(dst, dst + rows * cols)).toEqual(h.f32().slice(whole, whole + rows * cols));
      }
      for (let i = 0; i < cols; i++) for (let r = 0; r < rows; r++) expect(h.f32()[whole + i * rows + r]).toBe(h.f32()[src + r * (cols + 3) + i]);
      const panels = (cols + 7) >> 3;
      for (const cuts of SPLITS(panels)) {
        const dst = h.alloc(panels * 8 * rows);
        h.f32().fill(NaN, dst, dst + panels * 8 * rows);
        for (let i = 0; i + 1 < cuts.length; i++) x.f32_packb_n_cols!(4 * src, cols + 3, rows, cols, 4 * dst, cuts[i]!, cuts[i + 1]!);
        expect(h.f32().slice(dst, dst + panels * 8 * rows)).toEqual(h.f32().slice(packed, packed + panels * 8 * rows));
      }
      h.reset();
    }
  });
});
