import { InvalidArgumentError } from "commander";

/** `--dims I=32,H=64` → { I: 32, H: 64 }; a malformed value is a usage error (exit 2). */
export function parseDimsOption(text: string): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const part of text.split(",")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*$/.exec(part);
    if (!match) throw new InvalidArgumentError(`expected NAME=SIZE pairs separated by commas (like I=32,H=64), found \`${part}\`.`);
    const name = match[1]!;
    if (Object.prototype.hasOwnProperty.call(dims, name)) throw new InvalidArgumentError(`dimension ${name} is given twice.`);
    const size = Number(match[2]);
    if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`dimension ${name} must be a positive integer, found ${match[2]}.`);
    dims[name] = size;
  }
  return dims;
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
