import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/runtime/safetensors.js";
import { file, hex, padded, u64le, utf8 } from "./bytes.js";

// float32 bit patterns (little-endian bytes) from IEEE 754 by hand: 1.0 = 0x3f800000, etc.
const F32_0_TO_5 = hex("00 00 00 00  00 00 80 3f  00 00 00 40  00 00 40 40  00 00 80 40  00 00 a0 40");

describe("writeSafetensors against hand-assembled bytes", () => {
  it("writes one F32 tensor like the reference implementation (header of 64 bytes, no padding needed)", () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(utf8(header).length).toBe(64); // the reference's own test expects this length
    const expected = Uint8Array.from([...u64le(64), ...utf8(header), ...F32_0_TO_5]);
    const out = writeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(out).toEqual(expected);
  });

  it("pads the header with spaces to a multiple of 8 so the data is aligned (65 → 72 bytes)", () => {
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(utf8(header).length).toBe(65);
    const expected = Uint8Array.from([...u64le(72), ...utf8(header), ...utf8("       "), ...F32_0_TO_5]);
    const out = writeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) } });
    expect(out).toEqual(expected);
  });

  it("writes an empty file as `{}` plus 6 spaces, and metadata first in the header", () => {
    expect(writeSafetensors({})).toEqual(Uint8Array.from([...u64le(8), ...utf8("{}      ")]));
    const meta = '{"__metadata__":{"framework":"pt"}}';
    expect(writeSafetensors({}, { framework: "pt" })).toEqual(Uint8Array.from([...u64le(40), ...utf8(meta + "     ")]));
  });

  it("puts F64 tensors before F32 ones (then by name), with little-endian F64 data", () => {
    const header = padded(
      '{"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}',
    );
    // 0.1 = 0x3fb999999999999a; 1.5f = 0x3fc00000; -2f = 0xc0000000
    const data = hex("9a 99 99 99 99 99 b9 3f  00 00 c0 3f  00 00 00 c0");
    const out = writeSafetensors({
      a: { dtype: "F32", shape: [2], data: new Float32Array([1.5, -2]) },
      b: { dtype: "F64", shape: [1], data: new Float64Array([0.1]) },
    });
    expect(out).toEqual(file(header, data));
  });

  it("sorts names by code point and metadata keys too, escaping strings as JSON and keeping UTF-8 raw", () => {
    const header = padded(
      '{"__metadata__":{"a":"x","z":"q\\"u\\né"},' +
        '"B":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
        '"a":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},' +
        '"é":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
    );
    const data = hex("00 00 80 3f  00 00 00 40");
    const out = writeSafetensors(
      {
        "é": { dtype: "F32", shape: [1], data: new Float32Array([2]) },
        a: { dtype: "F32", shape: [0, 3], data: new Float32Array(0) },
        B: { dtype: "F32", shape: [], data: new Float32Array([1]) },
      },
      { z: 'q"u\né', a: "x" },
    );
    expect(out).toEqual(file(header, data));
  });

  it("is deterministic: the same tensors in any insertion order give the same bytes", () => {
    const w = { dtype: "F32" as const, shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) };
    const b = { dtype: "F64" as const, shape: [2], data: new Float64Array([5, 6]) };
    const one = writeSafetensors({ W: w, b });
    const two = writeSafetensors({ b, W: w });
    expect(two).toEqual(one);
    expect(writeSafetensors({ W: w, b })).toEqual(one);
  });
});

