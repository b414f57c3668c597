/**
 * Workload B (latency: LSTM I=32, H=64, B=1, T=32) for rnnc's three ONNX forms (unroll, scan, native)
 * against the hand-built native-operator model, in ONE process with the benchmark's single-threaded
 * ONNX Runtime sessions. The systems are timed in interleaved rounds (each round runs every system
 * `PER_ROUND` times), so that a change in machine load hits them all alike; the medians of all runs
 * are printed with the ratio to the native-operator model. `npx tsx bench/latency-forms.ts [rounds]`.
 */
import { maxAbsDiff, summarize } from "./stats.js";
import { ortNativeSystem } from "./systems/ort-native.js";
import { ortRnncSystem } from "./systems/ort-rnnc.js";
import { isUnavailable, type Instance } from "./systems/types.js";
import { makeStandardData, WORKLOADS } from "./workloads.js";

const PER_ROUND = 20;
const rounds = Number(process.argv[2] ?? 30);
const w = WORKLOADS.find((x) => x.id === "B-LSTM")!;
const data = makeStandardData(w);
const plan = { warmup: 0, minReps: PER_ROUND, maxReps: PER_ROUND, budgetMs: 0 };
const systems = [ortRnncSystem("unroll"), ortRnncSystem("scan"), ortRnncSystem("native"), ortNativeSystem];

const instances: { name: string; instance: Instance; wall: number[] }[] = [];
let reference: Float32Array | undefined;
for (const s of systems) {
  const instance = await s.setup(w, data, plan);
  if (isUnavailable(instance)) throw new Error(`${s.name}: ${instance.unavailable}`);
  const { h } = await instance.outputs("fwd");
  reference ??= h;
  const diff = maxAbsDiff(h, reference);
  if (!(diff < 1e-4)) throw new Error(`${s.name} differs from ${systems[0]!.name} by ${diff}`);
  instances.push({ name: s.name, instance, wall: [] });
}
for (const i of instances) await i.instance.time("fwd", { ...plan, minReps: 50, maxReps: 50 }); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const i of instances) i.wall.push(...(await i.instance.time("fwd", plan)).wall);
}
const native = summarize(instances.find((i) => i.name === ortNativeSystem.name)!.wall).median;
console.log(`B-LSTM (I=${w.I}, H=${w.H}, B=${w.B}, T=${w.T}), ONNX Runtime intra-op threads 1, ${rounds}×${PER_ROUND} runs each, interleaved`);
for (const i of instances) {
  const s = summarize(i.wall);
  console.log(`  ${i.name.padEnd(16)} median ${s.median.toFixed(3)} ms  (q1 ${s.q1.toFixed(3)}, q3 ${s.q3.toFixed(3)})  ${(s.median / native).toFixed(2)}× the native-operator model`);
}
for (const i of instances) await i.instance.dispose();
