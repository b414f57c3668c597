import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { paramsFromSafetensors, paramsToSafetensors, readSafetensors } from "../../src/runtime/safetensors.js";
import { FileError } from "../../src/core/files.js";
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

  it("names the path and the reason when the file cannot be read or written (a FileError)", () => {
    const missing = join(dir, "nope.safetensors");
    expect(() => readWeightsFile(missing, shapes, "float32")).toThrow(new FileError(missing, "read", "no such file or directory"));
    expect(() => readWeightsFile(missing, shapes, "float32")).toThrow(`cannot read ${missing}: no such file or directory`);
    expect(() => readWeightsFile(dir, shapes, "float32")).toThrow(`cannot read ${dir}: it is a directory`);
    // A missing folder is made; a path under a file cannot be.
    const newDir = join(dir, "new-dir", "w.safetensors");
    writeWeightsFile(newDir, params, shapes);
    expect(readWeightsFile(newDir, shapes, "float32").b).toEqual(params.b);
    const underFile = join(newDir, "w.safetensors");
    expect(() => writeWeightsFile(underFile, params, shapes)).toThrow(`cannot write ${underFile}: a part of the path is not a directory`);
    expect(() => writeWeightsFile(dir, params, shapes)).toThrow(`cannot write ${dir}: it is a directory`);
  });

  it("refuses non-finite weights, naming the tensor and index, unless allowed", () => {
    const nan = join(dir, "nan.safetensors");
    writeWeightsFile(nan, { W_ih: Float32Array.of(1, 2, NaN, 4, Infinity, 6), b: Float32Array.of(0, 0) }, shapes);
    expect(errorOf(() => readWeightsFile(nan, shapes, "float32", { allowNonFiniteHint: "--allow-non-finite loads them anyway" }))).toBe(
      `${nan}: tensor "W_ih" holds NaN at index 2 (2 non-finite values in all); weights must be finite numbers (--allow-non-finite loads them anyway)`,
    );
    expect(Array.from(readWeightsFile(nan, shapes, "float32", { allowNonFinite: true }).W_ih!)).toEqual([1, 2, NaN, 4, Infinity, 6]);
    const big = join(dir, "big.safetensors");
    writeWeightsFile(big, { W_ih: Float64Array.of(1, 2, 3, 4, 5, 1e300), b: Float64Array.of(0, 0) }, shapes);
    expect(errorOf(() => readWeightsFile(big, shapes, "float32"))).toBe(
      `${big}: tensor "W_ih" holds 1e+300 at index 5, which is Infinity as float32; weights must be finite numbers (allowNonFinite: true loads them anyway)`,
    );
    expect(readWeightsFile(big, shapes, "float64").W_ih![5]).toBe(1e300);
  });

  it("prefixes every format error with the path", () => {
    const bad = join(dir, "bad.safetensors");
    writeFileSync(bad, file('{"W_ih":{"dtype":"F32","shape":[16,3],"data_offsets":[0,96]}}', Array(96).fill(0)));
    expect(errorOf(() => readWeightsFile(bad, shapes, "float32"))).toBe(
      `${bad}: tensor "W_ih": data_offsets [0, 96] hold 96 bytes, but dtype F32 and shape [16, 3] need 192`,
    );
    const wrong = join(dir, "wrong.safetensors");
    writeWeightsFile(wrong, { W_ih: params.W_ih }, { W_ih: [2, 3] });
    expect(errorOf(() => readWeightsFile(wrong, shapes, "float32"))).toBe(`${wrong}: missing tensor "b" (expected shape [2])`);
  });
});
