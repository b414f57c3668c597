/**
 * Two threads against one on the same workload, measured in alternating single repetitions
 * (one thread, two threads, one, two, …) so that both see the same machine at nearly the same
 * moment: on a shared host one thread's speed moves by 1.5× over minutes, which a ratio of two
 * separately timed medians inherits. Prints the median of the pairwise ratios, and the medians.
 *
 *   npx tsx bench/threads-ratio.ts [A-LSTM|A-GRU|C-peephole|C-layernorm] [fwd|fwd+bwd] [pairs]
 */
import { loadRnncCell, rnncWasmSystem } from "./systems/rnnc-ts.js";
import { isUnavailable } from "./systems/types.js";
import { pairedRatio } from "./stats.js";
import { makeCustomData, makeStandardData, WORKLOADS } from "./workloads.js";

const id = process.argv[2] ?? "A-LSTM";
const mode = (process.argv[3] ?? "fwd+bwd") as "fwd" | "fwd+bwd";
const pairs = Number(process.argv[4] ?? 60);
const w = WORKLOADS.find((x) => x.id === id);
if (w === undefined) throw new Error(`unknown workload ${id}`);
// A custom cell (workload C) takes rnnc's own parameters, as in bench/run.ts.
const data = await (async () => {
  if (w.group !== "C") return makeStandardData(w);
  const cell = await loadRnncCell(w);
  if (!("forward" in cell)) throw new Error(cell.unavailable);
  return makeCustomData(w, cell.init(20241122), cell.paramShapes);
})();
const one = { warmup: 0, minReps: 1, maxReps: 1, budgetMs: 0 };
const [single, double] = await Promise.all([1, 2].map(async (t) => {
  const inst = await rnncWasmSystem(t).setup(w, data, one);
  if (isUnavailable(inst)) throw new Error(inst.unavailable);
  for (let i = 0; i < 3; i++) await inst.outputs(mode); // warm-up
  return inst;
}));
const r = await pairedRatio(async () => (await single!.time(mode, one)).wall[0]!, async () => (await double!.time(mode, one)).wall[0]!, pairs);
console.log(`${id} ${mode}, ${pairs} alternating pairs: one thread ${r.first.toFixed(1)} ms, two threads ${r.second.toFixed(1)} ms; ` +
  `median pairwise ratio ${r.ratio.median.toFixed(2)}× (quartiles ${r.ratio.q1.toFixed(2)}–${r.ratio.q3.toFixed(2)})`);
await single!.dispose();
await double!.dispose();