describe("readSafetensors on hand-built files", () => {
  it("reads F32 data that starts at an unaligned offset, from a Uint8Array that is itself offset", () => {
    const header = '{"W":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}'; // 57 bytes: data at 65
    const bytes = file(header, F32_0_TO_5);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors, metadata } = readSafetensors(shifted.subarray(3));
    expect(metadata).toBeUndefined();
    expect(Object.keys(tensors)).toEqual(["W"]);
    expect(tensors.W!.dtype).toBe("F32");
    expect(tensors.W!.shape).toEqual([2, 3]);
    expect(tensors.W!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors.W!.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("reads F64 special values: -0, Infinity, the smallest subnormal, NaN", () => {
    const header = '{"v":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}';
    const data = hex(
      "00 00 00 00 00 00 00 80  00 00 00 00 00 00 f0 7f  01 00 00 00 00 00 00 00  00 00 00 00 00 00 f8 7f",
    );
    const v = readSafetensors(file(header, data)).tensors.v!;
    expect(v.data).toBeInstanceOf(Float64Array);
    expect(Object.is(v.data[0], -0)).toBe(true);
    expect(v.data[1]).toBe(Infinity);
    expect(v.data[2]).toBe(5e-324);
    expect(Number.isNaN(v.data[3])).toBe(true);
  });

  it("widens F16 to float32: 1, -2, 65504, 2^-24, Infinity, -0, 0x3555", () => {
    const header = '{"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]}}';
    const data = hex("00 3c  00 c0  ff 7b  01 00  00 7c  00 80  55 35");
    const h = readSafetensors(file(header, data)).tensors.h!;
    expect(h.dtype).toBe("F16");
    expect(h.data).toBeInstanceOf(Float32Array);
    expect(Array.from(h.data)).toEqual([1, -2, 65504, 2 ** -24, Infinity, -0, 0.333251953125]);
    expect(Object.is(h.data[5], -0)).toBe(true);
  });

  it("widens BF16 to float32: 1, -2, 3.140625, 2^-133", () => {
    const header = '{"g":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}';
    const data = hex("80 3f  00 c0  49 40  01 00");
    const g = readSafetensors(file(header, data)).tensors.g!;
    expect(Array.from(g.data)).toEqual([1, -2, 3.140625, 2 ** -133]);
  });

  it("accepts any key order, whitespace, metadata anywhere, extra entry fields, scalars and empty tensors", () => {
    const header = `{
      "z": {"data_offsets": [4, 12], "shape": [2], "dtype": "F32", "extra": "ignored"},
      "s": {"shape": [], "dtype": "F32", "data_offsets": [0, 4]},
      "__metadata__": {"format": "pt"},
      "e": {"dtype": "F64", "shape": [3, 0], "data_offsets": [12, 12]}
    }\t\r\n  `;
    const data = hex("00 00 80 3f  00 00 00 40  00 00 40 40");
    const { tensors, metadata } = readSafetensors(file(header, data));
    expect(metadata).toEqual({ format: "pt" });
    expect(Object.keys(tensors)).toEqual(["z", "s", "e"]); // header order
    expect(Array.from(tensors.s!.data)).toEqual([1]);
    expect(tensors.s!.shape).toEqual([]);
    expect(Array.from(tensors.z!.data)).toEqual([2, 3]);
    expect(tensors.e!.data).toBeInstanceOf(Float64Array);
    expect(tensors.e!.data.length).toBe(0);
  });

  it("treats a tensor called __proto__ as an ordinary name", () => {
    const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const { tensors } = readSafetensors(file(header, hex("00 00 80 3f")));
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Array.from(Object.getOwnPropertyDescriptor(tensors, "__proto__")!.value.data)).toEqual([1]);
  });

  it("copies the data out: changing the input bytes afterwards changes nothing", () => {
    const bytes = file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', hex("00 00 80 3f"));
    const { tensors } = readSafetensors(bytes);
    bytes.fill(0);
    expect(tensors.a!.data[0]).toBe(1);
  });
});

describe("round trip", () => {
  const w = new Float32Array([0.1, -2.5, 3e-39, -0, Infinity, 1e30, -1e-7, 42]);
  const b = new Float64Array([Math.PI, -Math.E, 5e-324, -0, -Infinity, 1e300]);

  it("F32 and F64: write → read gives the same values, and write → read → write the same bytes", () => {
    const bytes = writeSafetensors(
      { W: { dtype: "F32", shape: [2, 4], data: w }, b: { dtype: "F64", shape: [6], data: b } },
      { source: "rnnc" },
    );
    const read = readSafetensors(bytes);
    expect(read.metadata).toEqual({ source: "rnnc" });
    expect(read.tensors.W!.dtype).toBe("F32");
    expect(read.tensors.W!.shape).toEqual([2, 4]);
    expect(Array.from(read.tensors.W!.data).map((x, i) => Object.is(x, w[i]))).toEqual(Array(8).fill(true));
    expect(read.tensors.b!.dtype).toBe("F64");
    expect(Array.from(read.tensors.b!.data).map((x, i) => Object.is(x, b[i]))).toEqual(Array(6).fill(true));
    const again = writeSafetensors(
      { W: read.tensors.W as { dtype: "F32"; shape: number[]; data: Float32Array }, b: read.tensors.b as { dtype: "F64"; shape: number[]; data: Float64Array } },
      read.metadata,
    );
    expect(again).toEqual(bytes);
  });

  it("writes F32 from a Float64Array by rounding to nearest float32", () => {
    const bytes = writeSafetensors({ x: { dtype: "F32", shape: [2], data: new Float64Array([0.1, 1 / 3]) } });
    expect(Array.from(readSafetensors(bytes).tensors.x!.data)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
  });
});
