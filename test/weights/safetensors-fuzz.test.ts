import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../../src/runtime/safetensors.js";
import { u64le, utf8 } from "./bytes.js";

/**
 * The reader either returns a consistent result or throws a plain Error with a message: never a
 * RangeError from a typed array, a TypeError, or a result whose arrays disagree with their shapes.
 * Runs use fixed seeds so every run checks the same inputs.
 */
function readsSafely(bytes: Uint8Array): boolean {
  let result;
  try {
    result = readSafetensors(bytes);
  } catch (e) {
    return e instanceof Error && e.constructor === Error && e.message.length > 0;
  }
  return Object.values(result.tensors).every(
    (t) => t.data.length === t.shape.reduce((a, b) => a * b, 1) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0),
  );
}

const valid = writeSafetensors(
  {
    W: { dtype: "F32", shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    b: { dtype: "F64", shape: [2], data: new Float64Array([0.5, -0.5]) },
    e: { dtype: "F32", shape: [0], data: new Float32Array(0) },
  },
  { format: "rnnc" },
);

/** A prefix claiming exactly the header's length, so the JSON checks are what gets exercised. */
function withHeader(header: string, data: Uint8Array): Uint8Array {
  const h = utf8(header);
  return Uint8Array.from([...u64le(h.length), ...h, ...data]);
}

const dtype = fc.constantFrom("F32", "F64", "F16", "BF16", "I64", "U8", "f32", "", "F32 ");
const dim = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom(1.5, 1e20, "2", null, 2 ** 53));
const offset = fc.oneof(fc.integer({ min: -4, max: 64 }), fc.constantFrom(0.5, 2 ** 60, "8", null));
const entry = fc.oneof(
  { weight: 6, arbitrary: fc.record({ dtype, shape: fc.array(dim, { maxLength: 3 }), data_offsets: fc.array(offset, { minLength: 0, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const header = fc.dictionary(fc.constantFrom("W", "b", "x", "__metadata__", "__proto__", "é"), entry, { maxKeys: 4 });

/**
 * Nearly valid files: packed tensors with real dtypes, then small nudges to one offset and to the
 * data length, so that the range, overlap, gap and decoding paths are reached often.
 */
const nearlyValid = fc
  .record({
    tensors: fc.array(
      fc.record({ dtype: fc.constantFrom("F32", "F64", "F16", "BF16"), shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }) }),
      { minLength: 1, maxLength: 4 },
    ),
    which: fc.nat(3),
    field: fc.constantFrom(0, 1),
    nudge: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -6, max: 6 }) }),
    extraData: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -6, max: 6 }) }),
  })
  .map(({ tensors, which, field, nudge, extraData }) => {
    const size: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
    let at = 0;
    const entries = tensors.map((t) => {
      const begin = at;
      at += t.shape.reduce((a, b) => a * b, 1) * size[t.dtype]!;
      return { dtype: t.dtype, shape: t.shape, data_offsets: [begin, at] };
    });
    const target = entries[which % entries.length]!;
    target.data_offsets[field] = Math.max(0, target.data_offsets[field]! + nudge);
    const header: Record<string, unknown> = {};
    entries.forEach((e, i) => (header[`t${i}`] = e));
    return { header: JSON.stringify(header), dataLength: Math.max(0, at + extraData) };
  });

describe("readSafetensors never fails except with a plain Error", () => {
  it("on random byte strings", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => readsSafely(bytes)), { seed: 1, numRuns: 2000 });
  });

  it("on random JSON text behind a correct length prefix", () => {
    fc.assert(
      fc.property(fc.json(), fc.uint8Array({ maxLength: 64 }), (text, data) => readsSafely(withHeader(text, data))),
      { seed: 2, numRuns: 2000 },
    );
  });

  it("on random tensor headers with random dtypes, shapes and offsets", () => {
    fc.assert(
      fc.property(header, fc.integer({ min: 0, max: 64 }), (h, dataLength) =>
        readsSafely(withHeader(JSON.stringify(h), new Uint8Array(dataLength))),
      ),
      { seed: 3, numRuns: 3000 },
    );
  });

  it("on nearly valid files: packed tensors with one offset and the data length nudged", () => {
    let accepted = 0;
    fc.assert(
      fc.property(nearlyValid, ({ header, dataLength }) => {
        const bytes = withHeader(header, Uint8Array.from({ length: dataLength }, (_, i) => (i * 37) & 255));
        try {
          readSafetensors(bytes);
          accepted++;
        } catch {
          // judged by readsSafely below
        }
        return readsSafely(bytes);
      }),
      { seed: 6, numRuns: 3000 },
    );
    // The generator must reach the decoding path, not only the refusals.
    expect(accepted).toBeGreaterThan(600);
  });

  it("on random byte changes, truncations and insertions in a valid file", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(valid.length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("cut" as const), at: fc.nat(valid.length) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(valid.length), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let bytes = Uint8Array.from(valid);
        for (const m of mutations) {
          const at = Math.min(m.at, bytes.length);
          if (m.kind === "set" && at < bytes.length) bytes[at] = m.byte;
          else if (m.kind === "cut") bytes = bytes.slice(0, at);
          else if (m.kind === "insert") bytes = Uint8Array.from([...bytes.slice(0, at), ...m.bytes, ...bytes.slice(at)]);
        }
        return readsSafely(bytes);
      }),
      { seed: 4, numRuns: 3000 },
    );
  });
});

describe("write → read round trip on random tensors", () => {
  const tensorsArb = fc.dictionary(
    fc.string({ unit: "grapheme", minLength: 0, maxLength: 6 }).filter((n) => n !== "__metadata__"),
    fc.oneof(
      fc.array(fc.float(), { maxLength: 6 }).map((v) => ({ dtype: "F32" as const, shape: [v.length], data: Float32Array.from(v) })),
      fc.array(fc.double({ noNaN: true }), { maxLength: 6 }).map((v) => ({ dtype: "F64" as const, shape: [v.length, 1], data: Float64Array.from(v) })),
    ),
    { maxKeys: 5 },
  );

  it("gives back every value bit for bit and the same bytes when written again", () => {
    fc.assert(
      fc.property(tensorsArb, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (tensors, metadata) => {
        const bytes = writeSafetensors(tensors, metadata);
        const read = readSafetensors(bytes);
        expect(Object.keys(read.tensors).sort()).toEqual(Object.keys(tensors).sort());
        for (const [name, t] of Object.entries(tensors)) {
          const r = Object.getOwnPropertyDescriptor(read.tensors, name)!.value as (typeof read.tensors)[string];
          expect(r.dtype).toBe(t.dtype);
          expect(r.shape).toEqual(t.shape);
          // NaN payloads may be canonicalized by DataView; every other value must be identical.
          expect(Array.from(r.data).every((x, i) => Object.is(x, t.data[i]) || (Number.isNaN(x) && Number.isNaN(t.data[i]!)))).toBe(true);
        }
        expect(read.metadata).toEqual({ ...metadata });
        expect(writeSafetensors(read.tensors as typeof tensors, read.metadata)).toEqual(bytes);
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});
