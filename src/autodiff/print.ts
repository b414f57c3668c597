import { printNode } from "../ir/print.js";
import type { StepGradient } from "./reverse.js";

/**
 * The backward step in the same text form: the forward nodes, then seeds and gradient nodes,
 * then what leaves the step (d x, d state entering the step, each param's contributions).
 */
export function printStepGradient(grad: StepGradient, lineOf?: (offset: number) => number): string {
  const f = grad.forward;
  const lines: string[] = [`backward step of cell ${f.cell}(${f.dims.join(", ")})`];
  for (const n of grad.nodes) lines.push(`  ${printNode(n, n.id < f.nodes.length ? lineOf : undefined)}`);
  for (const [name, id] of grad.inputGrads) lines.push(`  grad ${name} = ${id === undefined ? "0" : `%${id}`}`);
  for (const [name, id] of grad.stateGrads) lines.push(`  grad ${name} (entering the step) = ${id === undefined ? "0" : `%${id}`}`);
  for (const [name, ids] of grad.paramGrads) lines.push(`  grad ${name} += ${ids.length === 0 ? "0" : ids.map((i) => `%${i}`).join(" + ")}   (summed over batch and steps)`);
  return lines.join("\n") + "\n";
}
