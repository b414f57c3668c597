// Test helper: instantiates the kernel module on a fresh memory and places arrays in it.
import { kernelModule } from "../../../src/backends/wasm/kernels.js";

export interface Harness {
  readonly memory: WebAssembly.Memory;
  readonly f32: () => Float32Array;
  readonly exports: Record<string, (...args: number[]) => number | void>;
  /** Reserves n floats (16-byte aligned, plus `misalign` floats), fills them; returns the float index. */
  readonly put: (values: ArrayLike<number>, misalign?: number) => number;
  readonly alloc: (n: number) => number;
  readonly reset: () => void;
}

let cachedModule: WebAssembly.Module | undefined;

export function harness(pages = 256, shared = false): Harness {
  const bytes = kernelModule(shared ? { min: pages, max: pages, shared: true } : { min: pages });
  const mod = shared ? new WebAssembly.Module(bytes) : (cachedModule ??= new WebAssembly.Module(bytes));
  const memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages });
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  let top = 16; // keep address 0 unused
  const f32 = () => new Float32Array(memory.buffer);
  const alloc = (n: number, misalign = 0) => {
    top = ((top + 3) & ~3) + misalign;
    const at = top;
    top += n + 4;
    if (top * 4 > memory.buffer.byteLength) throw new Error("harness: memory full");
    return at;
  };
  return {
    memory,
    f32,
    exports: inst.exports as Harness["exports"],
    put: (values, misalign = 0) => {
      const at = alloc(values.length, misalign);
      f32().set(values, at);
      return at;
    },
    alloc: (n) => alloc(n),
    reset: () => void (top = 16),
  };
}

/** Seeded values in [-1, 1). */
export function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}
