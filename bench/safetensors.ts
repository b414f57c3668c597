/**
 * A minimal safetensors writer (float32 only), to hand the benchmark's weights to `rnnc onnx --weights`.
 * Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, the data.
 */
import type { Params } from "./workloads.js";

/** Serialises named float32 tensors; names are written in sorted order so the bytes are deterministic. */
export function encodeSafetensors(params: Params, shapes: Record<string, readonly number[]>): Uint8Array {
  const names = Object.keys(params).sort();
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const name of names) {
    const bytes = params[name]!.byteLength;
    header[name] = { dtype: "F32", shape: [...(shapes[name] ?? [params[name]!.length])], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " "; // align the data to 8 bytes, as the reference writer does
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const a = params[name]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}
