import type { Graph } from "../../../ir/graph.js";
import { dropoutOptionChecks, drawMasks, forwardOptionChecks, seedChecks, type DropoutSite } from "../arg-checks.js";
import type { Shape } from "../../../core/dims.js";
import type { DimNames, Storage } from "../storage.js";
import type { SeqProgram } from "../program.js";
import type { WasmKernelCode } from "./writer.js";

/**
 * The bodies of a cell's `forward` and `backward` on the wasm backend: the same checks as
 * the TypeScript kernels, then every buffer placed in the instance's memory at once (params
 * and input copied in), the kernel (wasm loops and GEMMs on views of that memory), and the
 * results copied out. The forward pass's blocks stay in memory as the run's tape.
 */
export interface WasmMethodContext {
  readonly graph: Graph;
  readonly dims: DimNames;
  readonly forward: WasmKernelCode;
  readonly backward: WasmKernelCode;
  readonly bwdProgram: SeqProgram;
  /** Where the forward pass keeps each node (its names are the tape's). */
  readonly forwardStorage: ReadonlyMap<number, Storage>;
  /** The backward node of each input's gradient (undefined when the input does not matter). */
  readonly dx: ReadonlyMap<string, number | undefined>;
  /** The cell's dropouts, in mask order: each mask is a block of B rows in the memory, kept with the tape. */
  readonly sites: readonly (DropoutSite & { readonly shape: Shape })[];
  /** Lines checking the input argument (one array, or an object of several), declaring each under `name(input)`. */
  readonly readInputs: (name: (input: string) => string) => string[];
  readonly where: (fn: string) => string;
  readonly meaning: (shape: Graph["inputs"][number]["shape"]) => string;
  readonly copyRows: (s: Storage, size: string, maskOutputs: boolean) => string;
}

/**
 * Lines declaring `names` as views of new blocks (one alloc, then views: growing replaces the
 * buffer). Blocks come uncleared; those read before they are written — state histories
 * (zero initial states and seeds), gradient sums — are zeroed.
 */
function place(names: readonly string[], sizes: readonly string[], view: string): string[] {
  const zeroed = names.filter((n) => /^(hist_|G_)/.test(n));
  return [
    `const sizes = [${sizes.join(", ")}];`,
    "const offsets = H.alloc(sizes);",
    `const ${view} = H.views(offsets, sizes) as unknown as A[];`,
    ...names.map((n, i) => `const ${n} = ${view}[${i}]!;`),
    ...zeroed.map((n) => `${n}.fill(0);`),
  ];
}

/** The forward tape's blocks, in order: params, the inputs, the dropout masks, then the kernel's buffers. */
function tapeNames(c: WasmMethodContext): string[] {
  return [...c.graph.params.map((p) => `P_${p.name}`), ...c.graph.inputs.map((x) => `X_${x.name}`), ...c.sites.map((m) => `M${m.site}`), ...c.forward.buffers.map((b) => b.name)];
}

