// Argument checks for the generated modules' public functions. No imports: embedded in every
// generated module. A wrong argument is the caller's mistake, so each check throws an Error
// that names the argument, what was expected and what was received.

type FloatArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "number") return String(value);
  return `a ${typeof value}`;
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
    const v = Number(arr[b]);
    if (!Number.isInteger(v) || v < 0 || v > T) {
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
  const B = lengths.length;
  const out = (arr === value ? arr.slice() : arr) as A;
  for (let r = 0; r < TB; r++) if (Math.floor(r / B) >= lengths[r % B]!) out.fill(0, r * size, (r + 1) * size);
  return out;
}
