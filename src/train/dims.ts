import { bindDimValues } from "../core/dim-values.js";
import { TrainInputError } from "./errors.js";
import type { DimConstraint } from "./data/sequences.js";
import { plainName, type UnitSignature } from "./unit.js";

/**
 * Every dimension of the unit with a value: `given` (from --dims) over `defaults`, with what the data
 * fixes winning but refusing a different value in `given`. A constraint on a plain dimension (`V` in
 * `index(V)`) fills it in: exactly (a vocabulary's size, a row's width) or, when --dims does not give
 * it, as the least value the data needs (the largest id + 1). Every constraint is then checked at
 * the resolved sizes (`index(2)`, `[2V]`, or a --dims value too small for the ids). A missing
 * dimension, one the unit does not have, or a mismatch is an error naming it.
 */
export function resolveDims(
  sig: Pick<UnitSignature, "kind" | "name" | "dims">,
  given: Readonly<Record<string, number>>,
  constraints: readonly DimConstraint[],
  defaults: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const owner = `${sig.kind} ${sig.name}`;
  // Names the unit does not have get the one message every command gives (with a likely meaning);
  // missing ones are decided below, once the data has had its say.
  bindDimValues(owner, sig.dims, given, () => 0);
  const fixed = fixedByData(constraints, given);
  const dims: Record<string, number> = {};
  const missing: string[] = [];
  for (const d of sig.dims) {
    const exact = fixed.get(d);
    if (exact !== undefined && given[d] !== undefined && given[d] !== exact.value) {
      throw new TrainInputError(`--dims: ${d}=${given[d]}, but the data fixes ${d} at ${exact.value}${exact.what === "" ? "" : ` (${exact.what})`}`);
    }
    const value = exact?.value ?? given[d] ?? defaults[d];
    if (value === undefined) missing.push(d);
    else dims[d] = value;
  }
  if (missing.length > 0) throw new TrainInputError(`--dims must give ${missing.join(", ")} (${owner} has dimensions ${sig.dims.join(", ")})`);
  for (const c of constraints) checkConstraint(c, dims, given, owner);
  return dims;
}

/** The dimensions the data decides: exact constraints, and the bounds of the ones --dims does not give. */
function fixedByData(constraints: readonly DimConstraint[], given: Readonly<Record<string, number>>): Map<string, { value: number; what: string }> {
  const fixed = new Map<string, { value: number; what: string; exact: boolean }>();
  for (const c of constraints) {
    const name = plainName(c.dim);
    if (name === undefined || (!c.exact && given[name] !== undefined)) continue;
    const had = fixed.get(name);
    if (had?.exact && c.exact && had.value !== c.value) throw new TrainInputError(`the data fixes ${name} at ${had.value} (${had.what}) and at ${c.value} (${c.what})`);
    if (had === undefined || (c.exact && !had.exact) || (!c.exact && !had.exact && c.value > had.value)) fixed.set(name, { value: c.value, what: c.exact ? c.what : "", exact: c.exact });
  }
  return fixed;
}

function checkConstraint(c: DimConstraint, dims: Readonly<Record<string, number>>, given: Readonly<Record<string, number>>, owner: string): void {
  const value = c.dim.evaluate(dims);
  const name = plainName(c.dim);
  const at = Object.entries(dims)
    .filter(([d]) => c.dim.names().includes(d))
    .map(([d, v]) => `${d}=${v}`)
    .join(", ");
  if (c.exact && value !== c.value) {
    throw new TrainInputError(`${owner}: \`${c.decl ?? c.dim}\` has ${value}${at === "" ? "" : ` (${at})`}, but ${c.what}`);
  }
  if (!c.exact && value < c.value) {
    const why = name !== undefined && given[name] !== undefined ? `--dims: ${name}=${given[name]} is too small` : `${owner} has ids below ${c.dim}${at === "" ? "" : ` = ${value} (${at})`}`;
    throw new TrainInputError(`${why}: ${c.what} (it needs ${c.value > 1 ? `at least ${c.value}` : "1"})`);
  }
}
