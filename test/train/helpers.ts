import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { compileTrainUnit, type TrainUnit } from "../../src/train/unit.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ALICE = readFileSync(`${ROOT}examples/data/alice.txt`, "utf8");

/** A shipped example, compiled and loaded (its program must be free of errors). */
export async function exampleCell(name: string): Promise<TrainUnit & { source: string; file: string }> {
  const file = `examples/${name}`;
  const source = readFileSync(`${ROOT}${file}`, "utf8");
  const { unit, diagnostics } = await compileTrainUnit(file, source);
  if (!unit) throw new Error(`${file} does not compile: ${diagnostics.map((d) => d.message).join("; ")}`);
  return { signature: unit.signature, instantiate: unit.instantiate, source, file };
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

/** The CLI in this process, with its output collected. */
export function fakeIO(stdoutIsTTY = false, columns?: number): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY, ...(columns !== undefined ? { columns } : {}), env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
export const rnnc = async (io: CliIO, ...args: string[]) => main(["node", "rnnc", ...args], io);
export const readLog = (path: string) => readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, number>);

