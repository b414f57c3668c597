import { TrainInputError } from "./errors.js";

/**
 * The characters a character-level model reads and writes: every distinct Unicode code point of
 * the training text, sorted by code point (so the same text always gives the same vocabulary, and
 * index i is the i-th one-hot position).
 */
export interface Vocabulary {
  readonly chars: readonly string[];
  /** char → its index in `chars`. */
  readonly index: ReadonlyMap<string, number>;
}

/** The vocabulary of `text` (code points, not UTF-16 units: an emoji is one character). */
export function buildVocabulary(text: string): Vocabulary {
  const seen = new Set<string>();
  for (const ch of text) seen.add(ch);
  const chars = Array.from(seen).sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return vocabularyOf(chars);
}

/** A vocabulary from its characters in order (as saved with the weights); refuses duplicates and non-characters. */
export function vocabularyOf(chars: readonly string[]): Vocabulary {
  const index = new Map<string, number>();
  chars.forEach((ch, i) => {
    if (typeof ch !== "string" || Array.from(ch).length !== 1) throw new TrainInputError(`vocabulary entry ${i} must be one character, found ${JSON.stringify(ch)}`);
    if (index.has(ch)) throw new TrainInputError(`vocabulary lists ${JSON.stringify(ch)} twice (entries ${index.get(ch)} and ${i})`);
    index.set(ch, i);
  });
  return { chars: [...chars], index };
}

/** The text as vocabulary indices; a character outside the vocabulary is an error naming it and where it is. */
export function encodeText(text: string, vocab: Vocabulary, what = "text"): Int32Array {
  const chars = Array.from(text);
  const ids = new Int32Array(chars.length);
  chars.forEach((ch, i) => {
    const id = vocab.index.get(ch);
    if (id === undefined) {
      throw new TrainInputError(`${what}: character ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}) at position ${i} is not in the model's vocabulary of ${vocab.chars.length} characters`);
    }
    ids[i] = id;
  });
  return ids;
}
