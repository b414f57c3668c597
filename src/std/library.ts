import { hostFs } from "../core/host.js";

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
  // The .rnn files sit beside this module (src/std, or dist/std in the package), read through the host's file system.
  const fs = hostFs();
  return fs === undefined ? undefined : new TextDecoder().decode(fs.readFileSync(new URL(`./${base}`, import.meta.url)));
}
