import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileCell, type CompiledCell } from "../../src/train/cell.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ALICE = readFileSync(`${ROOT}examples/data/alice.txt`, "utf8");

/** A shipped example, compiled and loaded (its program must be free of errors). */
export async function exampleCell(name: string): Promise<CompiledCell & { source: string; file: string }> {
  const file = `examples/${name}`;
  const source = readFileSync(`${ROOT}${file}`, "utf8");
  const { cell, diagnostics } = await compileCell(file, source);
  if (!cell) throw new Error(`${file} does not compile: ${diagnostics.map((d) => d.message).join("; ")}`);
  return { ...cell, source, file };
}

/** Σ over characters of −p·ln p: the loss of the best model that knows only character frequencies. */
export function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  const chars = Array.from(text);
  for (const ch of chars) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / chars.length) * Math.log(n / chars.length);
  return h;
}
