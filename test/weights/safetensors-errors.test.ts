import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/runtime/safetensors.js";
import { errorOf, file, hex, u64le, utf8 } from "./bytes.js";

/** A file with one header entry `"W": <entry>` and `dataBytes` zero bytes of data. */
function oneTensor(entry: string, dataBytes: number): Uint8Array {
  return file(`{"W":${entry}}`, Array(dataBytes).fill(0));
}

function jsonErrorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("text parses");
}

describe("readSafetensors refuses malformed files with a precise message", () => {
  it("a file shorter than the 8-byte length prefix", () => {
    expect(errorOf(() => readSafetensors(Uint8Array.from([1, 0, 0, 0, 0])))).toBe(
      "file is 5 bytes long; a safetensors file starts with an 8-byte header length",
    );
  });

  it("an empty file", () => {
    expect(errorOf(() => readSafetensors(new Uint8Array(0)))).toBe(
      "file is 0 bytes long; a safetensors file starts with an 8-byte header length",
    );
  });

  it("something that is not a Uint8Array", () => {
    expect(errorOf(() => readSafetensors([1, 2, 3] as unknown as Uint8Array))).toBe(
      "expected the file's bytes as a Uint8Array, found array [1,2,3]",
    );
  });

  it("a header length above the 100 MB limit", () => {
    const bytes = Uint8Array.from([...u64le(100_000_001), ...utf8("{}")]);
    expect(errorOf(() => readSafetensors(bytes))).toBe(
      "header length is 100000001 bytes, more than the 100000000-byte limit; this is not a safetensors file, or it is corrupt",
    );
  });

  it("a header length with the high 32 bits set (printed exactly, not rounded)", () => {
    const bytes = Uint8Array.from([...hex("ff ff ff ff ff ff ff ff"), ...utf8("{}")]);
    expect(errorOf(() => readSafetensors(bytes))).toBe(
      "header length is 18446744073709551615 bytes, more than the 100000000-byte limit; this is not a safetensors file, or it is corrupt",
    );
  });

  it("a header length that runs past the end of the file", () => {
    const bytes = Uint8Array.from([...u64le(100), ...utf8('{"a":1}   ')]);
    expect(errorOf(() => readSafetensors(bytes))).toBe(
      "header length is 100 bytes, but the file has only 10 bytes after the 8-byte length",
    );
  });

  it("a header that is not UTF-8", () => {
    const bytes = Uint8Array.from([...u64le(3), 0x7b, 0xff, 0x7d]);
    expect(errorOf(() => readSafetensors(bytes))).toBe("header (3 bytes) is not valid UTF-8");
  });

  it("a header that is not JSON", () => {
    const text = '{"W":{"dtype":"F32",';
    expect(errorOf(() => readSafetensors(file(text)))).toBe(`header is not valid JSON: ${jsonErrorOf(text)}`);
  });

  it("a header that starts with a byte-order mark (serde_json refuses it too)", () => {
    const bytes = Uint8Array.from([...u64le(5), 0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    expect(errorOf(() => readSafetensors(bytes))).toBe(`header is not valid JSON: ${jsonErrorOf("\ufeff{}")}`);
  });

  it("a zero-length header", () => {
    expect(errorOf(() => readSafetensors(Uint8Array.from(u64le(0))))).toBe(`header is not valid JSON: ${jsonErrorOf("")}`);
  });

  it.each([
    ["[]", "array []"],
    ["null", "null"],
    ["42", "number 42"],
    ['"W"', 'string "W"'],
  ])("a header that is JSON but not an object: %s", (text, found) => {
    expect(errorOf(() => readSafetensors(file(text)))).toBe(`header must be a JSON object, found ${found}`);
  });

  it("a tensor name that appears twice", () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    expect(errorOf(() => readSafetensors(file(`{"W":${entry}, "W" :${entry}}`, Array(4).fill(0))))).toBe(
      'header has the key "W" twice; the safetensors format forbids duplicate keys',
    );
  });

  it("a key that appears twice inside a tensor entry", () => {
    const header = '{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"W":{"dtype":"F32","shape":[1],"dtype":"F64","data_offsets":[4,8]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(8).fill(0))))).toBe(
      'tensor "W": header entry has the key "dtype" twice; the safetensors format forbids duplicate keys',
    );
  });

  it("a key that appears twice in the metadata (escaped spellings count as the same key)", () => {
    const header = '{"__metadata__":{"a":"1","\\u0061":"2"}}';
    expect(errorOf(() => readSafetensors(file(header)))).toBe(
      '"__metadata__": header entry has the key "a" twice; the safetensors format forbids duplicate keys',
    );
  });

  it("metadata that is not an object", () => {
    expect(errorOf(() => readSafetensors(file('{"__metadata__":["pt"]}')))).toBe(
      '"__metadata__" must be an object of string values, found array ["pt"]',
    );
  });

  it("a metadata value that is not a string", () => {
    expect(errorOf(() => readSafetensors(file('{"__metadata__":{"format":"pt","epoch":3}}')))).toBe(
      '"__metadata__" key "epoch": value must be a string, found number 3',
    );
  });

  it("a tensor entry that is not an object", () => {
    expect(errorOf(() => readSafetensors(oneTensor("3", 0)))).toBe(
      'tensor "W": entry must be an object with "dtype", "shape" and "data_offsets", found number 3',
    );
  });

  it.each([
    ["dtype", '{"shape":[1],"data_offsets":[0,4]}'],
    ["shape", '{"dtype":"F32","data_offsets":[0,4]}'],
    ["data_offsets", '{"dtype":"F32","shape":[1]}'],
  ])("a tensor entry without %s", (key, entry) => {
    expect(errorOf(() => readSafetensors(oneTensor(entry, 4)))).toBe(`tensor "W": entry has no "${key}"`);
  });

  it("a dtype that is not a string", () => {
    expect(errorOf(() => readSafetensors(oneTensor('{"dtype":32,"shape":[1],"data_offsets":[0,4]}', 4)))).toBe(
      'tensor "W": "dtype" must be a string, found number 32',
    );
  });

  it("a dtype the format defines but this reader does not support", () => {
    expect(errorOf(() => readSafetensors(oneTensor('{"dtype":"I64","shape":[1],"data_offsets":[0,8]}', 8)))).toBe(
      'tensor "W": dtype "I64" is not supported (supported: F32, F64, F16, BF16)',
    );
  });

  it("a dtype the format does not define", () => {
    expect(errorOf(() => readSafetensors(oneTensor('{"dtype":"f32","shape":[1],"data_offsets":[0,4]}', 4)))).toBe(
      'tensor "W": dtype "f32" is not a safetensors dtype (supported: F32, F64, F16, BF16)',
    );
  });

  it("a shape that is not an array", () => {
    expect(errorOf(() => readSafetensors(oneTensor('{"dtype":"F32","shape":"16x3","data_offsets":[0,4]}', 4)))).toBe(
      'tensor "W": "shape" must be an array of non-negative integers, found string "16x3"',
    );
  });

  it.each([
    ["[16,-3]", "[16, -3] has entry 1 = -3"],
    ["[1.5]", "[1.5] has entry 0 = 1.5"],
    ['[2,"3"]', '[2, "3"] has entry 1 = "3"'],
    ["[null]", "[null] has entry 0 = null"],
    ["[1e400]", "[Infinity] has entry 0 = Infinity"],
  ])("a shape with a bad entry: %s", (shape, detail) => {
    expect(errorOf(() => readSafetensors(oneTensor(`{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}`, 4)))).toBe(
      `tensor "W": shape ${detail}; shape entries must be non-negative integers`,
    );
  });

  it.each([
    ['"0-4"', 'string "0-4"'],
    ["[0]", "array [0]"],
    ["[0,4,8]", "array [0,4,8]"],
    ["[-4,0]", "array [-4,0]"],
    ["[0,4.5]", "array [0,4.5]"],
    ["[0,null]", "array [0,null]"],
  ])("data_offsets that are not two non-negative integers: %s", (offsets, found) => {
    expect(errorOf(() => readSafetensors(oneTensor(`{"dtype":"F32","shape":[1],"data_offsets":${offsets}}`, 4)))).toBe(
      `tensor "W": "data_offsets" must be two non-negative integers [begin, end], found ${found}`,
    );
  });

  it("data_offsets that end before they begin", () => {
    expect(errorOf(() => readSafetensors(oneTensor('{"dtype":"F32","shape":[1],"data_offsets":[4,0]}', 4)))).toBe(
      'tensor "W": data_offsets [4, 0] end before they begin',
    );
  });

  it("data_offsets whose length does not match dtype and shape", () => {
    const bytes = file('{"W_ih":{"dtype":"F32","shape":[16,3],"data_offsets":[0,96]}}', Array(96).fill(0));
    expect(errorOf(() => readSafetensors(bytes))).toBe(
      'tensor "W_ih": data_offsets [0, 96] hold 96 bytes, but dtype F32 and shape [16, 3] need 192',
    );
  });

  it("data_offsets that run past the end of the file", () => {
    const header = '{"W":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(8).fill(0))))).toBe(
      `tensor "W": data_offsets [0, 16] run past the end of the data buffer, which holds 8 bytes (file = 8 + ${header.length} header + 8 data)`,
    );
  });

  it("offsets far beyond the file, with a shape to match (no huge allocation, no out-of-bounds read)", () => {
    const header = '{"W":{"dtype":"F32","shape":[1000000000],"data_offsets":[4,4000000004]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(4).fill(0))))).toBe(
      `tensor "W": data_offsets [4, 4000000004] run past the end of the data buffer, which holds 4 bytes (file = 8 + ${header.length} header + 4 data)`,
    );
  });

  // JSON.parse is iterative, but JSON.stringify recurses: quoting a deeply nested value in a
  // message must not overflow the stack.
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  it.each([
    [deep, "header must be a JSON object, found array [[[[...]]]]"],
    [`{"__metadata__":${deep}}`, '"__metadata__" must be an object of string values, found array [[[[...]]]]'],
    [`{"W":${deep}}`, 'tensor "W": entry must be an object with "dtype", "shape" and "data_offsets", found array [[[[...]]]]'],
    [
      `{"W":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`,
      'tensor "W": shape [[[[...]]]] has entry 0 = [[[...]]]; shape entries must be non-negative integers',
    ],
  ])("deeply nested values (case %#)", (header, message) => {
    expect(errorOf(() => readSafetensors(file(header)))).toBe(message);
  });

  it("a long shape is quoted in part", () => {
    const shape = `[${Array(20).fill(1).join(",")},-1]`;
    expect(errorOf(() => readSafetensors(oneTensor(`{"dtype":"F32","shape":${shape},"data_offsets":[0,4]}`, 4)))).toBe(
      'tensor "W": shape [1, 1, 1, 1, 1, 1, 1, 1, 1, ...] has entry 20 = -1; shape entries must be non-negative integers',
    );
  });

  it("overlapping tensors", () => {
    const header =
      '{"A":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"B":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(12).fill(0))))).toBe(
      'tensors "A" [0, 8] and "B" [4, 12] overlap; each byte of the data buffer belongs to at most one tensor',
    );
  });

  it("two tensors on the same bytes (aliasing)", () => {
    const header =
      '{"B":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"A":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(8).fill(0))))).toBe(
      'tensors "A" [0, 8] and "B" [0, 8] overlap; each byte of the data buffer belongs to at most one tensor',
    );
  });

  it("an empty tensor inside another tensor's bytes", () => {
    const header =
      '{"A":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"E":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(8).fill(0))))).toBe(
      'tensors "A" [0, 8] and "E" [4, 4] overlap; each byte of the data buffer belongs to at most one tensor',
    );
  });

  it("a gap between tensors (the reference implementation refuses it)", () => {
    const header =
      '{"A":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"B":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(20).fill(0))))).toBe(
      'bytes [8, 12) of the data buffer, before tensor "B", belong to no tensor; the safetensors reference implementation requires tensors to be packed without gaps',
    );
  });

  it("bytes after the last tensor (the reference implementation refuses them)", () => {
    const header = '{"A":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(errorOf(() => readSafetensors(file(header, Array(11).fill(0))))).toBe(
      "the data buffer holds 11 bytes but the tensors end at byte 8; the last 3 bytes belong to no tensor",
    );
  });
});
