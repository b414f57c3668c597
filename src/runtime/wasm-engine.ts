// The engine side of the wasm backend: feature detection, the backend, SIMD and threads options,
// and compiling the embedded kernels once per engine. No imports beyond the runtime's own:
// embedded in every generated module.

import { wasmRelaxedSimdSupported } from "./wasm-features.js";

/** The part of the WebAssembly API the module uses (typed here: lib.dom may be absent). */
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<object>;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

function fromBase64(s: string): Uint8Array {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array((clean.length * 3) >> 2);
  let bits = 0, value = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | A.indexOf(clean[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** A module using one f32x4 instruction: engines without SIMD128 reject it. */
const SIMD_PROBE = "AGFzbQEAAAABBAFgAAADAgEAChcBFQD9DAAAAAAAAAAAAAAAAAAAAAAaCw==";

let simdChecked: boolean | undefined;
/** Whether this engine runs WebAssembly SIMD128 (the float32 kernels' default backend). */
function wasmSimdSupported(): boolean {
  if (simdChecked === undefined) {
    const api = wasmApi();
    try {
      simdChecked = api !== undefined && api.validate(fromBase64(SIMD_PROBE));
    } catch {
      simdChecked = false;
    }
  }
  return simdChecked;
}

/** The backend an instance runs on: float32 defaults to wasm where SIMD128 validates. */
export function chooseBackend(where: string, dtype: "float32" | "float64", requested: unknown): "wasm" | "js" {
  if (requested !== undefined && requested !== "wasm" && requested !== "js") {
    throw new Error(`${where}: options.backend must be "wasm" or "js", received ${JSON.stringify(requested)}`);
  }
  if (requested === "js") return "js";
  if (dtype === "float64") {
    if (requested === "wasm") throw new Error(`${where}: options.backend "wasm" runs float32 only; use dtype "float32" or backend "js" for float64`);
    return "js";
  }
  if (wasmSimdSupported()) return "wasm";
  if (requested === "wasm") throw new Error(`${where}: options.backend "wasm" needs WebAssembly SIMD128, which this engine does not support`);
  return "js";
}

/**
 * The SIMD an instance's matrix products use: "strict" SIMD128 (the default: the same bits on
 * every engine), "relaxed" (`f32x4.relaxed_madd`, which an engine may fuse or not: faster, and
 * not bit-reproducible across engines), or "none" (the js backend).
 */
export type SimdMode = "strict" | "relaxed" | "none";

/**
 * The SIMD of an instance, from `options.simd`: relaxed only when asked for and the engine
 * validates relaxed SIMD (Node ≥ 22, Chrome ≥ 114, Firefox ≥ 145; Node 20 behind
 * --experimental-wasm-relaxed-simd; not Safari) — otherwise strict, which the instance's `simd`
 * property reports. Asking for a SIMD on the js backend (float64, or backend "js") is refused.
 */
export function chooseSimd(where: string, dtype: "float32" | "float64", backend: "wasm" | "js", requestedBackend: unknown, requested: unknown): SimdMode {
  if (requested === undefined) return backend === "wasm" ? "strict" : "none";
  if (requested !== "strict" && requested !== "relaxed") {
    throw new Error(`${where}: options.simd must be "strict" or "relaxed", received ${JSON.stringify(requested)}`);
  }
  if (requestedBackend === "js") throw new Error(`${where}: options.simd ${JSON.stringify(requested)} chooses the wasm backend's kernels, but options.backend is "js"`);
  if (dtype === "float64") throw new Error(`${where}: options.simd ${JSON.stringify(requested)} chooses the wasm backend's kernels, which run float32 only; dtype is "float64"`);
  if (backend === "js") return "none";
  return requested === "relaxed" && wasmRelaxedSimdSupported() ? "relaxed" : "strict";
}

const compiledKernels = new Map<string, object>();

/** The embedded kernels: base64, and the offset of the memory import's limits flag. */
export interface KernelSource {
  readonly base64: string;
  readonly sharedFlag: number;
}

/** The kernels' bytes; `shared` flips the memory import's limits flag to import a shared memory (threads). */
function kernelBytes(src: KernelSource, shared: boolean): Uint8Array {
  const bytes = fromBase64(src.base64);
  if (shared) bytes[src.sharedFlag] = 0x03;
  return bytes;
}

/** Compiles the embedded kernels ahead of time (needed on a browser's main thread, where synchronous compilation of large modules is refused). */
export async function compileKernels(src: KernelSource, shared: boolean): Promise<void> {
  const api = wasmApi();
  const key = `${shared}:${src.base64}`;
  if (api === undefined || compiledKernels.has(key)) return;
  compiledKernels.set(key, await api.compile(kernelBytes(src, shared)));
}

export function kernelModule(where: string, src: KernelSource, shared: boolean): object {
  const key = `${shared}:${src.base64}`;
  let m = compiledKernels.get(key);
  if (m === undefined) {
    try {
      m = new (wasmApi()!.Module)(kernelBytes(src, shared));
    } catch (e) {
      throw new Error(`${where}: this engine refused to compile the WebAssembly kernels synchronously (${(e as Error).message}); \`await prepareWasm()\` once before instantiating`);
    }
    compiledKernels.set(key, m);
  }
  return m;
}

/**
 * The threads option: a positive integer (1 when omitted). More than one splits the wasm
 * kernels' work, so asking for it together with the js backend (backend "js", or dtype
 * "float64") is refused, as `simd` is; an engine without SIMD128 falls back to js and one thread.
 */
export function checkThreads(where: string, threads: unknown, dtype?: "float32" | "float64", requestedBackend?: unknown): number {
  if (threads === undefined) return 1;
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`${where}: options.threads must be an integer from 1 to 64, received ${JSON.stringify(threads)}`);
  }
  if (threads > 1 && requestedBackend === "js") throw new Error(`${where}: options.threads ${threads} splits the wasm backend's kernels between threads, but options.backend is "js" (one thread)`);
  if (threads > 1 && dtype === "float64") throw new Error(`${where}: options.threads ${threads} splits the wasm backend's kernels between threads, which run float32 only; dtype is "float64" (the js backend, one thread)`);
  return threads;
}
