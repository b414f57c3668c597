import type { Graph } from "../../../ir/graph.js";
import { forwardOptionChecks, seedChecks } from "../arg-checks.js";
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
  readonly dx: number | undefined;
  readonly where: (fn: string) => string;
  readonly meaning: (shape: Graph["inputs"][number]["shape"]) => string;
  readonly copyRows: (s: Storage, size: string, maskOutputs: boolean) => string;
  /** The input is fed integer ids (one i32 per row in its block; −1 past a length): the `forwardIds` path. */
  readonly ids?: boolean;
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

/** The forward tape's blocks, in order: params, the input, then the kernel's buffers. */
function tapeNames(c: WasmMethodContext): string[] {
  return [...c.graph.params.map((p) => `P_${p.name}`), `X_${c.graph.inputs[0]!.name}`, ...c.forward.buffers.map((b) => b.name)];
}

export function wasmForwardBody(c: WasmMethodContext): string[] {
  const { graph, dims: d } = c;
  const xName = graph.inputs[0]!.name;
  const inputSize = d.size(graph.inputs[0]!.shape);
  const sizes = [...graph.params.map((p) => d.size(p.shape)), c.ids ? "TB" : `TB * ${inputSize}`, ...c.forward.buffers.map((b) => b.size)];
  const lengthsLine = `const lengths = options.lengths === undefined ? undefined : checkLengths(where, options.lengths, B, T);`;
  return [
    `const where = ${c.where("forward")};`,
    ...forwardOptionChecks(graph),
    `const B = checkCount(where, "options.batch", options.batch);`,
    `const T = checkCount(where, "options.steps", options.steps);`,
    "const TB = T * B;",
    `const P = checkParams<A>(where, params, paramShapes, F);`,
    ...(c.ids
      ? [lengthsLine, `const xIn = idRows(where, ${JSON.stringify(xName)}, input, T, B, ${inputSize}, lengths);`]
      : [`const xIn = checkArray<A>(where, ${JSON.stringify(xName)}, input, TB * ${inputSize}, \`steps \${T} × batch \${B} × ${c.meaning(graph.inputs[0]!.shape)}\`, F);`, lengthsLine]),
    "const H = wasmHeap(where);",
    "const W = H.fns;",
    ...place(tapeNames(c), sizes, "V"),
    ...graph.params.map((p) => `P_${p.name}.set(P.${p.name}!);`),
    c.ids ? `new Int32Array(X_${xName}.buffer, X_${xName}.byteOffset, TB).set(xIn);` : `X_${xName}.set(xIn);`,
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
    `  tape: { heap: H, region: undefined as unknown as HeapRegion, lengths${c.ids ? ", ids: true" : ""} },`,
    "};",
    // Without a tape (inference) the memory is reused at once; backward() of such a run is refused.
    "if (options.tape === false) H.release(offsets, sizes);",
    "run.tape.region = options.tape === false ? H.released(sizes) : H.keep(offsets, sizes, run);",
    "return run;",
  ];
}

export function wasmBackwardBody(c: WasmMethodContext): string[] {
  const { graph, dims: d } = c;
  const inputSize = d.size(graph.inputs[0]!.shape);
  const fwdNames = tapeNames(c);
  // The tape blocks the backward kernel reads, under its names for them.
  const reads = new Map<string, string>();
  for (const p of graph.params) reads.set(`P_${p.name}`, `P_${p.name}`);
  reads.set(`X_${graph.inputs[0]!.name}`, `X_${graph.inputs[0]!.name}`);
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
  // Ids have no gradient: an empty array, never the T·B·V zeros.
  const dx = c.ids ? "new F(0) as A" : c.dx === undefined ? `new F(TB * ${inputSize}) as A` : c.copyRows(c.backward.storage.get(c.dx)!, inputSize, false);
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
    `const dX = ${dx};`,
    "const result = {",
    `  params: { ${graph.params.map((p) => `${p.name}: G_${p.name}.slice() as A`).join(", ")} },`,
    "  x: dX,",
    `  initial: { ${graph.states.map((s) => `${s.name}: ${c.backward.histories.get(s.name)}.slice(0, B * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "};",
    "H.release(offsets, sizes);",
    "H.used(tape.region);",
    "return result;",
  ];
}