export function wasmForwardBody(c: WasmMethodContext): string[] {
  const { graph, dims: d } = c;
  const sizes = [
    ...graph.params.map((p) => d.size(p.shape)),
    ...graph.inputs.map((x) => `TB * ${d.size(x.shape)}`),
    ...c.sites.map((m) => `B * ${d.size(m.shape)}`),
    ...c.forward.buffers.map((b) => b.size),
  ];
  return [
    `const where = ${c.where("forward")};`,
    ...forwardOptionChecks(graph),
    `const B = checkCount(where, "options.batch", options.batch);`,
    `const T = checkCount(where, "options.steps", options.steps);`,
    "const TB = T * B;",
    `const P = checkParams<A>(where, params, paramShapes, F);`,
    ...c.readInputs((n) => `xIn_${n}`),
    `const lengths = options.lengths === undefined ? undefined : checkLengths(where, options.lengths, B, T);`,
    ...(c.sites.length > 0 ? dropoutOptionChecks() : []),
    "const H = wasmHeap(where);",
    "const W = H.fns;",
    ...place(tapeNames(c), sizes, "V"),
    ...graph.params.map((p) => `P_${p.name}.set(P.${p.name}!);`),
    ...graph.inputs.map((x) => `X_${x.name}.set(xIn_${x.name});`),
    ...drawMasks(c.sites),
    ...c.forward.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (options.initial?.${s.name} !== undefined) ${c.forward.histories.get(s.name)}.set(checkArray<A>(where, "options.initial.${s.name}", options.initial.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), 0);`;
    }),
    ...c.forward.body.map((l) => l.slice(2)),
    ...graph.outputs.map((o) => `const out_${o.name} = ${c.copyRows(c.forward.storage.get(o.node)!, d.size(graph.nodes[o.node]!.shape), true)};`),
    "const run = {",
    `  outputs: { ${graph.outputs.map((o) => `${o.name}: out_${o.name}`).join(", ")} },`,
    `  final: { ${graph.states.map((s) => `${s.name}: ${c.forward.histories.get(s.name)}.slice(TB * ${d.size(s.shape)}, (TB + B) * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "  batch: B,",
    "  steps: T,",
    "  tape: { heap: H, region: undefined as unknown as HeapRegion, lengths },",
    "};",
    // Without a tape (inference) the memory is reused at once; backward() of such a run is refused.
    "if (options.tape === false) H.release(offsets, sizes);",
    "run.tape.region = options.tape === false ? H.released(sizes) : H.keep(offsets, sizes, run);",
    "return run;",
  ];
}

export function wasmBackwardBody(c: WasmMethodContext): string[] {
  const { graph, dims: d } = c;
  const fwdNames = tapeNames(c);
  // The tape blocks the backward kernel reads, under its names for them.
  const reads = new Map<string, string>();
  for (const p of graph.params) reads.set(`P_${p.name}`, `P_${p.name}`);
  for (const x of graph.inputs) reads.set(`X_${x.name}`, `X_${x.name}`);
  for (const m of c.sites) reads.set(`M${m.site}`, `M${m.site}`);
  for (const [, leaf] of c.bwdProgram.leaves) {
    if (leaf.kind !== "seq") continue;
    if (leaf.source.kind === "history") reads.set(`hist_${leaf.source.name}`, `t_hist_${leaf.source.name}`);
    if (leaf.source.kind === "tape") {
      const buf = c.forwardStorage.get(leaf.source.node)!.buf;
      if (!buf.startsWith("X_")) reads.set(buf, `t_${buf}`);
    }
  }
  const seeds = graph.outputs.map((o) => ({ name: o.name, size: d.size(graph.nodes[o.node]!.shape), shape: graph.nodes[o.node]!.shape }));
  const names = [...seeds.map((s) => `S_${s.name}`), ...c.backward.buffers.map((b) => b.name), ...graph.params.map((p) => `G_${p.name}`)];
  const sizes = [...seeds.map((s) => `TB * ${s.size}`), ...c.backward.buffers.map((b) => b.size), ...graph.params.map((p) => d.size(p.shape))];
  const dX = (x: Graph["inputs"][number]) => {
    const node = c.dx.get(x.name);
    const size = d.size(x.shape);
    return `const dX_${x.name} = ${node === undefined ? `new F(TB * ${size}) as A` : c.copyRows(c.backward.storage.get(node)!, size, false)};`;
  };
  return [
    `const where = ${c.where("backward")};`,
    `const tape = (run as { tape?: unknown } | undefined)?.tape as { heap: WasmHeap; region: HeapRegion; lengths: Int32Array | undefined } | undefined;`,
    "if (tape === undefined || tape.heap !== heap) throw new Error(`${where}: run must be the result of forward() of this instance`);",
    ...seedChecks(graph),
    "const B = run.batch;",
    "const T = run.steps;",
    "const TB = T * B;",
    "const lengths = tape.lengths;",
    "const H = wasmHeap(where);",
    "const W = H.fns;",
    "H.restore(where, tape.region);",
    ...seeds.map((s) => `const seed_${s.name} = seedArray<A>(where, "seeds.outputs.${s.name}", seeds?.outputs?.${s.name}, TB, ${s.size}, \`steps \${T} × batch \${B} × ${c.meaning(s.shape)}\`, lengths, F);`),
    ...place(names, sizes, "V"),
    "const TV = H.views(tape.region.offsets, tape.region.sizes) as unknown as A[];",
    ...fwdNames.flatMap((n, i) => (reads.has(n) ? [`const ${reads.get(n)} = TV[${i}]!;`] : [])),
    ...seeds.map((s) => `S_${s.name}.set(seed_${s.name});`),
    ...c.backward.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (seeds?.final?.${s.name} !== undefined) ${c.backward.histories.get(s.name)}.set(checkArray<A>(where, "seeds.final.${s.name}", seeds.final.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), TB * ${size});`;
    }),
    ...c.backward.body.map((l) => l.slice(2)),
    ...graph.inputs.map(dX),
    "const result = {",
    `  params: { ${graph.params.map((p) => `${p.name}: G_${p.name}.slice() as A`).join(", ")} },`,
    graph.inputs.length > 1 ? `  inputs: { ${graph.inputs.map((x) => `${x.name}: dX_${x.name}`).join(", ")} },` : `  x: dX_${graph.inputs[0]!.name},`,
    `  initial: { ${graph.states.map((s) => `${s.name}: ${c.backward.histories.get(s.name)}.slice(0, B * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "};",
    "H.release(offsets, sizes);",
    "H.used(tape.region);",
    "return result;",
  ];
}
