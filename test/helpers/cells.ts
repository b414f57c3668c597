import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { modelCellGraphs } from "../../src/backends/ts/model.js";
import { checkSource } from "../../src/compiler.js";
import type { Graph } from "../../src/ir/graph.js";
import { lowerCell } from "../../src/ir/lower.js";
import { ROOT } from "./generated.js";

/**
 * Every cell each example defines or runs (imported ones included): its name and its dimensions'
 * names, and whether the wasm backend runs it (not a cell with several inputs or with dropout).
 */
export function exampleCells(): { file: string; cell: string; dims: readonly string[]; graph: Graph; inputSize: (dims: Record<string, number>) => number; wasm: boolean }[] {
  const files = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".rnn")).sort().map((f) => `examples/${f}`);
  return files.flatMap((file) => {
    const { checked } = checkSource(file, readFileSync(join(ROOT, file), "utf8"));
    if (!checked) throw new Error(`${file} does not check`);
    const graphs = checked.cells.map((c) => lowerCell(c, checked, file));
    for (const m of checked.models) for (const g of modelCellGraphs(m)) if (!graphs.some((x) => x.cell === g.cell)) graphs.push(g);
    return graphs.map((g) => ({
      file,
      cell: g.cell,
      dims: g.dims,
      graph: g,
      inputSize: (d: Record<string, number>) => g.inputs[0]!.shape.reduce((n, x) => n * x.evaluate(d), 1),
      wasm: g.inputs.length === 1 && !g.nodes.some((n) => n.op === "dropout"),
    }));
  });
}
