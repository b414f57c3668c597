/**
 * Graphs from .rnn source through the real front end (parse → check → lower), for checking
 * that the lowering agrees with PyTorch through the oracle. Fails loudly on any diagnostic.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { check } from "../../src/check/checker.js";
import type { Graph } from "../../src/ir/graph.js";
import { lowerCell } from "../../src/ir/lower.js";
import { parse } from "../../src/syntax/parse.js";

export function lowerSource(file: string, text: string, cellName: string): Graph {
  const parsed = parse(file, text);
  const checked = check(parsed.program, text);
  const problems = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === "error");
  if (problems.length > 0) throw new Error(`${file}: ${problems.length} error(s), first: ${problems[0]!.message}`);
  const cell = checked.cells.find((c) => c.def.name.name === cellName);
  if (!cell) throw new Error(`${file}: no cell ${cellName}`);
  return lowerCell(cell, checked, file);
}

/** A cell of one of the repository's examples/*.rnn files. */
export function lowerExample(name: string, cellName: string): Graph {
  const path = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  return lowerSource(`examples/${name}`, readFileSync(path, "utf8"), cellName);
}

/** torch.nn.RNN's layout (two biases, no readout), which examples/elman*.rnn do not use. */
export function pytorchElmanSource(activation: "tanh" | "relu"): string {
  return `cell Elman(I, H) {
  input x: [I]
  state h: [H]
  param W_ih: [H, I]
  param W_hh: [H, H]
  param b_ih: [H]
  param b_hh: [H]

  h' = ${activation}(W_ih @ x + b_ih + W_hh @ h + b_hh)
  output h'
}
`;
}
