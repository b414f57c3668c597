/**
 * The generated module's whole API under random wrong arguments (fast-check). Each case takes a
 * valid call of `forward`, `backward` or `trainStep` — of a cell (LSTM) and of a model with a loss
 * (examples/classifier.rnn) — and changes one argument: a wrong type, length, key, a NaN, a negative
 * or fractional size. Every call must either succeed with the numbers of the valid call (when the
 * change is harmless: plain arrays for typed ones, a key set to undefined) or throw an Error whose
 * message names the argument changed. The modules are built once; the 10,000 cases take seconds.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { importGenerated } from "../../helpers/generated.js";

type Arrays = Record<string, Float64Array>;
type Run = { outputs: Arrays; final: Arrays; loss?: number; batch: number; steps: number; tape: unknown };
interface Unit {
  init(seed: number): Arrays;
  forward(params: unknown, input: unknown, options: unknown): Run;
  backward(run: unknown, seeds?: unknown): { params: Arrays; initial: Arrays };
  trainStep?(params: unknown, optimizer: unknown, input: unknown, options: unknown, clip?: unknown): { loss: number };
}

/** What a case checks: the call succeeds with `same`'s result, or throws naming `names`. */
interface Case {
  readonly what: string;
  readonly call: () => unknown;
  /** Present when the change is harmless: the result must equal this valid call's. */
  readonly same?: () => unknown;
  /** Every string the message must contain (the argument's path, the key). */
  readonly names: readonly string[];
}

const T = 3;
const B = 2;
/** Values that are never a valid size (batch, steps, a length). */
const BAD_SIZES = [-1, 0, 1.5, NaN, Infinity, -Infinity, "2", null, {}, [2], true] as const;
/** Values that are never a valid array of numbers or an options object. */
const NOT_ARRAYS = [5, "x", null, true, { length: 2 }] as const;
const NOT_OBJECTS = [5, "options", true, [1, 2]] as const;

let lstm: Unit;
let lstmChecked: Unit;
let model: Unit;
let modelChecked: Unit;
let adam: (config: object) => unknown;

beforeAll(async () => {
  const cell = await importGenerated("examples/lstm.rnn", undefined, "-wrong-args");
  const factory = cell["LSTM"] as (d: object, o?: object) => Unit;
  lstm = factory({ I: 2, H: 3 }, { dtype: "float64" });
  lstmChecked = factory({ I: 2, H: 3 }, { dtype: "float64", checkFinite: true });
  const m = await importGenerated("examples/classifier.rnn", undefined, "-wrong-args");
  const mf = m["Parity"] as (d: object, o?: object) => Unit;
  model = mf({ H: 3 }, { dtype: "float64" });
  modelChecked = mf({ H: 3 }, { dtype: "float64", checkFinite: true });
  adam = m["adam"] as (config: object) => unknown;
});

const copy = (a: Arrays): Arrays => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Float64Array.from(v)]));
const asPlain = (a: Arrays): Record<string, number[]> => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, Array.from(v)]));
const numbers = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + k) / 2);

