import type { Graph } from "../../../ir/graph.js";
import { dropoutOptionChecks, drawMasks, forwardPreamble, seedChecks, type DropoutSite } from "../arg-checks.js";
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
  /**
   * Lines checking the input argument (one array, or an object of several), declaring each under
   * `name(input)`; `given(input)`: an expression holding the input as a block of the arena when a
   * model gives it so (then it is undefined, not checked).
   */
  readonly readInputs: (name: (input: string) => string, given?: (input: string) => string) => string[];
  readonly where: (fn: string) => string;
  readonly meaning: (shape: Graph["inputs"][number]["shape"]) => string;
  /** An expression copying a value's [T·B, size] rows into a new array, or into `into` (an expression) and giving it. */
  readonly copyRows: (s: Storage, size: string, maskOutputs: boolean, into?: string) => string;
  /**
   * The input given as integer ids (the id path, emit-ids.ts): one i32 per row in its block
   * (−1 past an example's length), read by the gathers and scatter-adds; it has no gradient.
   */
  readonly idInput?: string;
}

/**
 * Lines declaring `names` as views of new blocks (one `alloc` expression, then views: growing
 * replaces the buffer). Blocks come uncleared; those read before they are written — state histories
 * (zero initial states and seeds), gradient sums — are zeroed (`H.zero`), or only the floats
 * [from, from + count) given in `zeroedPart` (name → [from, count]) where the rest is written first.
 */
function place(names: readonly string[], sizes: readonly string[], view: string, alloc = "H.alloc(sizes)", zeroedPart: ReadonlyMap<string, readonly [string, string]> = new Map()): string[] {
  const zeroed = names.filter((n) => /^(hist_|G_)/.test(n));
  const zero = (n: string) => {
    const part = zeroedPart.get(n);
    if (part === undefined) return `H.zero(${n}.byteOffset, ${n}.length);`;
    return `H.zero(${n}.byteOffset${part[0] === "0" ? "" : ` + 4 * ${part[0]}`}, ${part[1]});`;
  };
  return [
    `const sizes = [${sizes.join(", ")}];`,
    `const offsets = ${alloc};`,
    `const ${view} = H.views(offsets, sizes) as unknown as A[];`,
    ...names.map((n, i) => `const ${n} = ${view}[${i}]!;`),
    ...zeroed.map(zero),
  ];
}

/**
 * A statement copying a value's [T·B, size] rows into `into`, a result array from `H.fresh`
 * (results leave the wasm memory): one `set` when the rows are contiguous and none is masked,
 * else the row-by-row copy.
 */
function copyInto(c: WasmMethodContext, s: Storage, size: string, maskOutputs: boolean, into: string): string {
  const rowByRow = `${c.copyRows(s, size, maskOutputs, into)};`;
  if (s.kind === "param" || s.stride !== size || s.col !== "0") return rowByRow;
  const start = s.rowOffset === "0" ? "0" : `B * ${size}`;
  const set = `${into}.set(${s.buf}.subarray(${start}, ${start === "0" ? "" : `${start} + `}TB * ${size}));`;
  return maskOutputs ? `if (lengths === undefined) ${set} else ${rowByRow}` : set;
}

/** A result array of `size` floats, faulted in while threads work (see WasmHeap.fresh). */
const fresh = (name: string, size: string): string => `const ${name} = H.fresh(${size}) as unknown as A;`;

/** An input's name in an ArenaIO: "x" for a cell's one input (as its gradient is named in backward's result), else its own. */
const ioKey = (graph: Graph, input: string): string => (graph.inputs.length > 1 ? input : "x");

/** A result array, or the zeroed view of its block when the model keeps result `key` in the arena (`kept`, see ArenaIO). */
const freshOrKept = (name: string, key: string, size: string, otherwise = `H.fresh(${size})`): string =>
  `const ${name} = (kept.${key} !== undefined ? H.blockView(kept.${key}) : ${otherwise}) as unknown as A;`;

/**
 * The kernel's lines with every `name.byteOffset` read once into a constant `o_name` (declared
 * first): the loops' calls pass dozens of addresses per step, and a typed array's byteOffset
 * is a checked property read. No block moves during the kernel (it allocates nothing).
 */
function withOffsets(lines: readonly string[]): string[] {
  const names = new Set<string>();
  const re = /\b([A-Za-z_$][\w$]*)\.byteOffset\b/g;
  const body = lines.map((l) => l.replace(re, (_, n: string) => (names.add(n), `o_${n}`)));
  return [...[...names].map((n) => `const o_${n} = ${n}.byteOffset;`), ...body];
}

/** The blocks the instance keeps (a copy of the params, the packed weights), reserved before the call's own. */
function reserve(c: WasmMethodContext, k: WasmKernelCode): string[] {
  if (k.keptPacks.length === 0) return [];
  const params = c.graph.params.map((p) => c.dims.size(p.shape)).join(", ");
  return [`H.reserve([${params}], [${k.keptPacks.map((p) => `[${JSON.stringify(p.key)}, ${p.size}]`).join(", ")}]);`];
}

