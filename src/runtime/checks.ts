// Argument checks for the generated modules' public functions, embedded in every generated
// module. A wrong argument is the caller's mistake, so each check throws an Error that names
// the argument, what was expected and what was received.

import { arenaIO } from "./arena-io.js";

type FloatArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value === "object" ? "an" : "a"} ${typeof value}`;
}

/**
 * An options-like object: undefined (when `optional`), or a plain object whose own keys are all
 * in `accepted`. A key that matches nothing is a mistake (a misspelt state would otherwise be
 * silently zero), so it is refused with the list of what is accepted, as PyTorch's
 * `load_state_dict(strict=True)` does. A key whose value is undefined counts as omitted.
 */
export function checkKeys(where: string, name: string, value: unknown, accepted: readonly string[], optional = true): void {
  if (value === undefined && optional) return;
  const list = accepted.length === 0 ? "none" : accepted.join(", ");
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new Error(`${where}: ${name} must be an object (keys: ${list}), received ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (accepted.includes(key) || (value as Record<string, unknown>)[key] === undefined) continue;
    throw new Error(`${where}: ${name} has an unknown key ${JSON.stringify(key)}; the accepted keys are ${list}`);
  }
}

/** A dimension: a positive integer. */
export function checkDim(where: string, dims: unknown, name: string): number {
  const value = typeof dims === "object" && dims !== null ? (dims as Record<string, unknown>)[name] : undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${where}: dimension ${name} must be a positive integer, received ${describe(value)}`);
  }
  return value;
}

/** A count such as the batch size or the number of steps: a positive integer. */
export function checkCount(where: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${where}: ${name} must be a positive integer, received ${describe(value)}`);
  }
  return value;
}

/**
 * An array of `expected` numbers, returned as the kernel's array type: the same object when
 * it already is one (no copy), otherwise a converted copy.
 */
export function checkArray<A extends Float32Array | Float64Array>(
  where: string,
  name: string,
  value: unknown,
  expected: number,
  meaning: string,
  F: FloatArrayCtor,
): A {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) throw new Error(`${where}: ${name} must be an array of ${expected} numbers (${meaning}), received ${describe(value)}`);
  const arr = value as ArrayLike<number>;
  if (arr.length !== expected) {
    throw new Error(`${where}: ${name} must have length ${expected} (${meaning}), received length ${arr.length}`);
  }
  if (value instanceof F) return value as A;
  const out = new F(expected);
  for (let i = 0; i < expected; i++) {
    const v = arr[i];
    if (typeof v !== "number" && typeof v !== "bigint") throw new Error(`${where}: ${name}[${i}] must be a number, received ${describe(v)}`);
    out[i] = Number(v);
  }
  return out as A;
}

