/**
 * Sizes the user gives a cell's or a model's dimensions (`--dims I=32,H=64`, or a library call):
 * one strict parser for the text form and one check of the values against the dimensions the
 * program declares. Every command and entry point goes through here, so a misspelt name, a missing
 * one, a size that is not a positive integer or sizes too large to allocate get the same message.
 */
import { closestName } from "./suggest.js";
import { UserError } from "./user-error.js";

/** A dimension value the user got wrong; `message` says which and what would be accepted. */
export class DimValueError extends UserError {
  override readonly name = "DimValueError";
}

/** The largest number of elements one array may hold (V8 refuses typed arrays beyond this on 32-bit sizes). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * `I=32,H=64` → { I: 32, H: 64 }. Spaces around names and values are allowed; everything else that
 * is not NAME=POSITIVE-INTEGER is refused, naming the entry: `I=-1`, `I=3.5`, `I=1e3`, `I=`, `=3`,
 * an empty entry, a name given twice. Throws `DimValueError`.
 */
export function parseDimValues(text: string): Record<string, number> {
  const dims: Record<string, number> = {};
  const parts = text.split(",");
  parts.forEach((part, i) => {
    const entry = part.trim();
    if (entry === "") throw new DimValueError(`entry ${i + 1} of \`${text}\` is empty; expected NAME=SIZE pairs separated by commas (like I=32,H=64)`);
    const eq = entry.indexOf("=");
    if (eq < 0) throw new DimValueError(`expected NAME=SIZE, found \`${entry}\` (no \`=\`); like I=32,H=64`);
    const name = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DimValueError(`\`${name}\` in \`${entry}\` is not a dimension name (a letter or _, then letters, digits or _)`);
    if (Object.prototype.hasOwnProperty.call(dims, name)) throw new DimValueError(`dimension ${name} is given twice`);
    const size = Number(value);
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(size) || size < 1) {
      throw new DimValueError(`dimension ${name} must be a positive integer, found \`${value === "" ? "nothing" : value}\``);
    }
    Object.defineProperty(dims, name, { value: size, enumerable: true, writable: true, configurable: true });
  });
  return dims;
}

/**
 * The values for `declared` (the dimensions of `owner`, e.g. "cell LSTM") from `given`: every name
 * given must be declared, and every declared one given unless `fallback` supplies it. Unknown and
 * missing names are reported together, each unknown one with the declared name it most likely means.
 */
export function bindDimValues(
  owner: string,
  declared: readonly string[],
  given: Readonly<Record<string, number>> | undefined,
  fallback?: (name: string, index: number) => number,
): Record<string, number> {
  const problems: string[] = [];
  const unknown = Object.keys(given ?? {})
    .filter((name) => !declared.includes(name))
    .map((name) => {
      const guess = declared.find((d) => d.toLowerCase() === name.toLowerCase()) ?? closestName(name, declared);
      return `${name}${guess !== undefined ? ` (did you mean ${guess}?)` : ""}`;
    });
  if (unknown.length > 0) problems.push(`${owner} has no dimension${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`);
  const dims: Record<string, number> = {};
  const missing: string[] = [];
  declared.forEach((name, i) => {
    const value = given !== undefined && Object.prototype.hasOwnProperty.call(given, name) ? given[name] : undefined;
    if (value !== undefined) dims[name] = value;
    else if (fallback !== undefined) dims[name] = fallback(name, i);
    else missing.push(name);
  });
  if (missing.length > 0) problems.push(`no size for dimension${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  if (problems.length > 0) {
    const list = declared.length === 0 ? "none" : declared.join(", ");
    throw new DimValueError(`--dims: ${problems.join("; ")} (the dimensions of ${owner} are ${list})`);
  }
  return dims;
}

/**
 * Refuses dimension values that make an array too large to allocate, naming the array, its shape and
 * the dimension values, before anything tries (the alternative is V8's "Invalid typed array length").
 */
export function checkArraySizes(owner: string, dims: Readonly<Record<string, number>>, shapes: Readonly<Record<string, readonly number[]>>): void {
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size <= MAX_ELEMENTS) continue;
    const values = Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(", ");
    throw new DimValueError(`with ${values}, ${owner}'s param ${name} has shape [${shape.join(", ")}]: ${size} numbers, more than one array can hold (${MAX_ELEMENTS})`);
  }
}
