import type { Unit } from "../check/unit.js";
import { LineIndex } from "../diagnostics/source.js";
import { printGraph } from "./print.js";
import { printModel } from "./print-model.js";
import { unitGraphs } from "./unit.js";

/**
 * Line numbers for the printers, from the text of every file a unit's spans name (the front end's
 * `sources`): `lineOf(offset, file)`, undefined for a file whose text is not at hand.
 */
export function lineLookup(sources: ReadonlyMap<string, string>): (offset: number, file: string) => number | undefined {
  const indexes = new Map<string, LineIndex>();
  return (offset, file) => {
    const source = sources.get(file);
    if (source === undefined) return undefined;
    let index = indexes.get(file);
    if (!index) indexes.set(file, (index = new LineIndex(source)));
    return index.position(offset).line;
  };
}

/**
 * The stable text form of a unit (`rnnc ir`): a cell's step graph, or a model's dataflow over
 * sequences (each layer's cell is printed by `rnnc ir --cell` like any cell).
 */
export function printUnit(unit: Unit, sources: ReadonlyMap<string, string>): string {
  const lineOf = lineLookup(sources);
  if (unit.kind === "model") return printModel(unit.model, (file, offset) => ((line) => (line === undefined ? file : `${file}:${line}`))(lineOf(offset, file)));
  return printGraph(unitGraphs(unit)[0]!, (offset, file) => lineOf(offset, file) ?? 0);
}
