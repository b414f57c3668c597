import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The standard library: .rnn files shipped in src/std, imported by name (`import LSTM from std`).
 * Each name lives in one file; diagnostics show it as `std/<file>`.
 */
const STD_FILES: Readonly<Record<string, string>> = {
  Elman: "elman.rnn",
  LSTM: "lstm.rnn",
  GRU: "gru.rnn",
  Linear: "linear.rnn",
  Embedding: "embedding.rnn",
  LayerNorm: "layernorm.rnn",
  layernorm: "layernorm.rnn",
};

export const STD_NAMES: readonly string[] = Object.keys(STD_FILES);

/** The .rnn files sit beside this module. */
const STD_DIR = dirname(fileURLToPath(import.meta.url));

/** The display name (`std/lstm.rnn`) of the file defining a standard name, or undefined. */
export function stdFileOf(name: string): string | undefined {
  const f = STD_FILES[name];
  return f === undefined ? undefined : `std/${f}`;
}

/** The text of a standard-library file by its display name, or undefined for any other name. */
export function stdSource(display: string): string | undefined {
  if (!display.startsWith("std/")) return undefined;
  const base = display.slice(4);
  if (!Object.values(STD_FILES).includes(base)) return undefined;
  return readFileSync(join(STD_DIR, base), "utf8");
}