/** The forward tape's blocks, in order: params, the inputs, the dropout masks, then the kernel's buffers. */
function tapeNames(c: WasmMethodContext): string[] {
  return [...c.graph.params.map((p) => `P_${p.name}`), ...c.graph.inputs.map((x) => `X_${x.name}`), ...c.sites.map((m) => `M${m.site}`), ...c.forward.buffers.map((b) => b.name)];
}

export function wasmForwardBody(c: WasmMethodContext): string[] {
  const { graph, dims: d } = c;
  const sizes = [
    ...graph.params.map((p) => d.size(p.shape)),
    ...graph.inputs.map((x) => (x.name === c.idInput ? "TB" : `TB * ${d.size(x.shape)}`)),
    ...c.sites.map((m) => `B * ${d.size(m.shape)}`),
    ...c.forward.buffers.map((b) => b.size),
  ];
  const lengths = `const lengths = options.lengths === undefined ? undefined : checkLengths(where, options.lengths, B, T);`;
  const ids = c.idInput;
  return [
    ...forwardPreamble(graph, c.where("forward")),
    // A model may give an input as a block of the arena its layers share (see ArenaIO).
    "const io = arenaIO(options);",
    ...(ids === undefined
      ? [...c.readInputs((n) => `xIn_${n}`, (n) => `io?.given?.${ioKey(graph, n)}`), lengths]
      : [lengths, `const ids_${ids} = idRows(where, ${JSON.stringify(ids)}, input, T, B, ${d.size(graph.inputs.find((x) => x.name === ids)!.shape)}, lengths);`]),
    ...(c.sites.length > 0 ? dropoutOptionChecks() : []),
    "const H = wasmHeap(where);",
    "const W = H.fns;",
    ...reserve(c, c.forward),
    `const kept = H.keptBlocks(io, [${graph.outputs.map((o) => `[${JSON.stringify(o.name)}, TB * ${d.size(graph.nodes[o.node]!.shape)}]`).join(", ")}]);`,
    // A tape kept evicts the instance's oldest first, whose space it then reuses.
    // Of a state's history only the initial rows are read before written: every step writes the next B rows.
    ...place(tapeNames(c), sizes, "V", "options.tape === false ? H.alloc(sizes) : H.allocTape(sizes)", new Map(graph.states.map((s) => [c.forward.histories.get(s.name)!, ["0", `B * ${d.size(s.shape)}`] as const]))),
    ...graph.params.map((p) => `P_${p.name}.set(P.${p.name}!);`),
    // The params' generation: the packed weights the instance keeps are packed again only when it changes.
    ...(c.forward.keptPacks.length > 0 ? [`const gen = H.syncParams([${graph.params.map((p) => `P_${p.name}.byteOffset`).join(", ")}]);`] : ["const gen = -1;"]),
    ...graph.inputs.map((x) =>
      x.name === ids
        ? `new Int32Array(X_${x.name}.buffer, X_${x.name}.byteOffset, TB).set(ids_${x.name});`
        : `X_${x.name}.set(xIn_${x.name} ?? H.given(io!.given!.${ioKey(graph, x.name)}!, TB * ${d.size(x.shape)}));`,
    ),
    ...drawMasks(c.sites),
    ...c.forward.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (options.initial?.${s.name} !== undefined) ${c.forward.histories.get(s.name)}.set(checkArray<A>(where, "options.initial.${s.name}", options.initial.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), 0);`;
    }),
    ...graph.outputs.map((o) => freshOrKept(`out_${o.name}`, o.name, `TB * ${d.size(graph.nodes[o.node]!.shape)}`)),
    ...withOffsets(c.forward.body.map((l) => l.slice(2))),
    ...graph.outputs.map((o) => copyInto(c, c.forward.storage.get(o.node)!, d.size(graph.nodes[o.node]!.shape), true, `out_${o.name}`)),
    "H.settle();",
    "const run = {",
    `  outputs: { ${graph.outputs.map((o) => `${o.name}: out_${o.name}`).join(", ")} },`,
    `  final: { ${graph.states.map((s) => `${s.name}: ${c.forward.histories.get(s.name)}.slice(TB * ${d.size(s.shape)}, (TB + B) * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "  batch: B,",
    "  steps: T,",
    `  tape: { heap: H, region: undefined as unknown as HeapRegion, lengths, gen${ids === undefined ? "" : ", ids: true"} },`,
    // The outputs a model asked to keep in the arena: their out_ arrays are views of these.
    "  blocks: kept,",
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
  const scattered = c.backward.scatteredGradients;
  const names = [...seeds.map((s) => `S_${s.name}`), ...c.backward.buffers.map((b) => b.name), ...graph.params.map((p) => `G_${p.name}`)];
  const sizes = [...seeds.map((s) => `TB * ${s.size}`), ...c.backward.buffers.map((b) => b.size), ...graph.params.map((p) => d.size(p.shape))];
  // Each input's gradient: a fresh array filled at the end, or zeros where the input does not matter.
  // Ids have none: an empty array, never the T·B·V zeros.
  const hasGradient = (x: Graph["inputs"][number]) => x.name !== c.idInput;
  const dXArray = (x: Graph["inputs"][number]) => {
    if (!hasGradient(x)) return `const dX_${x.name} = new F(0) as A;`;
    const size = `TB * ${d.size(x.shape)}`;
    return freshOrKept(`dX_${x.name}`, ioKey(graph, x.name), size, c.dx.get(x.name) === undefined ? `new F(${size})` : `H.fresh(${size})`);
  };
  const dXCopy = (x: Graph["inputs"][number]) => {
    const node = c.dx.get(x.name);
    return node === undefined || !hasGradient(x) ? [] : [copyInto(c, c.backward.storage.get(node)!, d.size(x.shape), false, `dX_${x.name}`)];
  };
  return [
    `const where = ${c.where("backward")};`,
    `const tape = (run as { tape?: unknown } | undefined)?.tape as { heap: WasmHeap; region: HeapRegion; lengths: Int32Array | undefined; gen: number } | undefined;`,
    "if (tape === undefined || tape.heap !== heap) throw new Error(`${where}: run must be the result of forward() of this instance`);",
    ...seedChecks(graph),
    "const B = run.batch;",
    "const T = run.steps;",
    "const TB = T * B;",
    "const lengths = tape.lengths;",
    "const gen = tape.gen;",
    "const H = wasmHeap(where);",
    "const W = H.fns;",
    ...reserve(c, c.backward),
    "H.restore(where, tape.region);",
    // A model may give a seed as a block of the arena, and keep the input gradients there (see ArenaIO).
    "const io = arenaIO(seeds);",
    ...seeds.map((s) => `const seed_${s.name} = io?.given?.${s.name} !== undefined ? undefined : seedArray<A>(where, "seeds.outputs.${s.name}", seeds?.outputs?.${s.name}, TB, ${s.size}, \`steps \${T} × batch \${B} × ${c.meaning(s.shape)}\`, lengths, F);`),
    `const kept = H.keptBlocks(io, [${graph.inputs.filter(hasGradient).map((x) => `[${JSON.stringify(ioKey(graph, x.name))}, TB * ${d.size(x.shape)}]`).join(", ")}]);`,
    // Of a state's gradient history only the last slab (the final states' seeds) is read before written:
    // every step writes the slab before it — unless the state's gradient does not flow back (no next carry).
    ...place(names, sizes, "V", "H.alloc(sizes)", new Map(c.bwdProgram.carries.filter((k) => k.next !== undefined).map((k) => [c.backward.histories.get(k.name)!, [`TB * ${d.size(k.shape)}`, `B * ${d.size(k.shape)}`] as const]))),
    "const TV = H.views(tape.region.offsets, tape.region.sizes) as unknown as A[];",
    ...fwdNames.flatMap((n, i) => (reads.has(n) ? [`const ${reads.get(n)} = TV[${i}]!;`] : [])),
    ...seeds.map((s) => `if (seed_${s.name} !== undefined) S_${s.name}.set(seed_${s.name}); else setSeedRows(S_${s.name}, H.given(io!.given!.${s.name}!, TB * ${s.size}), ${s.size}, lengths);`),
    ...c.backward.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (seeds?.final?.${s.name} !== undefined) ${c.backward.histories.get(s.name)}.set(checkArray<A>(where, "seeds.final.${s.name}", seeds.final.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), TB * ${size});`;
    }),
    // A gradient only scatter-added into is zero but where the ids fall: a plain zero array (no pages faulted in ahead).
    ...graph.params.map((p) => (scattered.has(p.name) ? `const R_${p.name} = new F(${d.size(p.shape)}) as A;` : fresh(`R_${p.name}`, d.size(p.shape)))),
    ...graph.inputs.map(dXArray),
    ...withOffsets(c.backward.body.map((l) => l.slice(2))),
    ...graph.params.map((p) => {
      const s = scattered.get(p.name);
      return s === undefined ? `R_${p.name}.set(G_${p.name});` : `copyTouched(R_${p.name}, G_${p.name}, new Int32Array(${s.ids}.buffer, ${s.ids}.byteOffset, TB), ${s.rows}, ${s.v}, ${s.e});`;
    }),
    ...graph.inputs.flatMap(dXCopy),
    "H.settle();",
    "const result = {",
    `  params: { ${graph.params.map((p) => `${p.name}: R_${p.name}`).join(", ")} },`,
    graph.inputs.length > 1 ? `  inputs: { ${graph.inputs.map((x) => `${x.name}: dX_${x.name}`).join(", ")} },` : `  x: dX_${graph.inputs[0]!.name},`,
    `  initial: { ${graph.states.map((s) => `${s.name}: ${c.backward.histories.get(s.name)}.slice(0, B * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "  blocks: kept,",
    "};",
    "H.release(offsets, sizes);",
    "H.used(tape.region);",
    "return result;",
  ];
}