/** The cases of one draw: `pick` chooses among the alternatives at each step, deterministically. */
function lstmCases(pick: (n: number) => number): Case[] {
  const params = lstm.init(1);
  const x = numbers(T * B * 2, 1);
  const options = { batch: B, steps: T, initial: { h: numbers(B * 3, 2) }, lengths: [3, 2] };
  const run = () => lstm.forward(params, x, options);
  const seeds = { outputs: { h: numbers(T * B * 3, 3) } };
  const bad = <V>(values: readonly V[]) => values[pick(values.length)]!;
  const key = bad(Object.keys(params));
  const nanAt = pick(params[key]!.length);
  return [
    { what: "params not an object", call: () => lstm.forward(bad(NOT_OBJECTS), x, options), names: ["params"] },
    { what: "a param missing", call: () => lstm.forward({ ...params, [key]: undefined }, x, options), names: [`params.${key}`] },
    { what: "an unknown param", call: () => lstm.forward({ ...params, W_xx: params[key] }, x, options), names: ["params", '"W_xx"', key] },
    { what: "a param of the wrong length", call: () => lstm.forward({ ...params, [key]: params[key]!.subarray(1) }, x, options), names: [`params.${key}`] },
    { what: "a param not an array", call: () => lstm.forward({ ...params, [key]: bad(NOT_ARRAYS) }, x, options), names: [`params.${key}`] },
    { what: "a NaN param (checkFinite)", call: () => lstmChecked.forward({ ...copy(params), [key]: Float64Array.from(params[key]!, (v, i) => (i === nanAt ? NaN : v)) }, x, options), names: [`params.${key}[${nanAt}]`] },
    { what: "params as plain arrays", call: () => lstm.forward(asPlain(params), x, options).outputs, same: () => run().outputs, names: [] },
    { what: "x of the wrong length", call: () => lstm.forward(params, x.subarray(0, x.length - 1 - pick(3)), options), names: ["x"] },
    { what: "x not an array", call: () => lstm.forward(params, bad(NOT_ARRAYS), options), names: ["x"] },
    { what: "x holding a string", call: () => lstm.forward(params, Array.from(x, (v, i) => (i === 1 ? "a" : v)), options), names: ["x[1]"] },
    { what: "options not an object", call: () => lstm.forward(params, x, bad(NOT_OBJECTS)), names: ["options"] },
    { what: "an unknown option", call: () => lstm.forward(params, x, { ...options, length: [1, 1] }), names: ["options", '"length"'] },
    { what: "a bad batch", call: () => lstm.forward(params, x, { ...options, batch: bad(BAD_SIZES) }), names: ["options.batch"] },
    { what: "bad steps", call: () => lstm.forward(params, x, { ...options, steps: bad(BAD_SIZES) }), names: ["options.steps"] },
    { what: "a bad length", call: () => lstm.forward(params, x, { ...options, lengths: [bad([-1, 1.5, 4, NaN, "2"]), 1] }), names: ["options.lengths[0]"] },
    { what: "lengths of the wrong count", call: () => lstm.forward(params, x, { ...options, lengths: [1, 2, 3] }), names: ["options.lengths"] },
    { what: "an unknown initial state", call: () => lstm.forward(params, x, { ...options, initial: { hh: numbers(B * 3, 1) } }), names: ["options.initial", '"hh"'] },
    { what: "an initial state of the wrong length", call: () => lstm.forward(params, x, { ...options, initial: { c: numbers(B * 3 + 1, 1) } }), names: ["options.initial.c"] },
    { what: "an initial state set to undefined", call: () => lstm.forward(params, x, { ...options, initial: { ...options.initial, c: undefined } }).outputs, same: () => run().outputs, names: [] },
    { what: "backward of something else", call: () => lstm.backward(bad([{}, undefined, 5, { tape: 1 }]), seeds), names: ["run"] },
    { what: "seeds not an object", call: () => lstm.backward(run(), bad(NOT_OBJECTS)), names: ["seeds"] },
    { what: "an unknown seed key", call: () => lstm.backward(run(), { ...seeds, output: {} }), names: ["seeds", '"output"'] },
    { what: "a seed for no output", call: () => lstm.backward(run(), { outputs: { y: numbers(T * B * 3, 1) } }), names: ["seeds.outputs", '"y"'] },
    { what: "a seed of the wrong length", call: () => lstm.backward(run(), { outputs: { h: numbers(T * B * 3 - 1, 1) } }), names: ["seeds.outputs.h"] },
    { what: "nothing to differentiate", call: () => lstm.backward(run(), bad([undefined, {}, { outputs: {} }, { final: { h: undefined } }])), names: ["seeds", "nothing to differentiate"] },
    { what: "a NaN seed (checkFinite)", call: () => lstmChecked.backward(lstmChecked.forward(params, x, options), { final: { c: Float64Array.from(numbers(B * 3, 1), (v, i) => (i === 2 ? NaN : v)) } }), names: ["seeds.final.c[2]"] },
    { what: "seeds as plain arrays", call: () => lstm.backward(run(), { outputs: { h: Array.from(seeds.outputs.h) } }).params, same: () => lstm.backward(run(), seeds).params, names: [] },
  ];
}

