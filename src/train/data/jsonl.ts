import { TrainInputError } from "../errors.js";

/** One line of a JSON Lines file: its 1-based line number and its object. */
export interface JsonRecord {
  readonly line: number;
  readonly value: Readonly<Record<string, unknown>>;
}

/**
 * The records of a JSON Lines file (https://jsonlines.org): one JSON object per line; blank lines
 * are skipped. A line that is not a JSON object is an error naming the file and line.
 */
export function readJsonLines(file: string, text: string): JsonRecord[] {
  const records: JsonRecord[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new TrainInputError(`${file}:${i + 1}: not valid JSON (${(e as Error).message}); each line must be one JSON object, like {"tokens": [4, 17, 9], "label": 2}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new TrainInputError(`${file}:${i + 1}: expected a JSON object, found ${describeJson(value)}`);
    }
    records.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  if (records.length === 0) throw new TrainInputError(`${file}: no examples (the file has no non-blank lines)`);
  return records;
}

/** `a number`, `an array of 3`, `a string "abc"`: a JSON value as it appears in a message. */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : `an array of ${value.length}`;
  if (typeof value === "string") return `a string ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return `${value}`;
  return "an object";
}

/**
 * Whether a data file is JSON Lines: its name ends in .jsonl / .ndjson, or (any other name) its
 * first non-blank character is `{`. A text file is a character language model's data.
 */
export function looksLikeJsonLines(file: string, text: string): boolean {
  if (/\.(jsonl|ndjson)$/i.test(file)) return true;
  if (/\.txt$/i.test(file)) return false;
  return text.trimStart().startsWith("{");
}
