// The WebAssembly side of a generated module: feature detection, compiling the embedded
// kernels once, and each instance's memory. No imports: embedded in every generated module.
// Every buffer a float32 kernel touches (params, input, tape, states, outputs, gradients)
// is a Float32Array view of one WebAssembly.Memory, so the wasm loops and the TypeScript
// around them share data without copying; inputs are copied in once per call, results out
// once.

import { wasmRelaxedSimdSupported } from "./wasm-features.js";
import { ThreadPool, type ThreadPoolOptions } from "./wasm-threads.js";

/** The part of the WebAssembly API the module uses (typed here: lib.dom may be absent). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<object>;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

function wasmApi(): WasmApi | undefined {
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

/** The relaxed GEMM's export: a second, small module on the same memory (one relaxed opcode would make the main one invalid where relaxed SIMD is missing). */
const RELAXED_NT = "f32_gemm_nt_4x8_relaxed_madd";
const RELAXED_NT_ROWS = "f32_gemm_nt_4x8_relaxed_madd_rows";
/** Rows of C per unit of the `_rows` GEMM exports (GEMM_ROW_BLOCK in backends/wasm/gemm.ts). */
export const GEMM_ROW_BLOCK = 64;
/** A split matrix product's takes per thread: each take reads the operand the threads share once more. */
const GEMM_TAKES = 2;

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

function kernelModule(where: string, src: KernelSource, shared: boolean): object {
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

/** The threads option: a positive integer (1 when omitted). */
export function checkThreads(where: string, threads: unknown): number {
  if (threads === undefined) return 1;
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`${where}: options.threads must be an integer from 1 to 64, received ${JSON.stringify(threads)}`);
  }
  return threads;
}

/** A stretch of memory kept between calls: the tape of a forward run. */
export interface HeapRegion {
  offsets: number[];
  readonly sizes: readonly number[];
  /** The contents, while the region is out of memory (evicted). */
  spilled: Float32Array[] | undefined;
  /** The run owning the region, held weakly: a region whose run is gone is freed, never copied out. */
  readonly owner: { deref(): object | undefined } | undefined;
  freed: boolean;
  /** backward() has read it: when evicted it is freed rather than copied out. */
  used: boolean;
}

/** Result arrays smaller than this (in floats) are not faulted in ahead (see WasmHeap.fresh). */
const FAULT_AHEAD_MIN = 16384;
/** Pages of result arrays faulted in per split job while the other threads work. */
const FAULT_PAGES_PER_JOB = 8;
/** Floats per 4 KiB page. */
const PAGE_FLOATS = 1024;

/** How many forward tapes an instance keeps in its memory; older ones are copied out (unless their run is gone). */
const LIVE_TAPES = 4;

interface WeakApi {
  WeakRef?: new (o: object) => { deref(): object | undefined };
  FinalizationRegistry?: new (cleanup: (held: () => void) => void) => { register(o: object, held: () => void): void };
}
/** Frees a region once its run is garbage (engines without FinalizationRegistry rely on eviction alone). */
const regionReaper = (() => {
  const R = (globalThis as WeakApi).FinalizationRegistry;
  return R === undefined ? undefined : new R((free) => free());
})();

/**
 * One instance's memory and kernels. Allocation is first-fit over a free list (blocks are
 * 16-byte aligned and zeroed); a forward run's tape is a region kept until evicted by
 * newer runs (then copied out, and back in if backward() asks for it).
 */
export class WasmHeap {
  readonly memory: WasmMemory;
  readonly fns: Record<string, (...args: number[]) => void>;
  private top = 64;
  private free: [number, number][] = [];
  private readonly live: HeapRegion[] = [];
  /** The worker threads, once started (until then, and with threads = 1, everything runs here). */
  private pool: ThreadPool | undefined;
  private disposed = false;
  private readonly nt: (...args: number[]) => void;
  private readonly sync: (src: number, dst: number, n: number) => number;
  /** The params as last seen (see syncParams), and their generation. */
  private paramCopies: { offsets: number[]; sizes: readonly number[] } | undefined;
  private generation = 0;
  /** Packed weights kept between calls: byte address and the params' generation they were packed from. */
  private readonly packSlots = new Map<string, { at: number; gen: number }>();
  /** The GEMM export the products call (strict, or the relaxed module's). */
  private readonly ntName: string;
  private readonly ntRowsName: string;
  /** Resolves when the worker threads are running (at once with threads = 1). */
  readonly ready: Promise<void>;
  /** Fresh result arrays with pages not yet written, and the next float to write. */
  private readonly faulting: [Float32Array, number][] = [];

