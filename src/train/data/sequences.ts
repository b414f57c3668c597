import type { Dim } from "../../core/dims.js";
import { TrainInputError } from "../errors.js";
import { typeText, type Port, type UnitSignature } from "../unit.js";
import { describeJson, type JsonRecord } from "./jsonl.js";
import { splitIndices } from "./split.js";
import { byCodePoint, tokenize, tokenVocabulary, type Tokenize } from "./tokens.js";

/** One labelled sequence, as the unit reads it. */
export interface Example {
  /** Its line in the data file. */
  readonly line: number;
  readonly length: number;
  /** T ids, or T × width numbers (row-major), per the unit's input. */
  readonly input: Int32Array | Float64Array;
  /** Per target: per step T ids or T × W numbers; per sequence one id or W numbers. */
  readonly targets: Readonly<Record<string, Int32Array | Float64Array>>;
}

/**
 * What a dataset says about a dimension of the unit: `dim` (the size of the input or a target, as
 * the unit declares it) is exactly `value` (a vocabulary's size, a row's width) or at least `value`
 * (the largest id + 1), because of `what`.
 */
export interface DimConstraint {
  readonly dim: Dim;
  readonly value: number;
  readonly exact: boolean;
  readonly what: string;
  /** The declaration whose size this is (`input x: [I]`), for messages. */
  readonly decl?: string;
}

export interface SequenceSet {
  readonly examples: readonly Example[];
  /** Indices into `examples`, in file order. */
  readonly train: readonly number[];
  readonly val: readonly number[];
  readonly constraints: readonly DimConstraint[];
  /** For `"text"` data: the tokens by id (`<unk>` is 0), built from the training split. */
  readonly vocab?: readonly string[];
  readonly tokenize?: Tokenize;
  /** For string labels: per target, the labels by id (sorted). */
  readonly labels: Readonly<Record<string, readonly string[]>>;
  /** Tokens of the validation split that the training split never had (read as `<unk>`). */
  readonly unknownInVal: number;
}

export interface SequenceOptions {
  readonly file: string;
  /** The fraction of examples held out for validation, in [0, 1). */
  readonly val: number;
  readonly seed: number;
  readonly tokenize: Tokenize;
}

const INPUT_KEYS = ["tokens", "text", "x"] as const;

/**
 * Reads labelled sequences for `sig`: the input from `tokens` (ids), `text` (tokenized, with a
 * vocabulary of the training split) or `x` (ids, or one vector per step), each target from the key
 * of its name, or `label` (a per-sequence target) / `y` (a per-step one) when the unit has one
 * target. Every line is checked against what the unit expects; a mismatch names the file, line, key,
 * what the unit expects and what the line holds.
 */
export function readSequences(sig: UnitSignature, records: readonly JsonRecord[], options: SequenceOptions): SequenceSet {
  if (sig.losses.length === 0) {
    throw new TrainInputError(
      `${sig.kind} ${sig.name} has no loss: training on ${options.file} needs a model with \`target …\` and \`loss cross_entropy(…)\` or \`loss mse(…)\`${sig.kind === "cell" ? " (a cell trains only as a character model, on a text file)" : ""}`,
    );
  }
  const { train, val } = splitIndices(records.length, options.val, options.seed, options.file);
  const keys = targetKeys(sig);
  const at = (r: JsonRecord) => `${options.file}:${r.line}`;
  for (const r of records) checkKeys(r, keys, at(r), sig);
  const constraints: DimConstraint[] = [];
  const inputs = readInputs(sig, records, train, options, constraints);
  const labels: Record<string, readonly string[]> = {};
  const targets = sig.targets.map((t) => readTarget(t, keys.get(t.name)!, records, inputs.lengths, options.file, constraints, labels));
  const examples: Example[] = records.map((r, i) => ({
    line: r.line,
    length: inputs.lengths[i]!,
    input: inputs.values[i]!,
    targets: Object.fromEntries(sig.targets.map((t, k) => [t.name, targets[k]![i]!])),
  }));
  return {
    examples,
    train,
    val,
    constraints,
    labels,
    unknownInVal: inputs.unknownInVal,
    ...(inputs.vocab !== undefined ? { vocab: inputs.vocab, tokenize: options.tokenize } : {}),
  };
}

