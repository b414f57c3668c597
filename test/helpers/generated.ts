import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileToTypeScript } from "../../src/backends/ts/compile.js";

/** Where tests write generated modules (git-ignored), so they can be imported and type-checked. */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", ".generated");
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Compiles a .rnn file (path relative to the repository) to a module file and returns its path. */
export function writeGenerated(rnnPath: string, text?: string, tag = ""): string {
  const source = text ?? readFileSync(join(ROOT, rnnPath), "utf8");
  const result = compileToTypeScript(rnnPath, source);
  if (!result.code) throw new Error(`${rnnPath} did not compile: ${result.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  mkdirSync(GENERATED_DIR, { recursive: true });
  const out = join(GENERATED_DIR, `${rnnPath.replace(/[^\w]/g, "_")}${tag}.ts`);
  writeFileSync(out, result.code);
  return out;
}

/** Compiles and imports a generated module. */
export async function importGenerated(rnnPath: string, text?: string, tag = ""): Promise<Record<string, unknown>> {
  const file = writeGenerated(rnnPath, text, tag);
  return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
}

/** The contract of a generated cell factory, loosely typed for tests. */
export type Factory = (dims: Record<string, number>, options?: { dtype?: "float32" | "float64"; backend?: "wasm" | "js"; threads?: number }) => CellInstance;
export interface CellInstance {
  paramShapes: Record<string, number[]>;
  init(seed: number): Record<string, Float32Array | Float64Array>;
  forward(params: Record<string, ArrayLike<number>>, x: ArrayLike<number>, options: { batch: number; steps: number; initial?: Record<string, ArrayLike<number>>; lengths?: ArrayLike<number>; tape?: boolean }): Run;
  backward(run: Run, seeds?: { outputs?: Record<string, ArrayLike<number>>; final?: Record<string, ArrayLike<number>> }): Gradients;
  loadParams(bytes: Uint8Array): Record<string, Float32Array | Float64Array>;
  saveParams(params: Record<string, Float32Array | Float64Array>): Uint8Array;
}
export interface Run {
  outputs: Record<string, Float32Array | Float64Array>;
  final: Record<string, Float32Array | Float64Array>;
  batch: number;
  steps: number;
}
export interface Gradients {
  params: Record<string, Float32Array | Float64Array>;
  x: Float32Array | Float64Array;
  initial: Record<string, Float32Array | Float64Array>;
}

/** max |a − b| / max(1, |b|) over all elements (relative where values are large). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}
