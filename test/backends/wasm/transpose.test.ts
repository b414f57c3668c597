import { describe, expect, it } from "vitest";
import { TRANSPOSE_KERNEL } from "../../../src/backends/wasm/kernels.js";
import { harness, values } from "./harness.js";

const h = harness();

describe("f32_transpose", () => {
  it("moves every element exactly, at every ragged size and stride", () => {
    for (const [rows, cols] of [[1, 1], [4, 4], [5, 7], [8, 3], [13, 17], [32, 9]] as const) {
      h.reset();
      const lds = cols + 3, ldd = rows + 1;
      const src = values(rows * lds, rows * 31 + cols);
      const s = h.put(src);
      const before = values(cols * ldd, 2);
      const d = h.put(before);
      h.exports[TRANSPOSE_KERNEL]!(4 * s, lds, rows, cols, 4 * d, ldd);
      const f = h.f32();
      for (let j = 0; j < cols; j++) {
        for (let i = 0; i < rows; i++) expect(f[d + j * ldd + i]).toBe(src[i * lds + j]);
        expect(f[d + j * ldd + rows]).toBe(before[j * ldd + rows]); // padding untouched
      }
    }
  });
});
