import { readCharModelInfo } from "./char-model.js";
import { TrainInputError } from "./errors.js";
import { readModelInfo } from "./model-info.js";
import { tokenize, type Tokenize } from "./data/tokens.js";
import { encodeText } from "./vocabulary.js";

/** How sampled ids become text, and a prime becomes ids: what the weights say of the data they were trained on. */
export interface SampleVocabulary {
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly size: number;
  /** The text of the ids (joined as the data was: characters as they are, words with spaces, bare ids with spaces). */
  decode(ids: readonly number[]): string;
  encode(prime: string): Int32Array;
  /** Between tokens of the text: "" for characters, a space for words and ids. */
  readonly separator: string;
  /** The prime when none is given. */
  readonly defaultPrime: string;
}

/**
 * The vocabulary in weights `rnnc train` wrote: a text's characters (`rnnc.vocab`), the tokens of
 * JSON Lines `"text"` (`rnnc.tokens`, words or characters), or, for data given as ids, the ids
 * themselves (a prime is then ids, `4 17 9`).
 */
export function sampleVocabulary(bytes: Uint8Array, where: string): SampleVocabulary {
  const kind = safeKind(bytes);
  if (kind !== "sequences") {
    const info = readCharModelInfo(bytes, where);
    const chars = info.vocab.chars;
    return {
      cell: info.cell,
      dims: info.dims,
      size: chars.length,
      separator: "",
      decode: (ids) => ids.map((id) => chars[id]!).join(""),
      encode: (prime) => encodeText(prime, info.vocab, "--prime"),
      defaultPrime: info.vocab.index.has("\n") ? "\n" : chars[0]!,
    };
  }
  const info = readModelInfo(bytes, where);
  const tokensText = info.metadata["rnnc.tokens"];
  if (tokensText === undefined) return idVocabulary(info.cell, info.dims);
  const tokens = JSON.parse(tokensText) as string[];
  const how = (info.metadata["rnnc.tokenize"] ?? "words") as Tokenize;
  const index = new Map(tokens.map((t, i) => [t, i]));
  return {
    cell: info.cell,
    dims: info.dims,
    size: tokens.length,
    separator: how === "words" ? " " : "",
    decode: (ids) => ids.map((id) => tokens[id]!).join(how === "words" ? " " : ""),
    encode: (prime) =>
      Int32Array.from(tokenize(prime, how), (t) => {
        const id = index.get(t);
        if (id === undefined) throw new TrainInputError(`--prime: ${JSON.stringify(t)} is not in the model's vocabulary of ${tokens.length} tokens`);
        return id;
      }),
    defaultPrime: tokens[1] ?? tokens[0]!,
  };
}

function idVocabulary(cell: string, dims: Readonly<Record<string, number>>): SampleVocabulary {
  return {
    cell,
    dims,
    size: Math.max(...Object.values(dims)),
    separator: " ",
    decode: (ids) => ids.join(" "),
    encode: (prime) =>
      Int32Array.from(prime.trim().split(/[\s,]+/), (t) => {
        if (!/^\d+$/.test(t)) throw new TrainInputError(`--prime: the model was trained on ids, so the prime is ids like "4 17 9"; found ${JSON.stringify(t)}`);
        return Number(t);
      }),
    defaultPrime: "0",
  };
}

function safeKind(bytes: Uint8Array): string | undefined {
  try {
    return readModelInfo(bytes, "").kind;
  } catch {
    return undefined;
  }
}
