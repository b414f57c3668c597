import type { Unit } from "../check/unit.js";
import type { Graph } from "./graph.js";
import { layerGraph } from "./lower.js";

/**
 * The step graphs of a unit's layers, one per cell (a cell used by two layers is one graph), in
 * layer order: for a cell unit, the cell's own graph.
 */
export function unitGraphs(unit: Unit): Graph[] {
  const seen = new Map<string, Graph>();
  for (const l of unit.signature.layers) {
    const name = l.cell.cell.def.name.name;
    if (!seen.has(name)) seen.set(name, layerGraph(l.cell));
  }
  return [...seen.values()];
}
