import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { paramsFromSafetensors, paramsToSafetensors, readSafetensors } from "../../src/runtime/safetensors.js";
import { readWeightsFile, writeWeightsFile } from "../../src/weights/index.js";
import { errorOf, file, hex } from "./bytes.js";

const shapes = { W_ih: [2, 3], b: [2] };
const params = { W_ih: new Float32Array([1, 2, 3, 4, 5, 6]), b: new Float32Array([0.5, -0.5]) };

describe("paramsToSafetensors / paramsFromSafetensors", () => {
  it("writes F32 for Float32Array and F64 for Float64Array, and reads them back", () => {
    const bytes = paramsToSafetensors({ W_ih: params.W_ih, b: new Float64Array([0.1, 0.2]) }, shapes);
    const { tensors } = readSafetensors(bytes);
    expect([tensors.W_ih!.dtype, tensors.b!.dtype]).toEqual(["F32", "F64"]);
    const back = paramsFromSafetensors(bytes, shapes, "float64");
    expect(Object.keys(back)).toEqual(["W_ih", "b"]);
    expect(back.W_ih).toBeInstanceOf(Float64Array);
    expect(Array.from(back.W_ih!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.b!)).toEqual([0.1, 0.2]);
  });

  it("converts F64 to float32 by rounding to nearest", () => {
    const bytes = paramsToSafetensors({ b: new Float64Array([0.1, 1 / 3]) }, { b: [2] });
    const back = paramsFromSafetensors(bytes, { b: [2] }, "float32");
    expect(back.b).toBeInstanceOf(Float32Array);
    expect(Array.from(back.b!)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });

  it("reads F16 weights from a hand-built file into float64", () => {
    const bytes = file('{"b":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', hex("00 38  00 bc"));
    expect(Array.from(paramsFromSafetensors(bytes, { b: [2] }, "float64").b!)).toEqual([0.5, -1]);
  });

  it("reports a missing tensor, a wrong shape and unexpected tensors together", () => {
    const bytes = paramsToSafetensors(
      { W_ih: new Float32Array(6), extra: new Float32Array(1), bias: new Float32Array(2) },
      { W_ih: [3, 2], extra: [1], bias: [2] },
    );
    expect(errorOf(() => paramsFromSafetensors(bytes, shapes, "float32"))).toBe(
      'tensor "W_ih": expected shape [2, 3], found [3, 2]; missing tensor "b" (expected shape [2]); unexpected tensors "bias", "extra" (the params are "W_ih", "b")',
    );
  });

  it("reports a rank mismatch and a single unexpected tensor", () => {
    const bytes = paramsToSafetensors({ W_ih: new Float32Array(6), b: new Float32Array(2), h0: new Float32Array(2) }, { W_ih: [6], b: [2], h0: [2] });
    expect(errorOf(() => paramsFromSafetensors(bytes, shapes, "float32"))).toBe(
      'tensor "W_ih": expected shape [2, 3], found [6]; unexpected tensor "h0" (the params are "W_ih", "b")',
    );
  });

  it("passes format errors through unchanged", () => {
    expect(errorOf(() => paramsFromSafetensors(new Uint8Array(3), shapes, "float32"))).toBe(
      "file is 3 bytes long; a safetensors file starts with an 8-byte header length",
    );
  });

  it("refuses params without shapes, shapes without params, and a shape that does not fit the data", () => {
    expect(errorOf(() => paramsToSafetensors({ W_ih: params.W_ih }, shapes))).toBe('no values given for "b"');
    expect(errorOf(() => paramsToSafetensors(params, { W_ih: [2, 3] }))).toBe('no shape given for "b"');
    expect(errorOf(() => paramsToSafetensors(params, { W_ih: [2, 2], b: [2] }))).toBe(
      'tensor "W_ih": shape [2, 2] has 4 elements, but the data has 6',
    );
  });
});

describe("weights files", () => {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-weights-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes and reads a file, byte-identical on a second write", () => {
    const path = join(dir, "cell.safetensors");
    writeWeightsFile(path, params, shapes, { cell: "gru" });
    const first = readFileSync(path);
    writeWeightsFile(path, params, shapes, { cell: "gru" });
    expect(readFileSync(path)).toEqual(first);
    const back = readWeightsFile(path, shapes, "float32");
    expect(Array.from(back.W_ih!)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back.b!)).toEqual([0.5, -0.5]);
  });

  it("prefixes every error with the path", () => {
    const missing = join(dir, "nope.safetensors");
    expect(errorOf(() => readWeightsFile(missing, shapes, "float32"))).toBe(
      `${missing}: cannot read the file: no such file or directory (ENOENT)`,
    );
    expect(errorOf(() => readWeightsFile(dir, shapes, "float32"))).toBe(
      `${dir}: cannot read the file: illegal operation on a directory (EISDIR)`,
    );
    const bad = join(dir, "bad.safetensors");
    writeFileSync(bad, file('{"W_ih":{"dtype":"F32","shape":[16,3],"data_offsets":[0,96]}}', Array(96).fill(0)));
    expect(errorOf(() => readWeightsFile(bad, shapes, "float32"))).toBe(
      `${bad}: tensor "W_ih": data_offsets [0, 96] hold 96 bytes, but dtype F32 and shape [16, 3] need 192`,
    );
    const wrong = join(dir, "wrong.safetensors");
    writeWeightsFile(wrong, { W_ih: params.W_ih }, { W_ih: [2, 3] });
    expect(errorOf(() => readWeightsFile(wrong, shapes, "float32"))).toBe(`${wrong}: missing tensor "b" (expected shape [2])`);
    const noDir = join(dir, "no-such-dir", "w.safetensors");
    expect(errorOf(() => writeWeightsFile(noDir, params, shapes))).toBe(
      `${noDir}: cannot write the file: no such file or directory (ENOENT)`,
    );
  });
});