  /** `relaxed`: the relaxed GEMM module, given when the instance's simd is "relaxed" (see chooseSimd). */
  constructor(where: string, src: KernelSource, threads: number, relaxed?: KernelSource) {
    const shared = threads > 1;
    this.memory = new (wasmApi()!.Memory)({ initial: 1, maximum: 32768, shared });
    const module = kernelModule(where, src, shared);
    const instance = new (wasmApi()!.Instance)(module, { env: { memory: this.memory } });
    this.fns = instance.exports as Record<string, (...args: number[]) => void>;
    let extra: { module: object; instance: WasmInstance; exports: string[] } | undefined;
    if (relaxed !== undefined) {
      const m = kernelModule(where, relaxed, shared);
      extra = { module: m, instance: new (wasmApi()!.Instance)(m, { env: { memory: this.memory } }), exports: [RELAXED_NT, RELAXED_NT_ROWS] };
      const ex = extra.instance.exports;
      this.fns = { ...this.fns, [RELAXED_NT]: ex[RELAXED_NT] as (...args: number[]) => void, [RELAXED_NT_ROWS]: ex[RELAXED_NT_ROWS] as (...args: number[]) => void };
    }
    this.ntName = extra !== undefined ? RELAXED_NT : "f32_gemm_nt_4x8_loadsplat";
    this.ntRowsName = `${this.ntName}_rows`;
    this.nt = this.fns[this.ntName]!;
    this.sync = this.fns["f32_sync"] as unknown as (src: number, dst: number, n: number) => number;
    if (!shared) {
      this.ready = Promise.resolve();
      return;
    }
    const exports = Object.keys(instance.exports).filter((k) => typeof instance.exports[k] === "function");
    this.ready = ThreadPool.create({ module, memory: this.memory, instance, threads, exports, extra } as unknown as ThreadPoolOptions).then((pool) => {
      if (this.disposed) pool.dispose();
      else {
        this.pool = pool;
        pool.beforeJoin = () => this.faultSome();
      }
    });
  }

  /**
   * Runs export `name`(...args, lo, hi) over [0, total), split between the threads when the
   * work is large enough (each unit — a GEMM panel, a row — is computed the same way by any thread).
   */
  par(name: string, args: number[], total: number, work: number): void {
    if (this.pool === undefined || !this.pool.splits(work, total)) this.fns[name]!(...args, 0, total);
    else this.pool.run(name, args, total, work);
  }

  /**
   * Whether a job of `work` over `total` units would be split between threads: when not, the
   * generated code calls the kernels itself (no argument arrays: a batch of 1 is latency-bound).
   */
  splits(work: number, total: number): boolean {
    return this.pool !== undefined && this.pool.splits(work, total);
  }

  /**
   * Runs calls (name, args, name, args, …) of exports taking (...args, lo, hi) over rows [0,
   * total), each thread making every call on its own rows, one barrier at the end (see
   * ThreadPool.runSeq); on one thread, one after the other. With `chunk`, all the calls run on
   * `chunk` rows before the next `chunk` (the rows one call writes are in cache for the next).
   */
  parSeq(calls: readonly (string | readonly number[])[], total: number, work: number, chunk = total): void {
    if (this.pool !== undefined && this.pool.splits(work, total)) {
      this.pool.runSeq(calls, total, work, chunk);
      return;
    }
    const step = Math.max(1, Math.floor(chunk));
    for (let c = 0; c < total; c += step) {
      const c1 = Math.min(c + step, total);
      for (let j = 0; j < calls.length; j += 2) this.fns[calls[j] as string]!(...(calls[j + 1] as number[]), c, c1);
    }
  }

  /**
   * A new zeroed array for a result the call copies out of the memory at its end. Its pages are
   * mapped in only when first written, and in this engine a page fault costs microseconds: a
   * large result's copy would hold up the calling thread for milliseconds while the other
   * threads wait. With threads, the calling thread instead writes a few of its pages at each
   * split job, while the other threads compute (see ThreadPool.beforeJoin).
   */
  fresh(n: number): Float32Array {
    const a = new Float32Array(n);
    if (this.pool !== undefined && n >= FAULT_AHEAD_MIN) this.faulting.push([a, 0]);
    return a;
  }

