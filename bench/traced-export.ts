/**
 * rnnc's ONNX export against PyTorch's traced-and-unrolled export (bench/torch_export.py) for workloads
 * A-LSTM (I=128, H=256, B=32, T=64) and B-LSTM (I=32, H=64, B=1, T=32), in ONE process with the
 * benchmark's single-threaded ONNX Runtime sessions: rnnc's three forms (unroll, scan, native), the traced
 * PyTorch model and the hand-built native-operator model. Every model's outputs are first checked against
 * rnnc's unrolled model (max |Δ| < 1e-4); then the systems are timed in interleaved rounds (each round
 * runs every system a few times), so that a change in machine load hits them all alike. Prints medians
 * and the ratios to the traced PyTorch export and to the native-operator model.
 * `npx tsx bench/traced-export.ts [rounds]`.
 */
import { maxAbsDiff, summarize } from "./stats.js";
import { ortNativeSystem } from "./systems/ort-native.js";
import { ortRnncSystem } from "./systems/ort-rnnc.js";
import { ortTorchTracedSystem } from "./systems/ort-torch-traced.js";
import { isUnavailable, type Instance } from "./systems/types.js";
import { makeStandardData, WORKLOADS } from "./workloads.js";

/** Runs per system per round: one A run takes tens of milliseconds, one B run well under one. */
const PER_ROUND: Record<string, number> = { "A-LSTM": 3, "B-LSTM": 20 };
const rounds = Number(process.argv[2] ?? 30);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`traced-export: rounds must be a positive integer, got ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}
const systems = [
  ortRnncSystem("unroll"),
  ortRnncSystem("unroll", true),
  ortRnncSystem("scan"),
  ortRnncSystem("scan", true),
  ortRnncSystem("native"),
  ortTorchTracedSystem,
  ortNativeSystem,
];
const TRACED = ortTorchTracedSystem.name;

for (const id of ["A-LSTM", "B-LSTM"]) {
  const w = WORKLOADS.find((x) => x.id === id)!;
  const data = makeStandardData(w);
  const perRound = PER_ROUND[id]!;
  const plan = { warmup: 0, minReps: perRound, maxReps: perRound, budgetMs: 0 };
  const instances: { name: string; instance: Instance; wall: number[]; diff: number }[] = [];
  let reference: Float32Array | undefined;
  for (const s of systems) {
    const instance = await s.setup(w, data, plan);
    if (isUnavailable(instance)) {
      console.log(`${id}: ${s.name} not available: ${instance.unavailable}`);
      continue;
    }
    const { h } = await instance.outputs("fwd");
    reference ??= h;
    const diff = maxAbsDiff(h, reference);
    if (!(diff < 1e-4)) throw new Error(`${id}: ${s.name} differs from ${instances[0]?.name ?? s.name} by ${diff}`);
    instances.push({ name: s.name, instance, wall: [], diff });
  }
  for (const i of instances) await i.instance.time("fwd", { ...plan, minReps: 5 * perRound, maxReps: 5 * perRound }); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const i of instances) i.wall.push(...(await i.instance.time("fwd", plan)).wall);
  }
  const medianOf = (name: string) => {
    const i = instances.find((x) => x.name === name);
    return i === undefined ? undefined : summarize(i.wall).median;
  };
  const traced = medianOf(TRACED);
  const native = medianOf(ortNativeSystem.name);
  console.log(`\n${id} (I=${w.I}, H=${w.H}, B=${w.B}, T=${w.T}), ONNX Runtime intra/inter-op threads 1, ${rounds}×${perRound} runs each, interleaved`);
  for (const i of instances) {
    const s = summarize(i.wall);
    const vsTraced = traced === undefined ? "" : `  ${(s.median / traced).toFixed(2)}× traced`;
    const vsNative = native === undefined ? "" : `  ${(s.median / native).toFixed(2)}× native-op`;
    console.log(
      `  ${i.name.padEnd(17)} median ${s.median.toFixed(3).padStart(8)} ms  (q1 ${s.q1.toFixed(3)}, q3 ${s.q3.toFixed(3)})${vsTraced}${vsNative}  max|Δ| vs ${instances[0]!.name} ${i.diff.toExponential(1)}`,
    );
  }
  for (const i of instances) await i.instance.dispose();
}
for (const note of ortTorchTracedSystem.notes?.() ?? []) console.log(`\n${note}`);
