/**
 * The safetensors file format (https://github.com/huggingface/safetensors), read and written with
 * nothing but Uint8Array, DataView, TextEncoder and TextDecoder.
 *
 * This file is a *runtime* file: the bundling step (scripts/bundle-runtime.ts) embeds it into
 * generated modules, so it imports nothing outside src/runtime. Private helpers carry an `st`
 * prefix to keep generic names (`fail`, `set`) out of a generated module's scope, where a cell
 * may not take a runtime name.
 *
 * Layout: 8 bytes little-endian u64 N; N bytes of UTF-8 JSON header
 * `{ "<name>": { "dtype", "shape", "data_offsets": [begin, end] }, "__metadata__"?: { string: string } }`;
 * then the data buffer, with offsets relative to its start. Data is little-endian, row-major.
 *
 * The reader accepts exactly what the reference implementation (the Rust crate behind Python's
 * `safetensors`) accepts, and says precisely why it refuses anything else. Like the reference it
 * requires the tensors to tile the data buffer: sorted by offset, each begins where the previous
 * ends, and the last one ends at the end of the file. The README does not spell out "no gaps", but
 * the reference reader rejects gaps (`InvalidOffset`) and trailing bytes (`MetadataIncompleteBuffer`),
 * so a file with either would be unreadable by every other tool.
 */

/** Element types this module can read. F16 and BF16 are widened to float32 on reading. */
export type SafetensorsDtype = "F32" | "F64" | "F16" | "BF16";

/** A tensor as read from a file. `dtype` is the stored type; F16/BF16 arrive as Float32Array. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly data: Float32Array | Float64Array;
}

/** A tensor to write. The values are stored as `dtype`, whichever array type holds them. */
export interface SafetensorsTensorInput {
  readonly dtype: "F32" | "F64";
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** The content of a safetensors file. `metadata` is undefined when the header has no `__metadata__`. */
export interface SafetensorsFile {
  readonly tensors: Record<string, SafetensorsTensor>;
  readonly metadata: Record<string, string> | undefined;
}

/** The reference implementation refuses headers above 100 MB (its MAX_HEADER_SIZE). */
const ST_MAX_HEADER_BYTES = 100_000_000;
const ST_METADATA_KEY = "__metadata__";

/** Sizes of the float dtypes we read, and of the other dtypes the format defines (to name them). */
const ST_SUPPORTED_SIZES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
const ST_OTHER_DTYPES: readonly string[] = [
  "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
  "I16", "U16", "I32", "U32", "I64", "U64", "C64",
];

function stFail(message: string): never {
  throw new Error(message);
}

/** Assigns an own enumerable property, so that a tensor named `__proto__` is an ordinary key. */
function stSet<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function stHas(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

function stShapeText(shape: readonly unknown[]): string {
  return stClip(`[${shape.slice(0, 9).map((d) => stPreview(d, 1)).join(", ")}${shape.length > 9 ? ", ..." : ""}]`);
}

/**
 * JSON-like text of a value, cut off after 3 levels and 8 items per level: the header is hostile
 * input, and JSON.stringify would recurse without limit on `[[[[…]]]]` and overflow the stack.
 */
function stPreview(value: unknown, depth: number): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value); // 1e400 parses to Infinity
  if (depth >= 3) return Array.isArray(value) ? "[...]" : "{...}";
  if (Array.isArray(value)) {
    const items = value.slice(0, 8).map((v) => stPreview(v, depth + 1));
    return `[${items.join(",")}${value.length > 8 ? ",..." : ""}]`;
  }
  const keys = Object.keys(value);
  const fields = keys.slice(0, 8).map((k) => `${JSON.stringify(k)}:${stPreview((value as Record<string, unknown>)[k], depth + 1)}`);
  return `{${fields.join(",")}${keys.length > 8 ? ",..." : ""}}`;
}

/** A short description of a JSON value for messages: `array [1,2]`, `null`, `number 3`, `string "x"`. */
function stDescribe(value: unknown): string {
  if (value === null) return "null";
  const kind = Array.isArray(value) ? "array" : typeof value;
  return kind === "string" || kind === "object" || kind === "array" ? `${kind} ${stClip(stPreview(value, 0))}` : `${kind} ${String(value)}`;
}

function stClip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Compares strings by Unicode code point, as Rust's `str` ordering does (UTF-16 order differs). */
function stCompareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0)!);
  const cb = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  return ca.length - cb.length;
}

