/**
 * `npm run bench:embedding`: what the vocabulary size costs (issue 11, "Embedding as a gather").
 * An Embedding(V, 64) → LSTM(64, 128) model, B = 32, T = 64, forward + backward (seeded at the
 * LSTM's output), float32 on the wasm backend, one thread, for V = 100 and V = 10,000. A layer fed
 * `onehot(ids)` runs its cell's id path (a gather forward, a scatter-add into dW backward), so the
 * target is V = 10,000 costing < 10% more than V = 100. For scale, the same model with a vector
 * input fed the one-hot rows (the path without the gather: T·B×V by V×E products) is timed too.
 * Both paths' outputs and dW are compared before anything is timed. Medians of process CPU time
 * (the machine is shared) with wall time beside; `--quick` for a short run.
 */
import { loadGeneratedModule } from "../src/backends/ts/load.js";
import { compileToTypeScript } from "../src/compiler.js";
import { capPlan, maxAbsDiff, PLANS, summarize, timeRepeated, type RepPlan } from "./stats.js";
import { seededRandom, uniformArray } from "./workloads.js";

const quick = process.argv.includes("--quick");
const plan: RepPlan = quick ? PLANS.quick : PLANS.full;

const IDS = `import Embedding, LSTM from std
model EmbedLSTM(V, E, H) {
  input tokens: index(V)
  layer embed = Embedding(V, E)
  layer lstm = LSTM(E, H)
  output h = lstm(embed(tokens))
}`;
const ONE_HOT = IDS.replace("input tokens: index(V)", "input tokens: [V]");
const E = 64;
const H = 128;
const B = 32;
const T = 64;
const VOCABULARIES = [100, 10_000];

type Model = {
  init(seed: number): Record<string, Float32Array>;
  forward(p: Record<string, Float32Array>, x: ArrayLike<number>, o: object): { outputs: Record<string, Float32Array> };
  backward(run: unknown, seeds: object): { params: Record<string, Float32Array> };
  dispose(): void;
};
type Factory = (dims: Record<string, number>, options: object) => Model;

async function factory(name: string, text: string): Promise<Factory> {
  const code = compileToTypeScript(`bench/${name}.rnn`, text).code!;
  return (await loadGeneratedModule(code))["EmbedLSTM"] as Factory;
}

interface Row {
  readonly V: number;
  readonly path: string;
  readonly cpu: number[];
  readonly wall: number[];
}

async function run(V: number, ids: Factory, oneHot: Factory): Promise<Row[]> {
  const dims = { V, E, H };
  const options = { dtype: "float32", backend: "wasm", threads: 1 };
  const a = ids(dims, options);
  const b = oneHot(dims, options);
  const params = a.init(1);
  const rand = seededRandom(7);
  const tokens = Int32Array.from({ length: T * B }, () => Math.floor(rand() * V));
  const rows = new Float32Array(T * B * V);
  tokens.forEach((v, r) => (rows[r * V + v] = 1));
  const seed = uniformArray(T * B * H, 1, rand);
  const step = (m: Model, x: ArrayLike<number>) => m.backward(m.forward(params, x, { batch: B, steps: T }), { outputs: { h: seed } });
  // Both paths compute the same thing: checked before timing.
  const ga = step(a, tokens);
  const gb = step(b, rows);
  const diff = Math.max(...Object.keys(gb.params).map((k) => maxAbsDiff(ga.params[k]!, gb.params[k]!)));
  if (!(diff < 1e-4)) throw new Error(`V = ${V}: the id path and the one-hot path differ by ${diff}`);
  const out: Row[] = [];
  const idTiming = await timeRepeated(() => void step(a, tokens), plan);
  out.push({ V, path: "ids (gather)", ...idTiming });
  idSteps.set(V, () => void step(a, tokens));
  // The one-hot path at V = 10,000 is ~100× slower: a few repetitions tell.
  const ohTiming = await timeRepeated(() => void step(b, rows), V > 1000 ? capPlan(plan, 3) : plan);
  out.push({ V, path: "one-hot rows", ...ohTiming });
  b.dispose();
  return out;
}

/** The id-path steps by V, timed again in alternating rounds (a shared machine's load drifts between runs). */
const idSteps = new Map<number, () => void>();

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function alternating(rounds: number): Map<number, number[]> {
  const samples = new Map<number, number[]>([...idSteps.keys()].map((V) => [V, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [V, fn] of idSteps) {
      const c0 = cpuMs();
      fn();
      samples.get(V)!.push(cpuMs() - c0);
    }
  }
  return samples;
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);
const ids = await factory("embedding_ids", IDS);
const oneHot = await factory("embedding_onehot", ONE_HOT);
console.log(`Embedding(V, ${E}) → LSTM(${E}, ${H}), B ${B}, T ${T}, fwd+bwd, float32 wasm, 1 thread${quick ? " (--quick)" : ""}`);
const rows: Row[] = [];
for (const V of VOCABULARIES) rows.push(...(await run(V, ids, oneHot)));
console.log("\n| V | path | CPU ms (median, min–max) | wall ms (median) | n |");
console.log("|---:|---|---:|---:|---:|");
for (const r of rows) {
  const c = summarize(r.cpu);
  console.log(`| ${r.V} | ${r.path} | ${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)}) | ${fmt(summarize(r.wall).median)} | ${c.n} |`);
}
const median = (V: number, path: string) => summarize(rows.find((r) => r.V === V && r.path === path)!.cpu).median;
const rounds = alternating(quick ? 5 : 20);
const [small, large] = VOCABULARIES.map((V) => summarize(rounds.get(V)!));
console.log(`\nThe id path again, V = 100 and V = 10,000 alternating (${small!.n} rounds): CPU ms median ${fmt(small!.median)} and ${fmt(large!.median)}, min ${fmt(small!.min)} and ${fmt(large!.min)}.`);
console.log(`V = 10,000 over V = 100 on the id path: ${(large!.median / small!.median).toFixed(3)}× by medians, ${(large!.min / small!.min).toFixed(3)}× by minima (target < 1.10); the one-hot rows at V = 10,000 take ${(median(10_000, "one-hot rows") / median(10_000, "ids (gather)")).toFixed(1)}× the id path.`);
