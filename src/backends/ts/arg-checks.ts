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
    // Anything but a boolean would be read as "keep the tape": say so instead.
    `if (options.tape !== undefined && typeof options.tape !== "boolean") throw new Error(\`\${where}: options.tape must be true or false, received \${String(options.tape)}\`);`,
  ];
}

/**
 * The first lines of every forward body (TypeScript kernels, wasm kernels, the id path): `where`,
 * the options' keys, the sizes B, T and TB, and the checked params `P`.
 */
export function forwardPreamble(graph: Pick<Graph, "states" | "nodes">, where: string): string[] {
  return [
    `const where = ${where};`,
    ...forwardOptionChecks(graph),
    `const B = checkCount(where, "options.batch", options.batch);`,
    `const T = checkCount(where, "options.steps", options.steps);`,
    "const TB = T * B;",
    `const P = checkParams<A>(where, params, paramShapes, F);`,
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

/** A dropout of the cell: its mask number (`M<site>`) and its drop probability. */
export interface DropoutSite {
  readonly site: number;
  readonly p: number;
}

/** `training` and `seed` of a cell with dropout, checked before anything is allocated. */
export function dropoutOptionChecks(): string[] {
  return [
    `if (options.training !== undefined && typeof options.training !== "boolean") throw new Error(\`\${where}: options.training must be true or false, received \${String(options.training)}\`);`,
    `if (options.training === true && options.seed === undefined) throw new Error(\`\${where}: options.seed is required when options.training is true (it makes the dropout masks reproducible)\`);`,
    `if (options.training === true && !Number.isSafeInteger(options.seed)) throw new Error(\`\${where}: options.seed must be an integer between -(2^53 - 1) and 2^53 - 1, received \${String(options.seed)}\`);`,
  ];
}

/**
 * Fills the masks `M<site>` (declared by the caller, B rows each) the same way on both back ends:
 * drawn by the runtime's fillDropoutMasks from options.seed in training, ones otherwise — so the
 * same seed gives the same masks on js and wasm.
 */
export function drawMasks(sites: readonly DropoutSite[]): string[] {
  if (sites.length === 0) return [];
  return [
    ...sites.map((m) => `M${m.site}.fill(1);`),
    `if (options.training === true) fillDropoutMasks(options.seed!, [${sites.map((m) => `M${m.site}`).join(", ")}], [${sites.map((m) => m.p).join(", ")}]);`,
  ];
}
