import { readSafetensors } from "../weights/index.js";
import { TrainInputError } from "./errors.js";
import { vocabularyOf, type Vocabulary } from "./vocabulary.js";

/** What a trained character model's weights file says about itself, in the safetensors `__metadata__`. */
export interface CharModelInfo {
  readonly cell: string;
  readonly dims: Readonly<Record<string, number>>;
  readonly vocab: Vocabulary;
  readonly iterations: number;
}

/** The metadata keys: string values, as safetensors requires; `rnnc.vocab` is a JSON array of one-character strings. */
export const META = { kind: "rnnc.kind", cell: "rnnc.cell", dims: "rnnc.dims", vocab: "rnnc.vocab", iterations: "rnnc.iterations" } as const;
const KIND = "char-lm";

/** The keys a character model's data adds to the weights' metadata: its kind and vocabulary. */
export function charModelMetadataFor(vocab: Vocabulary): Record<string, string> {
  return { [META.kind]: KIND, [META.vocab]: JSON.stringify(vocab.chars) };
}

export function charModelMetadata(info: CharModelInfo): Record<string, string> {
  const dims: Record<string, number> = {};
  for (const k of Object.keys(info.dims).sort()) dims[k] = info.dims[k]!;
  return {
    [META.kind]: KIND,
    [META.cell]: info.cell,
    [META.dims]: JSON.stringify(dims),
    [META.vocab]: JSON.stringify(info.vocab.chars),
    [META.iterations]: String(info.iterations),
  };
}

/** Reads the metadata `rnnc train` wrote; `where` (the file name) starts every error message. */
export function readCharModelInfo(bytes: Uint8Array, where: string): CharModelInfo {
  let metadata: Record<string, string> | undefined;
  try {
    metadata = readSafetensors(bytes).metadata;
  } catch (e) {
    throw new TrainInputError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (metadata === undefined || metadata[META.kind] !== KIND) {
    throw new TrainInputError(`${where}: not a character model written by \`rnnc train\` (its safetensors __metadata__ has no "${META.kind}": "${KIND}"); sampling needs the vocabulary saved with the weights`);
  }
  const parse = (key: string): unknown => {
    const text = metadata![key];
    if (text === undefined) throw new TrainInputError(`${where}: __metadata__ has no "${key}"`);
    try {
      return JSON.parse(text);
    } catch {
      throw new TrainInputError(`${where}: __metadata__ "${key}" is not valid JSON`);
    }
  };
  const vocab = parse(META.vocab);
  if (!Array.isArray(vocab) || vocab.length === 0) throw new TrainInputError(`${where}: __metadata__ "${META.vocab}" must be a non-empty JSON array of characters`);
  const dims = parse(META.dims);
  if (typeof dims !== "object" || dims === null || Array.isArray(dims) || !Object.values(dims).every((v) => Number.isSafeInteger(v) && (v as number) > 0)) {
    throw new TrainInputError(`${where}: __metadata__ "${META.dims}" must be a JSON object of positive integers`);
  }
  let parsedVocab: Vocabulary;
  try {
    parsedVocab = vocabularyOf(vocab as string[]);
  } catch (e) {
    throw new TrainInputError(`${where}: __metadata__ "${META.vocab}": ${(e as Error).message}`);
  }
  const iterations = Number(metadata[META.iterations] ?? "0");
  return { cell: metadata[META.cell] ?? "", dims: dims as Record<string, number>, vocab: parsedVocab, iterations: Number.isSafeInteger(iterations) ? iterations : 0 };
}
