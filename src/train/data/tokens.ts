/** How `"text"` is cut into tokens: words (and punctuation marks), or characters. */
export type Tokenize = "words" | "chars";

/** The id of a token the training split never had; always 0. */
export const UNK = "<unk>";

/**
 * The tokens of a text. Words: lower-cased runs of letters, digits and apostrophes, and every other
 * non-space character on its own ("A fine, fine film!" → a fine , fine film !). Characters: every
 * Unicode code point, as written.
 */
export function tokenize(text: string, how: Tokenize): string[] {
  if (how === "chars") return Array.from(text);
  return text.toLowerCase().match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}']/gu) ?? [];
}

/** A vocabulary of the training split: `<unk>` first, then every distinct token sorted by code point. */
export function tokenVocabulary(sequences: Iterable<readonly string[]>): string[] {
  const seen = new Set<string>();
  for (const s of sequences) for (const t of s) seen.add(t);
  seen.delete(UNK);
  return [UNK, ...Array.from(seen).sort(byCodePoint)];
}

export function byCodePoint(a: string, b: string): number {
  const x = Array.from(a).map((c) => c.codePointAt(0)!);
  const y = Array.from(b).map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
