import { InvalidArgumentError } from "commander";
import { DimValueError, parseDimValues } from "../core/dim-values.js";

/** `--dims I=32,H=64` → { I: 32, H: 64 }; a malformed value is a usage error (exit 2). */
export function parseDimsOption(text: string): Record<string, number> {
  try {
    return parseDimValues(text);
  } catch (error) {
    if (error instanceof DimValueError) throw new InvalidArgumentError(`${error.message}.`);
    throw error;
  }
}

/** An option that must be an integer ≥ min. */
export function integerOption(what: string, min: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}, found \`${text}\`.`);
    return n;
  };
}

/** `--lengths 5,3,1` → [5, 3, 1]. */
export function parseLengthsOption(text: string): number[] {
  return text.split(",").map((p) => integerOption("each length", 0)(p.trim()));
}