function stElementCount(name: string, shape: readonly number[]): number {
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      stFail(`tensor "${name}": shape ${stShapeText(shape)} has entry ${i} = ${stPreview(d, 1)}; shape entries must be non-negative integers`);
    }
    count *= d;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Serializes tensors the way the reference implementation does, so equal inputs give equal bytes:
 * tensors ordered by dtype (F64 before F32, which keeps every tensor aligned to its element size)
 * and then by name; header keys in the order `__metadata__` (keys sorted), then per tensor `dtype`,
 * `shape`, `data_offsets`; compact JSON padded with spaces to a multiple of 8 bytes; little-endian
 * data whatever the host. `__metadata__` is written only when `metadata` is given.
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === ST_METADATA_KEY) stFail(`tensor name "${ST_METADATA_KEY}" is reserved for the header's metadata`);
    const t = tensors[name]!;
    if (t.dtype !== "F32" && t.dtype !== "F64") {
      stFail(`tensor "${name}": can only write dtype F32 or F64, found ${stPreview(t.dtype, 0)}`);
    }
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
      stFail(`tensor "${name}": data must be a Float32Array or Float64Array`);
    }
    const count = stElementCount(name, t.shape);
    if (count !== t.data.length) {
      stFail(`tensor "${name}": shape ${stShapeText(t.shape)} has ${count} elements, but the data has ${t.data.length}`);
    }
  }
  names.sort((a, b) => ST_SUPPORTED_SIZES[tensors[b]!.dtype] - ST_SUPPORTED_SIZES[tensors[a]!.dtype] || stCompareCodePoints(a, b));

  const entries: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(stCompareCodePoints);
    const fields = keys.map((k) => {
      const v = metadata[k];
      if (typeof v !== "string") stFail(`metadata "${k}": value must be a string, found ${stDescribe(v)}`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    entries.push(`${JSON.stringify(ST_METADATA_KEY)}:{${fields.join(",")}}`);
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const end = offset + t.data.length * ST_SUPPORTED_SIZES[t.dtype];
    entries.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 4294967296, true);
  view.setUint32(4, Math.floor(headerLength / 4294967296), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // spaces: still valid JSON
  let at = 8 + headerLength;
  for (const name of names) {
    const t = tensors[name]!;
    if (t.dtype === "F32") {
      for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
    } else {
      for (let i = 0; i < t.data.length; i++, at += 8) view.setFloat64(at, t.data[i]!, true);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Finds a key that occurs twice in one JSON object and returns the message for it. The format
 * forbids duplicate keys, but `JSON.parse` would silently keep the last one (which is how aliasing
 * attacks on safetensors work), so the text is scanned once more. `text` must be valid JSON.
 */
function stFindDuplicateKey(text: string): string | undefined {
  // One entry per open container: the keys seen so far (objects) or null (arrays).
  const stack: (Set<string> | null)[] = [];
  let topLevelKey = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{") stack.push(new Set());
    else if (ch === "[") stack.push(null);
    else if (ch === "}" || ch === "]") stack.pop();
    else if (ch === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
      const keys = stack[stack.length - 1];
      if (keys === null || keys === undefined) continue;
      let j = i + 1;
      while (text[j] === " " || text[j] === "\t" || text[j] === "\n" || text[j] === "\r") j++;
      if (text[j] !== ":") continue; // a string value, not a key
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (keys.has(key)) {
        const rule = "the safetensors format forbids duplicate keys";
        if (stack.length === 1) return `header has the key "${key}" twice; ${rule}`;
        const owner = topLevelKey === ST_METADATA_KEY ? `"${ST_METADATA_KEY}"` : `tensor "${topLevelKey}"`;
        return `${owner}: header entry has the key "${key}" twice; ${rule}`;
      }
      keys.add(key);
      if (stack.length === 1) topLevelKey = key;
    }
  }
  return undefined;
}

function stParseHeader(bytes: Uint8Array): { json: Record<string, unknown>; headerLength: number } {
  if (bytes.length < 8) {
    stFail(`file is ${bytes.length} bytes long; a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 4294967296 + low; // exact below 2^53; anything above is refused anyway
  if (high !== 0 || headerLength > ST_MAX_HEADER_BYTES) {
    const exact = ((BigInt(high) << BigInt(32)) | BigInt(low)).toString();
    stFail(`header length is ${exact} bytes, more than the ${ST_MAX_HEADER_BYTES}-byte limit; this is not a safetensors file, or it is corrupt`);
  }
  if (headerLength > bytes.length - 8) {
    stFail(`header length is ${headerLength} bytes, but the file has only ${bytes.length - 8} bytes after the 8-byte length`);
  }
  let text: string;
  try {
    // ignoreBOM: a byte-order mark stays in the text and makes JSON.parse fail, as serde_json does.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    stFail(`header (${headerLength} bytes) is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    stFail(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    stFail(`header must be a JSON object, found ${stDescribe(json)}`);
  }
  const duplicate = stFindDuplicateKey(text);
  if (duplicate !== undefined) stFail(duplicate);
  return { json: json as Record<string, unknown>, headerLength };
}

function stParseMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    stFail(`"${ST_METADATA_KEY}" must be an object of string values, found ${stDescribe(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") stFail(`"${ST_METADATA_KEY}" key "${k}": value must be a string, found ${stDescribe(v)}`);
    stSet(out, k, v);
  }
  return out;
}

interface StEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function stParseEntry(name: string, value: unknown): StEntry {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    stFail(`tensor "${name}": entry must be an object with "dtype", "shape" and "data_offsets", found ${stDescribe(value)}`);
  }
  const entry = value as Record<string, unknown>;
  for (const key of ["dtype", "shape", "data_offsets"]) {
    if (!stHas(entry, key)) stFail(`tensor "${name}": entry has no "${key}"`);
  }
  const dtype = entry["dtype"];
  if (typeof dtype !== "string") stFail(`tensor "${name}": "dtype" must be a string, found ${stDescribe(dtype)}`);
  if (!stHas(ST_SUPPORTED_SIZES, dtype)) {
    const what = ST_OTHER_DTYPES.includes(dtype) ? "is not supported" : "is not a safetensors dtype";
    stFail(`tensor "${name}": dtype ${JSON.stringify(dtype)} ${what} (supported: F32, F64, F16, BF16)`);
  }
  const shape = entry["shape"];
  if (!Array.isArray(shape)) stFail(`tensor "${name}": "shape" must be an array of non-negative integers, found ${stDescribe(shape)}`);
  const count = stElementCount(name, shape);
  const offsets = entry["data_offsets"];
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)
  ) {
    stFail(`tensor "${name}": "data_offsets" must be two non-negative integers [begin, end], found ${stDescribe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) stFail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  const need = count * ST_SUPPORTED_SIZES[dtype as SafetensorsDtype];
  if (end - begin !== need) {
    stFail(
      `tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but dtype ${dtype} and shape ${stShapeText(shape)} need ${need}`,
    );
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

/** Checks that the tensors tile the data buffer exactly: no overlap, no gap, nothing left over. */
function stCheckLayout(entries: readonly StEntry[], dataLength: number, headerLength: number): void {
  for (const e of entries) {
    if (e.end > dataLength) {
      stFail(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] run past the end of the data buffer, which holds ${dataLength} bytes (file = 8 + ${headerLength} header + ${dataLength} data)`,
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end || stCompareCodePoints(a.name, b.name));
  let covered = 0;
  let previous: StEntry | undefined;
  for (const e of sorted) {
    if (e.begin < covered && previous !== undefined) {
      stFail(
        `tensors "${previous.name}" [${previous.begin}, ${previous.end}] and "${e.name}" [${e.begin}, ${e.end}] overlap; each byte of the data buffer belongs to at most one tensor`,
      );
    }
    if (e.begin > covered) {
      stFail(
        `bytes [${covered}, ${e.begin}) of the data buffer, before tensor "${e.name}", belong to no tensor; the safetensors reference implementation requires tensors to be packed without gaps`,
      );
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) {
    stFail(
      `the data buffer holds ${dataLength} bytes but the tensors end at byte ${covered}; the last ${dataLength - covered} bytes belong to no tensor`,
    );
  }
}

/** IEEE binary16 bits to a number (exact in float32). */
function stHalfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Copies a tensor out through a DataView: works for any alignment and any host byte order. */
function stDecode(view: DataView, at: number, e: StEntry): Float32Array | Float64Array {
  const count = (e.end - e.begin) / ST_SUPPORTED_SIZES[e.dtype];
  const start = at + e.begin;
  switch (e.dtype) {
    case "F64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, true);
      return out;
    }
    case "F32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, true);
      return out;
    }
    case "F16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = stHalfToNumber(view.getUint16(start + 2 * i, true));
      return out;
    }
    case "BF16": {
      // bfloat16 is the high half of a float32.
      const out = new Float32Array(count);
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        scratch.setUint32(0, view.getUint16(start + 2 * i, true) << 16, true);
        out[i] = scratch.getFloat32(0, true);
      }
      return out;
    }
  }
}

/**
 * Parses and validates a whole safetensors file. Throws an `Error` naming the tensor, what was
 * expected and what was found for every malformation; never reads outside `bytes`. Tensors are
 * returned in header order; the data is copied, so `bytes` may be reused afterwards.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) stFail(`expected the file's bytes as a Uint8Array, found ${stDescribe(bytes)}`);
  const { json, headerLength } = stParseHeader(bytes);
  let metadata: Record<string, string> | undefined;
  const entries: StEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === ST_METADATA_KEY) metadata = stParseMetadata(value);
    else entries.push(stParseEntry(name, value));
  }
  const dataStart = 8 + headerLength;
  stCheckLayout(entries, bytes.length - dataStart, headerLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) stSet(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: stDecode(view, dataStart, e) });
  return { tensors, metadata };
}

// ---------------------------------------------------------------------------------------------
// Params

/**
 * Reads a cell's params from a safetensors file: every name in `expected` must be present with
 * exactly that shape, and no other tensor may be. Values are converted to `dtype` (float64 →
 * float32 rounds to nearest). All problems are reported together, e.g.
 * `missing tensor "b" (expected shape [16]); tensor "W": expected shape [16, 3], found [3, 16]`.
 * The result has the keys of `expected`, in its order. `tied` names the params a model's `tie`
 * replaces (`readout.W` → `embed.W`): such a tensor in the file is refused saying whose it is.
 */
export function paramsFromSafetensors(
  bytes: Uint8Array,
  expected: Readonly<Record<string, readonly number[]>>,
  dtype: "float32" | "float64",
  options: { readonly allowNonFinite?: boolean; readonly allowNonFiniteHint?: string; readonly tied?: Readonly<Record<string, string>> } = {},
): Record<string, Float32Array | Float64Array> {
  const { tensors } = readSafetensors(bytes);
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(expected)) {
    const found = stHas(tensors, name) ? tensors[name] : undefined;
    if (found === undefined) problems.push(`missing tensor "${name}" (expected shape ${stShapeText(shape)})`);
    else if (found.shape.length !== shape.length || found.shape.some((d, i) => d !== shape[i])) {
      problems.push(`tensor "${name}": expected shape ${stShapeText(shape)}, found ${stShapeText(found.shape)}`);
    }
  }
  const tied = options.tied ?? {};
  for (const n of Object.keys(tensors).filter((n) => !stHas(expected, n) && stHas(tied, n)).sort(stCompareCodePoints)) {
    problems.push(`tensor "${n}" is tied to "${tied[n]}" (\`tie ${n} = ${tied[n]}\`): the one array is stored as "${tied[n]}", and "${n}" must not be in the file`);
  }
  const unknown = Object.keys(tensors).filter((n) => !stHas(expected, n) && !stHas(tied, n)).sort(stCompareCodePoints);
  if (unknown.length > 0) {
    const list = unknown.map((n) => `"${n}"`).join(", ");
    const wanted = Object.keys(expected).map((n) => `"${n}"`).join(", ");
    problems.push(
      `unexpected ${unknown.length === 1 ? "tensor" : "tensors"} ${list} (the params are ${wanted === "" ? "none" : wanted})`,
    );
  }
  if (problems.length > 0) stFail(problems.join("; "));
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const name of Object.keys(expected)) {
    const data = tensors[name]!.data;
    const values = dtype === "float32" ? (data instanceof Float32Array ? data : Float32Array.from(data)) : data instanceof Float64Array ? data : Float64Array.from(data);
    if (options.allowNonFinite !== true) stCheckFinite(name, data, values, dtype, options.allowNonFiniteHint ?? "allowNonFinite: true loads them anyway");
    stSet(out, name, values);
  }
  return out;
}

/**
 * Refuses a tensor holding NaN or an infinity (or a float64 value too large for float32): such
 * weights make every result garbage. Names the first bad index and counts the rest.
 */
function stCheckFinite(name: string, stored: ArrayLike<number>, values: ArrayLike<number>, dtype: string, hint: string): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i]!)) continue;
    if (first < 0) first = i;
    count++;
  }
  if (first < 0) return;
  const v = stored[first]!;
  const rounded = Number.isFinite(v) ? `, which is ${values[first]} as ${dtype}` : "";
  const more = count > 1 ? ` (${count} non-finite values in all)` : "";
  stFail(`tensor "${name}" holds ${v} at index ${first}${rounded}${more}; weights must be finite numbers (${hint})`);
}

/**
 * Writes params to safetensors bytes: F32 for a Float32Array, F64 for a Float64Array. `shapes`
 * must name exactly the params in `params`, and each shape must match its array's length.
 */
export function paramsToSafetensors(
  params: Readonly<Record<string, Float32Array | Float64Array>>,
  shapes: Readonly<Record<string, readonly number[]>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const noShape = Object.keys(params).filter((n) => !stHas(shapes, n));
  const noParam = Object.keys(shapes).filter((n) => !stHas(params, n));
  if (noShape.length > 0) stFail(`no shape given for ${noShape.map((n) => `"${n}"`).join(", ")}`);
  if (noParam.length > 0) stFail(`no values given for ${noParam.map((n) => `"${n}"`).join(", ")}`);
  const tensors: Record<string, SafetensorsTensorInput> = {};
  for (const [name, data] of Object.entries(params)) {
    const dtype = data instanceof Float64Array ? "F64" : data instanceof Float32Array ? "F32" : stFail(`param "${name}": values must be a Float32Array or Float64Array`);
    stSet(tensors, name, { dtype, shape: shapes[name]!, data });
  }
  return writeSafetensors(tensors, metadata);
}