  /** Writes a zero to the next few untouched pages of the fresh arrays. */
  private faultSome(): void {
    let pages = FAULT_PAGES_PER_JOB;
    while (pages > 0 && this.faulting.length > 0) {
      const entry = this.faulting[0]!;
      const [a] = entry;
      let at = entry[1];
      for (; pages > 0 && at < a.length; pages--, at += PAGE_FLOATS) a[at] = 0;
      entry[1] = at;
      if (at >= a.length) this.faulting.shift();
    }
  }

  /** Forgets the fresh arrays of a call that has ended (their remaining pages fault when written). */
  settle(): void {
    this.faulting.length = 0;
  }

  /** Packs op(B) [k×n] (B, or Bᵀ given as [n×k] when `trans`) into 8-column panels at `dst`. */
  packB(trans: boolean, b: number, ldb: number, k: number, n: number, dst: number): void {
    this.fns[trans ? "f32_packb_t_8" : "f32_packb_n_8"]!(b, ldb, k, n, dst);
  }

  /**
   * Reserves, once, the blocks kept for the instance's lifetime: a copy of each param (`params`
   * float sizes) and a slot per packed weight (`packs`: key → float size). Call it before the
   * call's own `alloc` and views (it may grow the memory).
   */
  reserve(params: readonly number[], packs: readonly (readonly [string, number])[]): void {
    if (this.paramCopies === undefined) this.paramCopies = { offsets: this.alloc(params), sizes: params };
    for (const [key, floats] of packs) {
      if (!this.packSlots.has(key)) this.packSlots.set(key, { at: this.alloc([floats])[0]!, gen: -1 });
    }
  }

  /**
   * Compares the params just copied in at `offsets` with the kept copy (bitwise, in wasm) and
   * updates the copy where they differ. Returns the params' generation: it changes exactly when
   * their contents do, and every packed weight of an older generation is then packed again.
   */
  syncParams(offsets: readonly number[]): number {
    const kept = this.paramCopies!;
    let changed = 0;
    for (let i = 0; i < offsets.length; i++) changed |= this.sync(offsets[i]!, kept.offsets[i]!, kept.sizes[i]!);
    if (changed !== 0) this.generation++;
    return this.generation;
  }

  /**
   * The byte address of op(B) packed (as `packB`) for params of generation `gen`: the kept slot
   * `key`, packed now if it holds an older generation; when `gen` is not the current one (a
   * backward pass of a run made with other params), packed into `scratch` instead.
   */
  packed(key: string, gen: number, trans: boolean, b: number, ldb: number, k: number, n: number, scratch: number): number {
    if (gen !== this.generation) {
      if (scratch < 0) throw new Error("internal: a stale packed weight without scratch");
      this.packB(trans, b, ldb, k, n, scratch);
      return scratch;
    }
    const slot = this.packSlots.get(key)!;
    if (slot.gen !== gen) {
      this.packB(trans, b, ldb, k, n, slot.at);
      slot.gen = gen;
    }
    return slot.at;
  }

  /**
   * C[m×n] (+)= A[m×k]·B, B packed at bp (byte addresses; leading dimensions in elements). On
   * threads, split over blocks of C's rows when A is the larger operand (m > n), else over
   * B's panels: each thread then streams only its part of the larger operand.
   */
  gemm(m: number, k: number, a: number, lda: number, bp: number, n: number, c: number, ldc: number, accumulate: boolean): void {
    const panels = (n + 7) >> 3;
    const work = 2 * m * n * k;
    const acc = accumulate ? 1 : 0;
    const pool = this.pool;
    if (pool !== undefined) {
      const rowBlocks = Math.ceil(m / GEMM_ROW_BLOCK);
      const byRows = m > n && pool.splits(work, rowBlocks);
      if (byRows || pool.splits(work, panels)) {
        const args = [m, k, a, lda, bp, n, c, ldc, acc];
        pool.run(byRows ? this.ntRowsName : this.ntName, args, byRows ? rowBlocks : panels, work, GEMM_TAKES);
        return;
      }
    }
    // One thread: a direct call (no argument array), which matters for a batch of 1 at every step.
    this.nt(m, k, a, lda, bp, n, c, ldc, acc, 0, panels);
  }


