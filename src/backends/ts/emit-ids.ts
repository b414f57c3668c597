import type { Graph } from "../../ir/graph.js";
import { forwardPreamble } from "./arg-checks.js";
import type { KernelPlan } from "./emit.js";
import { type DimNames, type Storage } from "./storage.js";
import { backwardPreamble, backwardTapeNames } from "./js-methods.js";
import { writeInnerFunction } from "./print.js";

/**
 * A cell's id path: `forwardIds(params, ids, options)` runs the cell with its input given as
 * integer ids (one per step and example) instead of one-hot vectors, on kernels where every
 * product `W @ x` is a gather and every `dW` a scatter-add (src/ir/id-inputs.ts, planIdCell).
 * The run it returns goes to the ordinary `backward`, which sends it to `backwardIds`; the
 * gradient has no `x` (an empty array). Internal: the model driver calls it for a layer fed
 * `onehot(ids)`, so a vocabulary of 10,000 costs what one of 100 does. Emitted only for cells
 * a model feeds ids.
 */
export interface IdMethodContext {
  readonly graph: Graph;
  readonly plan: KernelPlan;
  readonly input: string;
  readonly dims: DimNames;
  readonly where: (fn: string) => string;
  readonly meaning: (shape: Graph["inputs"][number]["shape"]) => string;
  readonly copyRows: (s: Storage, size: string, maskOutputs: boolean) => string;
}

/** Writes forwardIds and backwardIds on the TypeScript kernels (the wasm backend's are wasm/methods.ts's bodies on the id plan). */
export function writeIdMethods(w: Parameters<typeof writeInnerFunction>[0], c: IdMethodContext): void {
  const C = c.graph.cell;
  const fwdParams = `params: ${C}Params<ArrayLike<number>>, input: ArrayLike<number>, options: ${C}ForwardOptions`;
  const bwdParams = `run: ${C}Run<A>, seeds?: ${C}Seeds`;
  writeInnerFunction(w, "forwardIds", fwdParams, `${C}Run<A>`, idForwardBody(c));
  writeInnerFunction(w, "backwardIds", bwdParams, `${C}Gradients<A>`, idBackwardBody(c));
}

/** The api's members for the id path: forwardIds, and a backward that sends an id run to the id path's backward. */
export function idApiMembers(forwardIds: string, backwardIds: string, backward: string): string[] {
  return [
    `forwardIds: ${forwardIds},`,
    `backward: (run: Parameters<typeof backward>[0], seeds?: Parameters<typeof backward>[1]) => ((run as { tape?: { ids?: boolean } } | undefined)?.tape?.ids === true ? ${backwardIds} : ${backward})(run, seeds),`,
  ];
}

function idForwardBody(c: IdMethodContext): string[] {
  const { graph, plan, dims: d } = c;
  const fwd = plan.forward;
  const x = graph.inputs.find((i) => i.name === c.input)!;
  return [
    ...forwardPreamble(graph, c.where("forward")),
    ...graph.params.map((p) => `const P_${p.name} = P.${p.name}!;`),
    `const lengths = options.lengths === undefined ? undefined : checkLengths(where, options.lengths, B, T);`,
    `const X_${x.name} = idRows(where, ${JSON.stringify(x.name)}, input, T, B, ${d.size(x.shape)}, lengths);`,
    ...fwd.allocs,
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (options.initial?.${s.name} !== undefined) ${fwd.histories.get(s.name)}.set(checkArray<A>(where, "options.initial.${s.name}", options.initial.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), 0);`;
    }),
    ...fwd.body.map((l) => l.slice(2)),
    ...graph.outputs.map((o) => `const out_${o.name} = ${c.copyRows(fwd.storage.get(o.node)!, d.size(graph.nodes[o.node]!.shape), true)};`),
    "return {",
    `  outputs: { ${graph.outputs.map((o) => `${o.name}: out_${o.name}`).join(", ")} },`,
    `  final: { ${graph.states.map((s) => `${s.name}: ${fwd.histories.get(s.name)}.slice(TB * ${d.size(s.shape)}, (TB + B) * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "  batch: B,",
    "  steps: T,",
    `  tape: { ids: true, params: P, ids_${x.name}: X_${x.name}, lengths, buffers: { ${[...new Set(fwd.fullBuffers)].join(", ")} } },`,
    "};",
  ];
}

function idBackwardBody(c: IdMethodContext): string[] {
  const { graph, plan, dims: d } = c;
  const fwd = plan.forward;
  const bwd = plan.backward;
  const x = graph.inputs.find((i) => i.name === c.input)!;
  return [
    ...backwardPreamble(graph, c.where("backward"), `ids_${x.name}: Int32Array`),
    `const X_${x.name} = tape.ids_${x.name};`,
    ...backwardTapeNames(plan.bwdProgram, fwd).map((n) => `const t_${n} = tape.buffers.${n}!;`),
    ...graph.outputs.map((o) => {
      const size = d.size(graph.nodes[o.node]!.shape);
      return `const S_${o.name} = seedArray<A>(where, "seeds.outputs.${o.name}", seeds?.outputs?.${o.name}, TB, ${size}, \`steps \${T} × batch \${B} × ${c.meaning(graph.nodes[o.node]!.shape)}\`, lengths, F);`;
    }),
    ...bwd.allocs,
    ...graph.params.map((p) => `const G_${p.name} = new F(${d.size(p.shape)}) as A;`),
    ...graph.states.map((s) => {
      const size = d.size(s.shape);
      return `if (seeds?.final?.${s.name} !== undefined) ${bwd.histories.get(s.name)}.set(checkArray<A>(where, "seeds.final.${s.name}", seeds.final.${s.name}, B * ${size}, \`batch \${B} × ${c.meaning(s.shape)}\`, F), TB * ${size});`;
    }),
    ...bwd.body.map((l) => l.slice(2)),
    "return {",
    `  params: { ${graph.params.map((p) => `${p.name}: G_${p.name}`).join(", ")} },`,
    "  // Ids have no gradient: an empty array, never the T·B·V zeros.",
    "  x: new F(0) as A,",
    `  initial: { ${graph.states.map((s) => `${s.name}: ${bwd.histories.get(s.name)}.slice(0, B * ${d.size(s.shape)}) as A`).join(", ")} },`,
    "};",
  ];
}