/** Per-example lengths: B integers in [0, T]. */
export function checkLengths(where: string, value: unknown, B: number, T: number): Int32Array {
  const isArrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!isArrayLike) throw new Error(`${where}: options.lengths must be an array of ${B} integers (one per example), received ${describe(value)}`);
  const arr = value as ArrayLike<number>;
  if (arr.length !== B) throw new Error(`${where}: options.lengths must have length ${B} (the batch size), received length ${arr.length}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = arr[b];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > T) {
      throw new Error(`${where}: options.lengths[${b}] must be an integer between 0 and ${T} (the number of steps), received ${describe(arr[b])}`);
    }
    out[b] = v;
  }
  return out;
}

/** The params object: every declared param present, with its length. */
export function checkParams<A extends Float32Array | Float64Array>(
  where: string,
  params: unknown,
  shapes: Readonly<Record<string, readonly number[]>>,
  F: FloatArrayCtor,
): Record<string, A> {
  if (typeof params !== "object" || params === null) {
    throw new Error(`${where}: params must be an object with ${Object.keys(shapes).join(", ")}, received ${describe(params)}`);
  }
  checkKeys(where, "params", params, Object.keys(shapes), false);
  const out: Record<string, A> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    const value = (params as Record<string, unknown>)[name];
    if (value === undefined) throw new Error(`${where}: params.${name} is missing (expected shape [${shape.join(", ")}])`);
    const size = shape.reduce((a, b) => a * b, 1);
    out[name] = checkArray<A>(where, `params.${name}`, value, size, `shape [${shape.join(", ")}]`, F);
  }
  return out;
}

/**
 * A seed for the backward pass ([T·B, size]); zeros when omitted. With variable lengths the
 * rows past each example's length are zeroed (in a copy): those steps did not happen.
 */
export function seedArray<A extends Float32Array | Float64Array>(
  where: string,
  name: string,
  value: unknown,
  TB: number,
  size: number,
  meaning: string,
  lengths: Int32Array | undefined,
  F: FloatArrayCtor,
): A {
  if (value === undefined) return new F(TB * size) as A;
  const arr = checkArray<A>(where, name, value, TB * size, meaning, F);
  if (lengths === undefined) return arr;
  // The caller's array is never written: the masked seed is a copy.
  const out = (arr === value ? new F(TB * size) : arr) as A;
  setSeedRows(out, arr, size, lengths);
  return out;
}

/** `src` into `dst` ([T·B, size] rows), rows past each example's length zero: what seedArray makes of a seed. */
export function setSeedRows(dst: Float32Array | Float64Array, src: ArrayLike<number>, size: number, lengths: Int32Array | undefined): void {
  dst.set(src);
  if (lengths === undefined) return;
  const B = lengths.length;
  for (let r = 0; r < dst.length / size; r++) if (Math.floor(r / B) >= lengths[r % B]!) dst.fill(0, r * size, (r + 1) * size);
}

/** A seed for `init`: a safe integer (the generator's stream is a function of it). */
export function checkSeed(where: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) throw new Error(`${where}: seed must be an integer, received ${describe(seed)}`);
  return seed;
}

/** The factory's options: only the keys it takes. Returns the dtype (default float32) and checkFinite. */
export function checkFactoryOptions(where: string, options: unknown): { dtype: "float32" | "float64"; checkFinite: boolean } {
  checkKeys(where, "options", options, ["dtype", "backend", "threads", "simd", "checkFinite"]);
  const o = (options ?? {}) as { dtype?: unknown; checkFinite?: unknown };
  const dtype = o.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`${where}: options.dtype must be "float32" or "float64", received ${describe(dtype)}`);
  const checkFinite = o.checkFinite ?? false;
  if (typeof checkFinite !== "boolean") throw new Error(`${where}: options.checkFinite must be true or false, received ${describe(checkFinite)}`);
  return { dtype, checkFinite };
}

/** The options of `loadParams`: only `allowNonFinite` (a boolean). */
export function checkLoadOptions(where: string, options: unknown): { allowNonFinite: boolean } {
  checkKeys(where, "options", options, ["allowNonFinite"]);
  const allow = (options as { allowNonFinite?: unknown } | undefined)?.allowNonFinite ?? false;
  if (typeof allow !== "boolean") throw new Error(`${where}: options.allowNonFinite must be true or false, received ${describe(allow)}`);
  return { allowNonFinite: allow };
}

/** Throws at the first NaN or infinity among `arrays` (in order), naming the array and the index. */
export function checkFiniteArrays(where: string, arrays: ReadonlyArray<readonly [string, unknown]>, why: string): void {
  for (const [name, value] of arrays) {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Error(`${where}: ${name} is ${value} (${why})`);
      continue;
    }
    if (!(Array.isArray(value) || ArrayBuffer.isView(value))) continue;
    const arr = value as ArrayLike<unknown>;
    for (let i = 0; i < arr.length; i++) {
      const v = Number(arr[i]);
      if (!Number.isFinite(v)) throw new Error(`${where}: ${name}[${i}] is ${String(arr[i])} (${why})`);
    }
  }
}

function entriesOf(prefix: string, record: unknown): [string, unknown][] {
  if (typeof record !== "object" || record === null) return [];
  return Object.entries(record as Record<string, unknown>).map(([k, v]) => [`${prefix}.${k}`, v]);
}

/** What `withFiniteChecks` needs of a module instance: the forward and backward of a cell or a model. */
interface FiniteCheckable {
  forward(params: unknown, input: unknown, options: unknown): { outputs: unknown; final: unknown; loss?: number };
  backward(run: never, seeds?: unknown): { params: unknown; x?: unknown; inputs?: unknown; initial: unknown };
  trainStep?(params: unknown, optimizer: unknown, input: unknown, options: unknown, clip?: unknown): { loss: number; final: unknown };
}

/**
 * The instance with `checkFinite`: every call first refuses a NaN or an infinity in its arrays
 * (params, the input, initial states, targets, seeds), then in its results, naming the array and
 * the first bad index — so a NaN is caught where it enters, or where the module made it.
 */
export function withFiniteChecks<M extends FiniteCheckable>(name: string, inputName: string, module: M): M {
  const given = "checkFinite: an argument holds a non-finite number";
  const made = "checkFinite: the arguments were finite, the result is not";
  const forwardInputs = (where: string, params: unknown, input: unknown, options: unknown) => {
    const o = options as { initial?: unknown; targets?: unknown } | undefined;
    // Several inputs come as an object keyed by their names (`inputs.x`, `inputs.ctx`).
    const inputs: [string, unknown][] = typeof input === "object" && input !== null && !Array.isArray(input) && !ArrayBuffer.isView(input) ? entriesOf("inputs", input) : [[inputName, input]];
    checkFiniteArrays(where, [...entriesOf("params", params), ...inputs, ...entriesOf("options.initial", o?.initial), ...entriesOf("options.targets", o?.targets)], given);
  };
  const wrapped: FiniteCheckable = {
    forward(params, input, options) {
      const where = `${name}.forward`;
      forwardInputs(where, params, input, options);
      const run = module.forward(params, input, options);
      checkFiniteArrays(where, [...entriesOf("outputs", run.outputs), ...entriesOf("final", run.final), ...(run.loss !== undefined ? [["loss", run.loss] as [string, unknown]] : [])], made);
      return run;
    },
    backward(run, seeds) {
      const where = `${name}.backward`;
      const s = seeds as { outputs?: unknown; final?: unknown; loss?: unknown } | undefined;
      checkFiniteArrays(where, [...entriesOf("seeds.outputs", s?.outputs), ...entriesOf("seeds.final", s?.final), ...(typeof s?.loss === "number" ? [["seeds.loss", s.loss] as [string, unknown]] : [])], given);
      const grads = module.backward(run, seeds);
      checkFiniteArrays(where, [...entriesOf("gradients.params", grads.params), ["gradients.x", grads.x], ...entriesOf("gradients.inputs", grads.inputs), ...entriesOf("gradients.initial", grads.initial)], made);
      return grads;
    },
  };
  if (module.trainStep !== undefined) {
    const trainStep = module.trainStep;
    wrapped.trainStep = (params, optimizer, input, options, clip) => {
      const where = `${name}.trainStep`;
      forwardInputs(where, params, input, options);
      const result = trainStep(params, optimizer, input, options, clip);
      checkFiniteArrays(where, [...entriesOf("params", params), ...entriesOf("final", result.final)], made);
      return result;
    };
  }
  return { ...module, ...wrapped };
}

/**
 * A backward pass needs something to differentiate: a loss (a model's run with targets) or at least
 * one seed array. Without either every gradient is zero, which is never what the caller meant.
 */
export function checkNothingToDifferentiate(where: string, seeds: unknown, loss: "cell" | "absent" | "present"): void {
  if (loss === "present") return;
  const s = seeds as { outputs?: Record<string, unknown>; final?: Record<string, unknown> } | undefined;
  const given = [s?.outputs, s?.final, arenaIO(seeds)?.given].some((r) => typeof r === "object" && r !== null && Object.values(r).some((v) => v !== undefined));
  if (given) return;
  const noLoss = loss === "absent" ? " and the run has no loss (forward was called without options.targets)" : "";
  throw new Error(
    `${where}: nothing to differentiate: seeds gives no outputs or final states${noLoss}, so every gradient would be zero; ` +
      "pass seeds.outputs or seeds.final (the gradient of your loss with respect to them)",
  );
}