/** The key each target is read from: its own name, or `label` / `y` for a unit's only target. */
function targetKeys(sig: UnitSignature): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const t of sig.targets) keys.set(t.name, sig.targets.length === 1 ? [...new Set([t.name, t.timing === "once" ? "label" : "y"])] : [t.name]);
  return keys;
}

function checkKeys(r: JsonRecord, targets: Map<string, string[]>, at: string, sig: UnitSignature): void {
  const known = [...INPUT_KEYS, ...[...targets.values()].flat()];
  for (const key of Object.keys(r.value)) {
    if (!known.includes(key)) {
      throw new TrainInputError(`${at}: unknown key ${JSON.stringify(key)}; ${sig.kind} ${sig.name} reads ${describeKeys(sig, targets)}`);
    }
  }
  const given = INPUT_KEYS.filter((k) => k in r.value);
  if (given.length !== 1) {
    throw new TrainInputError(
      given.length === 0
        ? `${at}: no input; ${sig.kind} ${sig.name} reads ${describeKeys(sig, targets)}`
        : `${at}: ${given.map((k) => `"${k}"`).join(" and ")} both give the input; give one`,
    );
  }
  for (const [name, names] of targets) {
    const found = names.filter((k) => k in r.value);
    if (found.length === 0) throw new TrainInputError(`${at}: no ${names.map((k) => `"${k}"`).join(" or ")}; the target \`${name}\` of ${sig.kind} ${sig.name} is ${targetText(sig.targets.find((t) => t.name === name)!)}`);
    if (found.length > 1) throw new TrainInputError(`${at}: ${found.map((k) => `"${k}"`).join(" and ")} both give the target \`${name}\`; give one`);
  }
}

function describeKeys(sig: UnitSignature, targets: Map<string, string[]>): string {
  const input = sig.input.kind === "index" ? `"tokens" (ids) or "text"` : `"x" (one array of ${sig.input.size} numbers per step)`;
  const t = sig.targets.map((p) => `${targets.get(p.name)!.map((k) => `"${k}"`).join(" or ")} (${targetText(p)})`);
  return [input, ...t].join(" and ");
}

/** `one class id per sequence, index(C)`, `one [O] vector per step`. */
export function targetText(t: Port): string {
  const what = t.kind === "index" ? "class id" : `${typeText(t)} vector`;
  return `one ${what} per ${t.timing === "once" ? "sequence" : "step"}${t.kind === "index" ? `, ${typeText(t)}` : ""}`;
}

interface Inputs {
  readonly values: (Int32Array | Float64Array)[];
  readonly lengths: number[];
  readonly vocab?: readonly string[];
  readonly unknownInVal: number;
}

