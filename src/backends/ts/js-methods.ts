import type { Graph } from "../../ir/graph.js";
import { dropoutOptionChecks, drawMasks, forwardPreamble, seedChecks, type DropoutSite } from "./arg-checks.js";
import type { Shape } from "../../core/dims.js";
import type { KernelCode } from "./codegen.js";
import type { SeqProgram } from "./program.js";
import { bufferName, type DimNames, type Storage } from "./storage.js";

/**
 * The bodies of a cell's `forward` and `backward` on the TypeScript kernels (the js backend, and
 * float64): the argument checks, the buffers as typed arrays, the kernel, the results. The
 * forward pass's buffers are the run's tape. (wasm/methods.ts writes the same methods for the
 * WebAssembly kernels.)
 */
export interface JsMethodContext {
  readonly graph: Graph;
  readonly dims: DimNames;
  readonly forward: KernelCode;
  readonly backward: KernelCode;
  readonly bwdProgram: SeqProgram;
  /** The backward node of each input's gradient (undefined when the input does not matter). */
  readonly dx: ReadonlyMap<string, number | undefined>;
  /** The cell's dropouts, in mask order. */
  readonly sites: readonly (DropoutSite & { readonly shape: Shape })[];
  /** Lines checking the input argument, declaring each array under `name(input)`. */
  readonly readInputs: (name: (input: string) => string) => string[];
  readonly where: (fn: string) => string;
  readonly meaning: (shape: Graph["inputs"][number]["shape"]) => string;
  /** An expression copying a value's [T·B, size] rows into a new array. */
  readonly copyRows: (s: Storage, size: string, maskOutputs: boolean) => string;
}

