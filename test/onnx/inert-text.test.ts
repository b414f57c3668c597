/**
 * A hostile file name (newlines, U+2028/U+2029, quotes, backticks, `*​/`, `${`) reaches the ONNX
 * model's doc strings and metadata only as inert text: every line break and control character is
 * escaped, for cells and for models, in every form.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { onnxFromSource } from "../../src/compiler.js";
import { decodeModel } from "../../src/backends/onnx/proto.js";
import { ROOT } from "../helpers/generated.js";

const HOSTILE = "evil\n\r`${x}` '\"\u2028\u2029*/\u0007.rnn";
const INERT = "evil\\u000a\\u000d`${x}` '\"\\u2028\\u2029*\\/\\u0007.rnn";

/** Every string in a decoded protobuf message (doc strings, metadata, names), recursively. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe("a hostile file name in an ONNX model", () => {
  it.each([
    ["cell, unroll", "examples/lstm.rnn", { I: 3, H: 4 }, "unroll"],
    ["cell, scan", "examples/lstm.rnn", { I: 3, H: 4 }, "scan"],
    ["cell, native", "examples/gru.rnn", { I: 3, H: 4 }, "native"],
    ["model, scan", "examples/bigru.rnn", { I: 3, H: 4 }, "scan"],
  ] as const)("%s: escaped in doc strings and metadata", (_what, file, dims, recurrence) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const result = onnxFromSource(HOSTILE, text, { dims, recurrence, steps: 2, weights: { seed: 1 } });
    expect(result.bytes, JSON.stringify(result.diagnostics.map((d) => d.message))).toBeDefined();
    const model = decodeModel(result.bytes!) as unknown as { metadataProps: { key: string; value: string }[]; graph: { docString: string } };
    expect(model.metadataProps.find((m) => m.key === "source")!.value).toBe(INERT);
    expect(model.graph.docString).toContain(` from ${INERT} (`);
    const all = strings(model);
    expect(all.filter((s) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s))).toEqual([]);
    expect(all.some((s) => s.includes(INERT))).toBe(true);
  });
});