function readInputs(sig: UnitSignature, records: readonly JsonRecord[], train: readonly number[], options: SequenceOptions, constraints: DimConstraint[]): Inputs {
  const file = options.file;
  const wantIds = sig.input.kind === "index";
  const isTrain = new Set(train);
  // Text: tokens first, so that the vocabulary is the training split's.
  const texts = records.map((r) => (typeof r.value["text"] === "string" ? tokenize(r.value["text"], options.tokenize) : r.value["text"] !== undefined ? null : undefined));
  const vocab = texts.some((t) => t !== undefined) ? tokenVocabulary(texts.filter((t, i): t is string[] => Array.isArray(t) && isTrain.has(i))) : undefined;
  const index = new Map(vocab?.map((t, i) => [t, i]));
  let maxId = -1;
  let maxIdLine = 0;
  let width: { value: number; line: number } | undefined;
  const values: (Int32Array | Float64Array)[] = [];
  const lengths: number[] = [];
  records.forEach((r, i) => {
    const at = `${file}:${r.line}`;
    const key = INPUT_KEYS.find((k) => k in r.value)!;
    const raw = r.value[key];
    const expect = `${sig.kind} ${sig.name} reads ${wantIds ? `ids, \`input ${sig.input.name}: ${typeText(sig.input)}\`` : `vectors, \`input ${sig.input.name}: ${typeText(sig.input)}\``}`;
    if (key === "text") {
      if (!wantIds) throw new TrainInputError(`${at}: "text" gives tokens, but ${expect}; give "x": one array of numbers per step`);
      const tokens = texts[i];
      if (tokens == null) throw new TrainInputError(`${at}: "text" must be a string, found ${describeJson(raw)}`);
      if (tokens.length === 0) throw new TrainInputError(`${at}: "text" has no tokens (${options.tokenize}); every example needs at least one step`);
      values.push(Int32Array.from(tokens, (t) => index.get(t) ?? 0));
      lengths.push(tokens.length);
      return;
    }
    if (!Array.isArray(raw) || raw.length === 0) throw new TrainInputError(`${at}: "${key}" must be a non-empty array (one entry per step), found ${describeJson(raw)}`);
    const rowsGiven = raw.every((v) => Array.isArray(v));
    if (wantIds) {
      if (rowsGiven) throw new TrainInputError(`${at}: "${key}" holds one array per step (vectors), but ${expect}; give "tokens": [ids]`);
      const ids = readIds(raw, `${at}: "${key}"`);
      ids.forEach((v) => {
        if (v > maxId) [maxId, maxIdLine] = [v, r.line];
      });
      values.push(ids);
      lengths.push(ids.length);
      return;
    }
    if (key === "tokens" || !rowsGiven) throw new TrainInputError(`${at}: "${key}" holds ids, but ${expect}; give "x": one array of numbers per step`);
    const rows = readRows(raw as unknown[], `${at}: "x"`, width, r.line);
    width ??= { value: rows.width, line: r.line };
    values.push(rows.values);
    lengths.push(raw.length);
  });
  const decl = `input ${sig.input.name}: ${typeText(sig.input)}`;
  if (vocab !== undefined) constraints.push({ decl, dim: sig.input.size, value: vocab.length, exact: true, what: `the vocabulary of "text" in the training split of ${file} (${vocab.length} tokens with <unk>)` });
  else if (maxId >= 0) constraints.push({ decl, dim: sig.input.size, value: maxId + 1, exact: false, what: `${file}:${maxIdLine} has token id ${maxId}` });
  if (width !== undefined) constraints.push({ decl, dim: sig.input.size, value: width.value, exact: true, what: `the rows of "x" in ${file} (${width.value} numbers)` });
  return { values, lengths, ...(vocab !== undefined ? { vocab } : {}), unknownInVal: vocab !== undefined ? unknownCount(texts, train, index) : 0 };
}

function unknownCount(texts: readonly (string[] | null | undefined)[], train: readonly number[], index: ReadonlyMap<string, number>): number {
  const isTrain = new Set(train);
  let n = 0;
  texts.forEach((t, i) => {
    if (!isTrain.has(i) && Array.isArray(t)) for (const tok of t) if (!index.has(tok)) n++;
  });
  return n;
}

function readIds(raw: readonly unknown[], where: string): Int32Array {
  return Int32Array.from(raw, (v, t) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > 0x7fffffff) throw new TrainInputError(`${where}[${t}] must be an integer id ≥ 0, found ${describeJson(v)}`);
    return v;
  });
}

/** Rows of numbers, all of one width (the first line's, once known). */
function readRows(raw: readonly unknown[], where: string, width: { value: number; line: number } | undefined, line: number): { values: Float64Array; width: number } {
  const first = raw[0] as unknown[];
  const W = width?.value ?? first.length;
  if (W === 0) throw new TrainInputError(`${where}[0] is an empty array; each step needs at least one number`);
  const values = new Float64Array(raw.length * W);
  raw.forEach((row, t) => {
    const r = row as unknown[];
    if (r.length !== W) {
      throw new TrainInputError(`${where}[${t}] has ${r.length} numbers, but ${width === undefined || width.line === line ? `step 0 has ${W}` : `the rows of line ${width.line} have ${W}`}; every step has the same width`);
    }
    r.forEach((v, j) => {
      if (typeof v !== "number") throw new TrainInputError(`${where}[${t}][${j}] must be a number, found ${describeJson(v)}`);
      values[t * W + j] = v;
    });
  });
  return { values, width: W };
}

function readTarget(
  t: Port,
  keys: readonly string[],
  records: readonly JsonRecord[],
  lengths: readonly number[],
  file: string,
  constraints: DimConstraint[],
  labels: Record<string, readonly string[]>,
): (Int32Array | Float64Array)[] {
  const at = (r: JsonRecord, key: string) => `${file}:${r.line}: "${key}"`;
  const raws = records.map((r) => {
    const key = keys.find((k) => k in r.value)!;
    return { r, key, raw: r.value[key] };
  });
  if (t.kind === "index") {
    const strings = t.timing === "once" && raws.some((x) => typeof x.raw === "string") ? stringLabels(raws, at) : undefined;
    if (strings !== undefined) {
      labels[t.name] = strings;
      constraints.push({ decl: `target ${t.name}: ${typeText(t)}`, dim: t.size, value: strings.length, exact: true, what: `the ${strings.length} distinct labels of \`${t.name}\` in ${file}` });
      const id = new Map(strings.map((s, i) => [s, i]));
      return raws.map((x) => Int32Array.of(id.get(x.raw as string)!));
    }
    let max = -1;
    let maxLine = 0;
    const out = raws.map((x, i) => {
      const ids = t.timing === "once" ? Int32Array.of(readLabel(x.raw, at(x.r, x.key), t)) : perStep(x.raw, lengths[i]!, `${at(x.r, x.key)}`, t, (raw) => readIds(raw, at(x.r, x.key)));
      for (const v of ids) if (v > max) [max, maxLine] = [v, x.r.line];
      return ids;
    });
    constraints.push({ decl: `target ${t.name}: ${typeText(t)}`, dim: t.size, value: max + 1, exact: false, what: `${file}:${maxLine} has class id ${max} for \`${t.name}\`` });
    return out;
  }
  let width: { value: number; line: number } | undefined;
  const out = raws.map((x, i) => {
    if (t.timing === "once") {
      if (!Array.isArray(x.raw) || x.raw.length === 0 || x.raw.some((v) => Array.isArray(v))) {
        throw new TrainInputError(`${at(x.r, x.key)} must be one array of numbers (the target \`${t.name}\` is ${targetText(t)}), found ${describeJson(x.raw)}`);
      }
      const row = readRows([x.raw], at(x.r, x.key), width, x.r.line);
      width ??= { value: row.width, line: x.r.line };
      return row.values;
    }
    return perStep(x.raw, lengths[i]!, at(x.r, x.key), t, (raw) => {
      const rows = readRows(raw, at(x.r, x.key), width, x.r.line);
      width ??= { value: rows.width, line: x.r.line };
      return rows.values;
    });
  });
  constraints.push({ decl: `target ${t.name}: ${typeText(t)}`, dim: t.size, value: width!.value, exact: true, what: `the rows of \`${t.name}\` in ${file} (${width!.value} numbers)` });
  return out;
}