  /**
   * Byte offsets of new blocks of `sizes` float32 elements. Blocks are not cleared: the
   * caller zeroes those read before written (state histories, gradient sums).
   */
  alloc(sizes: readonly number[]): number[] {
    const offsets = sizes.map((n) => this.block(((n * 4 + 15) >> 4) << 4));
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
    return offsets;
  }

  private block(bytes: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const [start, size] = this.free[i]!;
      if (size < bytes) continue;
      if (size === bytes) this.free.splice(i, 1);
      else this.free[i] = [start + bytes, size - bytes];
      return start;
    }
    const start = this.top;
    this.top += Math.max(bytes, 16);
    return start;
  }

  release(offsets: readonly number[], sizes: readonly number[]): void {
    offsets.forEach((o, i) => this.free.push([o, Math.max(((sizes[i]! * 4 + 15) >> 4) << 4, 16)]));
    this.free.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const b of this.free) {
      const last = merged[merged.length - 1];
      if (last && last[0] + last[1] === b[0]) last[1] += b[1];
      else merged.push([b[0], b[1]]);
    }
    // A free block at the top returns to the bump pointer.
    const end = merged[merged.length - 1];
    if (end && end[0] + end[1] === this.top) {
      this.top = end[0];
      merged.pop();
    }
    this.free = merged;
  }

  /** Views of blocks; make them after the call's last alloc (growing replaces the buffer). */
  views(offsets: readonly number[], sizes: readonly number[]): Float32Array[] {
    const buffer = this.memory.buffer;
    return offsets.map((o, i) => new Float32Array(buffer, o, sizes[i]!));
  }

  /** Keeps a run's blocks as a region; the oldest live region beyond LIVE_TAPES is copied out. */
  keep(offsets: number[], sizes: readonly number[], owner: object): HeapRegion {
    const W = (globalThis as WeakApi).WeakRef;
    const region: HeapRegion = { offsets, sizes, spilled: undefined, owner: W === undefined ? undefined : new W(owner), freed: false, used: false };
    regionReaper?.register(owner, () => this.drop(region));
    this.live.push(region);
    if (this.live.length > LIVE_TAPES) this.evictOldest();
    return region;
  }

  /** The region of a run forwarded with `tape: false`: nothing kept. */
  released(sizes: readonly number[]): HeapRegion {
    return { offsets: [], sizes, spilled: undefined, owner: undefined, freed: true, used: true };
  }

  /** Marks a region read by backward(): evicted later, it is freed without a copy. */
  used(region: HeapRegion): void {
    region.used = true;
  }

  /** Brings an evicted region back into memory. */
  restore(where: string, region: HeapRegion): void {
    if (region.freed) {
      throw new Error(`${where}: this run's tape was released (forward with \`tape: false\`, or backward already ran and ${LIVE_TAPES} newer forward passes reused its memory); run forward again`);
    }
    if (region.spilled === undefined) return;
    const offsets = this.alloc(region.sizes);
    this.views(offsets, region.sizes).forEach((v, i) => v.set(region.spilled![i]!));
    region.offsets = offsets;
    region.spilled = undefined;
    this.live.push(region);
    if (this.live.length > LIVE_TAPES) this.evictOldest();
  }

  private evictOldest(): void {
    const old = this.live.shift()!;
    if (!old.used && (old.owner === undefined || old.owner.deref() !== undefined)) old.spilled = this.views(old.offsets, old.sizes).map((v) => v.slice());
    else old.freed = true;
    this.release(old.offsets, old.sizes);
  }

  /** Frees a live region whose run is gone. */
  private drop(region: HeapRegion): void {
    const i = this.live.indexOf(region);
    if (i < 0 || this.disposed) return;
    this.live.splice(i, 1);
    region.freed = true;
    this.release(region.offsets, region.sizes);
  }

  /** Frees every region and stops the threads; the instance's memory is dropped with it. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
    this.pool = undefined;
    this.live.length = 0;
    this.free = [];
    this.top = 64;
    this.paramCopies = undefined;
    this.packSlots.clear();
    this.generation++;
  }
}
