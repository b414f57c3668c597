/**
 * The argument checks every generated cell method starts with, as lines of code, shared by the
 * JavaScript and the WebAssembly kernels so both refuse the same mistakes with the same words:
 * options and seeds may hold only the keys the cell has (a misspelt state or seed would otherwise
 * be silently zero), and a backward pass needs something to differentiate.
 */
import type { Graph } from "../../ir/graph.js";

const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/**
 * `forward(params, x, options)`: options is an object of batch, steps, initial (the cell's states),
 * lengths and tape — and training and seed when the cell has dropout.
 */
export function forwardOptionChecks(graph: Pick<Graph, "states" | "nodes">): string[] {
  const dropout = graph.nodes.some((n) => n.op === "dropout") ? ["training", "seed"] : [];
  return [
    `checkKeys(where, "options", options, [${list(["batch", "steps", "initial", "lengths", "tape", ...dropout])}], false);`,
    `checkKeys(where, "options.initial", options.initial, [${list(graph.states.map((s) => s.name))}]);`,
  ];
}

/** `backward(run, seeds)`: seeds holds outputs and final of the cell's names, and at least one array. */
export function seedChecks(graph: Pick<Graph, "states" | "outputs">): string[] {
  return [
    `checkKeys(where, "seeds", seeds, ["outputs", "final"]);`,
    `checkKeys(where, "seeds.outputs", seeds?.outputs, [${list(graph.outputs.map((o) => o.name))}]);`,
    `checkKeys(where, "seeds.final", seeds?.final, [${list(graph.states.map((s) => s.name))}]);`,
    `checkNothingToDifferentiate(where, seeds, "cell");`,
  ];
}