export function jsForwardBody(c: JsMethodContext): string[] {
  const { graph, dims: d, sites, where, meaning, readInputs, copyRows } = c;
  const tapeInputs = `{ ${graph.inputs.map((x) => `${x.name}: X_${x.name}`).join(", ")} }`;
  // Masks drawn by the runtime's fillDropoutMasks from options.seed; outside training, ones.
  const makeMasks = sites.length === 0
    ? []
    : [...dropoutOptionChecks(), ...sites.map((m) => `const M${m.site} = new F(B * ${d.size(m.shape)}) as A;`), ...drawMasks(sites)];
  const tapeMasks = `{ ${sites.map((m) => `M${m.site}`).join(", ")} }`;

  const fwd = c.forward;
  return [
    ...forwardPreamble(graph, where("forward")),
    ...graph.params.map((p) => `const P_${p.name} = P.${p.name}!;`),
    ...readInputs((n) => `X_${n}`),
    `const lengths = options.lengths === undefined ? undefined : checkLengths(where, options.lengths, B, T);`,
    ...makeMasks,
    ...fwd.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (options.initial?.${s.name} !== undefined) ${fwd.histories.get(s.name)}.set(checkArray<A>(where, "options.initial.${s.name}", options.initial.${s.name}, B * ${size}, \`batch \${B} × ${meaning(s.shape)}\`, F), 0);`;
    }),
    ...fwd.body.map((l) => l.slice(2)),
    ...graph.outputs.map((o) => `const out_${o.name} = ${copyRows(fwd.storage.get(o.node)!, d.size(graph.nodes[o.node]!.shape), true)};`),
    "return {",
    `  outputs: { ${graph.outputs.map((o) => `${o.name}: out_${o.name}`).join(", ")} },`,
    `  final: { ${graph.states.map((s) => `${s.name}: ${fwd.histories.get(s.name)}.slice(TB * ${d.size(s.shape)}, (TB + B) * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "  batch: B,",
    "  steps: T,",
    `  tape: { params: P, inputs: ${tapeInputs}, masks: ${tapeMasks}, lengths, buffers: { ${[...new Set(fwd.fullBuffers)].join(", ")} } },`,
    "};",
  ];
}

export function jsBackwardBody(c: JsMethodContext): string[] {
  const { graph, dims: d, sites, where, meaning, copyRows } = c;
  const fwd = c.forward;
  const bwd = c.backward;
  const several = graph.inputs.length > 1;
  const xName = graph.inputs[0]!.name;
  const inputSize = (x: Graph["inputs"][number]) => d.size(x.shape);
  const dX = (x: Graph["inputs"][number]) => {
    const node = c.dx.get(x.name);
    return `const dX_${x.name} = ${node === undefined ? `new F(TB * ${inputSize(x)}) as A` : copyRows(bwd.storage.get(node)!, inputSize(x), false)};`;
  };
  return [
    ...backwardPreamble(graph, where("backward"), "inputs: Record<string, A>; masks: Record<string, A>"),
    ...graph.inputs.map((x) => `const X_${x.name} = tape.inputs.${x.name}!;`),
    ...sites.map((m) => `const M${m.site} = tape.masks.M${m.site}!;`),
    ...backwardTapeNames(c.bwdProgram, fwd).map((n) => `const t_${n} = tape.buffers.${n}!;`),
    ...graph.outputs.map((o) => {
      const size = d.size(graph.nodes[o.node]!.shape);
      return `const S_${o.name} = seedArray<A>(where, "seeds.outputs.${o.name}", seeds?.outputs?.${o.name}, TB, ${size}, \`steps \${T} × batch \${B} × ${meaning(graph.nodes[o.node]!.shape)}\`, lengths, F);`;
    }),
    ...bwd.allocs,
    ...graph.params.map((p) => `const G_${p.name} = new F(${d.size(p.shape)}) as A;`),
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (seeds?.final?.${s.name} !== undefined) ${bwd.histories.get(s.name)}.set(checkArray<A>(where, "seeds.final.${s.name}", seeds.final.${s.name}, B * ${size}, \`batch \${B} × ${meaning(s.shape)}\`, F), TB * ${size});`;
    }),
    ...bwd.body.map((l) => l.slice(2)),
    ...graph.inputs.map(dX),
    "return {",
    `  params: { ${graph.params.map((p) => `${p.name}: G_${p.name}`).join(", ")} },`,
    several ? `  inputs: { ${graph.inputs.map((x) => `${x.name}: dX_${x.name}`).join(", ")} },` : `  x: dX_${xName},`,
    `  initial: { ${graph.states.map((s) => `${s.name}: ${bwd.histories.get(s.name)}.slice(0, B * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "};",
  ];
}

/**
 * The first lines of a backward body on the TypeScript kernels: the run's tape (its params,
 * lengths and buffers, and the fields `tapeFields` of the forward that made it), the seeds'
 * keys, the sizes and each param.
 */
export function backwardPreamble(graph: Graph, where: string, tapeFields: string): string[] {
  return [
    `const where = ${where};`,
    `const tape = (run as { tape?: unknown } | undefined)?.tape as { params: Record<string, A>; ${tapeFields}; lengths: Int32Array | undefined; buffers: Record<string, A> } | undefined;`,
    "if (tape === undefined || tape.buffers === undefined) throw new Error(`${where}: run must be the result of forward() of this instance`);",
    ...seedChecks(graph),
    "const B = run.batch;",
    "const T = run.steps;",
    "const TB = T * B;",
    "const lengths = tape.lengths;",
    ...graph.params.map((p) => `const P_${p.name} = tape.params.${p.name}!;`),
  ];
}

/** The forward buffers a backward pass reads from the tape (its histories, and values other than inputs), sorted. */
export function backwardTapeNames(bwdProgram: SeqProgram, fwd: KernelCode): string[] {
  const names = new Set<string>();
  for (const [, leaf] of bwdProgram.leaves) {
    if (leaf.kind !== "seq") continue;
    if (leaf.source.kind === "history") names.add(bufferName("history", leaf.source.name));
    if (leaf.source.kind === "tape" && fwd.storage.get(leaf.source.node)!.role !== "input") names.add(fwd.storage.get(leaf.source.node)!.buf);
  }
  return [...names].sort();
}
