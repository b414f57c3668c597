/**
 * Hand assembly of safetensors files for tests, written from the format's description (README of
 * huggingface/safetensors) and not from the code under test: 8-byte little-endian header length,
 * header text, data bytes.
 */

/** Bytes of an ASCII/UTF-8 string (header text). */
export function utf8(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

/** A non-negative integer below 2^53 as 8 little-endian bytes, by repeated division. */
export function u64le(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  for (let i = 0; i < 8; i++) {
    out.push(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return out;
}

/** Header text padded with spaces to a multiple of 8 bytes, as the reference writer pads it. */
export function padded(header: string): string {
  const length = utf8(header).length;
  return header + " ".repeat((8 - (length % 8)) % 8);
}

/** A whole file: length prefix, the header text exactly as given (no padding added), data bytes. */
export function file(header: string, data: readonly number[] = []): Uint8Array {
  const h = utf8(header);
  return Uint8Array.from([...u64le(h.length), ...h, ...data]);
}

/** Hex bytes: `hex("00 00 80 3f")`. */
export function hex(text: string): number[] {
  return text.trim() === "" ? [] : text.trim().split(/\s+/).map((b) => parseInt(b, 16));
}

/** The message of the Error thrown by `f`; fails the test if `f` returns or throws a non-Error. */
export function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error) throw new Error(`expected a plain Error, got ${String(e)}`);
    return e.message;
  }
  throw new Error("expected an Error, but the call returned");
}
