/**
 * The verifier's one error type for a caller's mistake (a missing param, an array of the
 * wrong length, bad lengths): the message names the tensor, what was expected and what was
 * found. The CLI prints `message` alone; any other exception is a bug in rnnc.
 */
export class VerifyInputError extends Error {
  override readonly name = "VerifyInputError";
}

/** The number of elements of a concrete shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[2, 3, 4]`, as shapes are printed everywhere in reports and messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Checks that `value` is a numeric array of exactly `sizeOf(shape)` elements; `what` names
 * it in the message (e.g. "param `W_hh`").
 */
export function expectArray(what: string, value: unknown, shape: readonly number[]): ArrayLike<number> {
  const n = sizeOf(shape);
  const isArray = value instanceof Float64Array || value instanceof Float32Array || Array.isArray(value);
  if (!isArray) {
    const found = value === undefined ? "nothing" : value === null ? "null" : typeof value;
    throw new VerifyInputError(`${what}: expected an array of ${n} numbers (shape ${formatShape(shape)}), found ${found}`);
  }
  const arr = value as ArrayLike<number>;
  if (arr.length !== n) {
    throw new VerifyInputError(
      `${what}: expected ${n} values (shape ${formatShape(shape)}), found ${arr.length}`,
    );
  }
  return arr;
}

/** Checks batch, steps and per-example lengths (integers, 0 ≤ length ≤ steps). */
export function expectRunShape(batch: number, steps: number, lengths: readonly number[] | undefined): void {
  if (!Number.isInteger(batch) || batch < 1) throw new VerifyInputError(`batch: expected an integer ≥ 1, found ${batch}`);
  if (!Number.isInteger(steps) || steps < 1) throw new VerifyInputError(`steps: expected an integer ≥ 1, found ${steps}`);
  if (lengths === undefined) return;
  if (lengths.length !== batch) {
    throw new VerifyInputError(`lengths: expected one length per example (${batch}), found ${lengths.length}`);
  }
  lengths.forEach((len, b) => {
    if (!Number.isInteger(len) || len < 0 || len > steps) {
      throw new VerifyInputError(`lengths[${b}]: expected an integer in [0, ${steps}], found ${len}`);
    }
  });
}

/**
 * Refuses names a record has but the cell does not declare (a misspelt seed would otherwise
 * silently count as zero). `what` is e.g. "seeds.outputs", `kind` e.g. "output".
 */
export function expectKnownNames(
  what: string,
  record: Readonly<Record<string, unknown>> | undefined,
  known: readonly string[],
  kind: string,
  cell: string,
): void {
  for (const name of Object.keys(record ?? {})) {
    if (!known.includes(name)) {
      const list = known.length === 0 ? "none" : known.map((k) => `\`${k}\``).join(", ");
      throw new VerifyInputError(`${what}: cell ${cell} has no ${kind} \`${name}\` (its ${kind}s: ${list})`);
    }
  }
}

/**
 * The module's `paramShapes` (when it states them) must be the program's: every declared param, with
 * its shape. `what` names the module ("kernel", "module"), `owner` the program ("cell LSTM").
 */
export function expectDeclaredParams(
  declared: Readonly<Record<string, readonly number[]>> | undefined,
  expected: Iterable<readonly [string, readonly number[]]>,
  what: string,
  owner: string,
): void {
  if (declared === undefined) return;
  for (const [name, shape] of expected) {
    const d = declared[name];
    if (d === undefined) throw new VerifyInputError(`the ${what} has no param \`${name}\`; ${owner} declares it with shape ${formatShape(shape)}`);
    if (formatShape(d) !== formatShape(shape)) throw new VerifyInputError(`the ${what}'s param \`${name}\` has shape ${formatShape(d)}, but ${owner} declares ${formatShape(shape)}`);
  }
}