function modelCases(pick: (n: number) => number): Case[] {
  const params = model.init(2);
  const bits = [0, 1, 1, 0, 1, 1];
  const options = { batch: B, steps: T, lengths: [3, 2], targets: { label: [1, 0] } };
  const bad = <V>(values: readonly V[]) => values[pick(values.length)]!;
  const run = () => model.forward(params, bits, options);
  const optimizer = () => adam({ lr: 0.01 });
  const key = bad(Object.keys(params));
  return [
    { what: "an unknown param", call: () => model.forward({ ...params, "gru.W": params[key] }, bits, options), names: ["params", '"gru.W"'] },
    { what: "a param missing", call: () => model.forward({ ...params, [key]: undefined }, bits, options), names: [`params.${key}`] },
    { what: "an id out of range", call: () => model.forward(params, bits.map((b, i) => (i === 2 ? bad([2, -1, 0.5, NaN, "1"]) : b)), options), names: ["bits[2]"] },
    { what: "ids of the wrong count", call: () => model.forward(params, bits.slice(1), options), names: ["bits"] },
    { what: "an unknown option", call: () => model.forward(params, bits, { ...options, target: {} }), names: ["options", '"target"'] },
    { what: "a bad batch", call: () => model.forward(params, bits, { ...options, batch: bad(BAD_SIZES) }), names: ["options.batch"] },
    { what: "an unknown target", call: () => model.forward(params, bits, { ...options, targets: { ...options.targets, labels: [0, 0] } }), names: ["options.targets", '"labels"'] },
    { what: "a target missing", call: () => model.forward(params, bits, { ...options, targets: {} }), names: ["options.targets.label"] },
    { what: "a target id out of range", call: () => model.forward(params, bits, { ...options, targets: { label: [bad([2, -1, 0.5, NaN]), 0] } }), names: ["options.targets.label[0]"] },
    { what: "an unknown initial state", call: () => model.forward(params, bits, { ...options, initial: { "gru.c": numbers(B * 3, 1) } }), names: ["options.initial", '"gru.c"'] },
    { what: "a NaN initial state (checkFinite)", call: () => modelChecked.forward(params, bits, { ...options, initial: { "gru.h": [0, 0, 0, 0, NaN, 0] } }), names: ["options.initial.gru.h[4]"] },
    { what: "a bad loss seed", call: () => model.backward(run(), { loss: bad([NaN, "1", Infinity]) }), names: ["seeds.loss"] },
    { what: "backward of a run without targets and no seeds", call: () => model.backward(model.forward(params, bits, { batch: B, steps: T }), bad([undefined, {}, { outputs: {} }])), names: ["nothing to differentiate", "options.targets"] },
    { what: "a seed for no output", call: () => model.backward(run(), { outputs: { logit: [0, 0, 0, 0] } }), names: ["seeds.outputs", '"logit"'] },
    { what: "a seed for no state", call: () => model.backward(run(), { final: { "head.h": [0, 0, 0, 0, 0, 0] } }), names: ["seeds.final", '"head.h"'] },
    { what: "a loss seed of 1 given explicitly", call: () => model.backward(run(), { loss: 1 }).params, same: () => model.backward(run()).params, names: [] },
    { what: "trainStep without targets", call: () => model.trainStep!(copy(params), optimizer(), bits, { batch: B, steps: T }), names: ["options.targets"] },
    { what: "trainStep with an unknown clip key", call: () => model.trainStep!(copy(params), optimizer(), bits, options, { clip: 1 }), names: ["clip", '"clip"'] },
    { what: "trainStep with a bad clip", call: () => model.trainStep!(copy(params), optimizer(), bits, options, { [bad(["clipNorm", "clipValue"])]: bad([-1, 0, NaN, "1"]) }), names: ["clip.clip"] },
    { what: "trainStep with no optimizer", call: () => model.trainStep!(copy(params), bad([undefined, null, 5, {}]), bits, options), names: ["optimizer"] },
    { what: "trainStep with an unknown param", call: () => model.trainStep!({ ...copy(params), extra: new Float64Array(1) }, optimizer(), bits, options), names: ["params", '"extra"'] },
    { what: "trainStep with a bad batch", call: () => model.trainStep!(copy(params), optimizer(), bits, { ...options, batch: bad(BAD_SIZES) }), names: ["options.batch"] },
  ];
}

/** Runs one case: success with the valid call's numbers, or an Error naming the argument. */
function check(c: Case): void {
  let result: unknown;
  try {
    result = c.call();
  } catch (error) {
    if (!(error instanceof Error)) throw new Error(`${c.what}: threw a non-Error ${String(error)}`);
    if (c.same !== undefined) throw new Error(`${c.what}: a harmless change threw ${error.message}`);
    for (const name of c.names) if (!error.message.includes(name)) throw new Error(`${c.what}: the message does not name ${name}: ${error.message}`);
    return;
  }
  if (c.same === undefined) throw new Error(`${c.what}: the call succeeded, but its arguments are wrong`);
  expect(result, c.what).toEqual(c.same());
}

describe("the generated module under random wrong arguments", () => {
  it("either succeeds with the valid call's result or throws an Error naming the argument (10,000 cases)", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (isModel, which, choices) => {
        let k = 0;
        const pick = (n: number) => choices[k++ % choices.length]! % n;
        const cases = isModel ? modelCases(pick) : lstmCases(pick);
        check(cases[which % cases.length]!);
      }),
      { numRuns: 10_000, seed: 20261205 },
    );
  });
});