/** A per-step target: an array with one entry per step of its example's input. */
function perStep<A>(raw: unknown, length: number, where: string, t: Port, read: (raw: readonly unknown[]) => A): A {
  if (!Array.isArray(raw)) throw new TrainInputError(`${where} must be an array with ${targetText(t)} (${length} steps), found ${describeJson(raw)}`);
  if (raw.length !== length) throw new TrainInputError(`${where} has ${raw.length} entries, but the input has ${length} steps (the target \`${t.name}\` is ${targetText(t)})`);
  if (t.kind === "index" && raw.some((v) => Array.isArray(v))) throw new TrainInputError(`${where} holds arrays, but the target \`${t.name}\` is ${targetText(t)}: give one integer per step`);
  if (t.kind === "vector" && !raw.every((v) => Array.isArray(v))) throw new TrainInputError(`${where} must hold one array of numbers per step (the target \`${t.name}\` is ${targetText(t)})`);
  return read(raw);
}

function readLabel(v: unknown, where: string, t: Port): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > 0x7fffffff) throw new TrainInputError(`${where} must be an integer class id ≥ 0 (the target \`${t.name}\` is ${targetText(t)}), found ${describeJson(v)}`);
  return v;
}

/** String labels: every line's label a string; the sorted distinct ones are the classes. */
function stringLabels(raws: readonly { r: JsonRecord; key: string; raw: unknown }[], at: (r: JsonRecord, key: string) => string): string[] {
  for (const x of raws) if (typeof x.raw !== "string") throw new TrainInputError(`${at(x.r, x.key)} must be a string label like the other lines' labels, found ${describeJson(x.raw)}`);
  return Array.from(new Set(raws.map((x) => x.raw as string))).sort(byCodePoint);
}
