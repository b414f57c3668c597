import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeSource } from "../../src/cli/read-source.js";
import { findUtf8Error } from "../../src/cli/utf8.js";

const bytes = (...b: number[]) => Uint8Array.from(b);

/** Independent reference: does the fatal WHATWG decoder accept these bytes? */
function decodes(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

describe("findUtf8Error", () => {
  it("accepts well-formed text of every sequence length", () => {
    expect(findUtf8Error(new TextEncoder().encode("h' = tanh(W @ x) # ä € 😀 \u{10FFFF}"))).toBeUndefined();
    expect(findUtf8Error(bytes())).toBeUndefined();
  });

  it("names the offset, the byte and the reason", () => {
    expect(findUtf8Error(bytes(0x61, 0x62, 0xff, 0x63))).toEqual({ offset: 2, byte: 0xff, reason: "byte 0xFF never appears in UTF-8" });
    expect(findUtf8Error(bytes(0x61, 0x80))?.reason).toBe("byte 0x80 continues a multi-byte character, but none was started");
    expect(findUtf8Error(bytes(0x61, 0xe2, 0x82, 0x41))).toEqual({
      offset: 1,
      byte: 0xe2,
      reason: "byte 0xE2 starts a 3-byte character, but byte 0x41 at offset 3 does not continue it",
    });
    expect(findUtf8Error(bytes(0xf0, 0x9f, 0x98))?.reason).toBe("byte 0xF0 starts a 4-byte character, but the file ends after 3 byte(s)");
    expect(findUtf8Error(bytes(0xc0, 0xaf))?.reason).toBe("byte 0xC0 never appears in UTF-8"); // overlong '/'
    expect(findUtf8Error(bytes(0xe0, 0x80, 0xaf))?.reason).toBe("bytes 0xE0 0x80 would be an overlong encoding");
    expect(findUtf8Error(bytes(0xed, 0xa0, 0x80))?.reason).toBe("bytes 0xED 0xA0 would be a UTF-16 surrogate, which UTF-8 may not encode");
    expect(findUtf8Error(bytes(0xf4, 0x90, 0x80, 0x80))?.reason).toBe("bytes 0xF4 0x90 would be a code point above U+10FFFF");
  });

  it("agrees with TextDecoder on random bytes, and points at a truly ill-formed sequence", () => {
    // Bias towards the interesting bytes: ASCII, continuation bytes and lead bytes.
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xff }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (list) => {
        const b = Uint8Array.from(list);
        const error = findUtf8Error(b);
        expect(error === undefined).toBe(decodes(b));
        if (error === undefined) return;
        // Everything before the offset is valid UTF-8 …
        expect(decodes(b.subarray(0, error.offset))).toBe(true);
        // … and no well-formed character starts at the offset.
        for (let k = 1; k <= 4; k++) expect(decodes(b.subarray(error.offset, error.offset + k))).toBe(false);
      }),
      { numRuns: 3000, seed: 20261122 },
    );
  });
});

describe("decodeSource", () => {
  it("gives RNN1004 with the byte offset and a label on the replacement character", () => {
    const b = new Uint8Array([...new TextEncoder().encode("cell C(ä) {\n  # "), 0xfe, ...new TextEncoder().encode("\n}\n")]);
    const result = decodeSource("bad.rnn", b);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostic.code).toBe("RNN1004");
    expect(result.diagnostic.message).toBe("the file is not valid UTF-8 (invalid byte at offset 17)");
    const span = result.diagnostic.labels[0]!.span;
    expect(result.text?.slice(span.start, span.end)).toBe("\uFFFD");
    expect(span.start).toBe(16); // "ä" is two bytes but one UTF-16 unit
  });

  it("drops a byte-order mark like TextDecoder", () => {
    const result = decodeSource("bom.rnn", bytes(0xef, 0xbb, 0xbf, 0x61));
    expect(result).toEqual({ ok: true, text: "a" });
  });
});
