/**
 * Finds the first ill-formed sequence in bytes that claim to be UTF-8, following the table of
 * well-formed byte sequences in the Unicode Standard (ch. 3, table 3-7). `TextDecoder` with
 * `fatal: true` only says *that* a file is invalid; this says *where* and *why*, so the error
 * can point at the byte.
 */
export interface Utf8Error {
  /** Offset of the first byte of the ill-formed sequence: the lead byte, or a stray byte. */
  readonly offset: number;
  /** The byte at `offset`. */
  readonly byte: number;
  /** Why the bytes there are not UTF-8, in words, naming bytes in hex. */
  readonly reason: string;
}

const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;

/** The first encoding error in `bytes`, or `undefined` when they are well-formed UTF-8. */
export function findUtf8Error(bytes: Uint8Array): Utf8Error | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const at = (reason: string): Utf8Error => ({ offset: i, byte: b, reason });
    if (b >= 0x80 && b <= 0xbf) return at(`byte ${hex(b)} continues a multi-byte character, but none was started`);
    if (b === 0xc0 || b === 0xc1 || b >= 0xf5) return at(`byte ${hex(b)} never appears in UTF-8`);
    const length = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    // The second byte has a narrower range after a few lead bytes; outside it the sequence would
    // be an overlong encoding, a UTF-16 surrogate, or a code point above U+10FFFF.
    let lo = 0x80;
    let hi = 0xbf;
    let why = "";
    if (b === 0xe0) [lo, why] = [0xa0, "an overlong encoding"];
    else if (b === 0xed) [hi, why] = [0x9f, "a UTF-16 surrogate, which UTF-8 may not encode"];
    else if (b === 0xf0) [lo, why] = [0x90, "an overlong encoding"];
    else if (b === 0xf4) [hi, why] = [0x8f, "a code point above U+10FFFF"];
    for (let k = 1; k < length; k++) {
      if (i + k >= n) return at(`byte ${hex(b)} starts a ${length}-byte character, but the file ends after ${k} byte(s)`);
      const c = bytes[i + k]!;
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (c < min || c > max) {
        if (k === 1 && why !== "" && c >= 0x80 && c <= 0xbf) {
          return at(`bytes ${hex(b)} ${hex(c)} would be ${why}`);
        }
        return at(`byte ${hex(b)} starts a ${length}-byte character, but byte ${hex(c)} at offset ${i + k} does not continue it`);
      }
    }
    i += length;
  }
  return undefined;
}
