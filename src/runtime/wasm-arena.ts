// One WebAssembly memory with the kernels instantiated on it and, with threads, the workers
// that share it. A cell instance has an arena of its own; a model's layers share one (see
// WasmHeap): one memory, one instance of the kernels, one pool of workers, one allocator, so a
// model with L layers on N threads starts N − 1 workers, not L·(N − 1). Every buffer a float32
// kernel touches is a Float32Array view of this memory: the wasm loops and the TypeScript
// around them share data without copying.

import { kernelModule, wasmApi, type KernelSource, type WasmInstance, type WasmMemory } from "./wasm-engine.js";
import { ThreadPool, type ThreadPoolOptions } from "./wasm-threads.js";

/** The relaxed GEMM's export: a second, small module on the same memory (one relaxed opcode would make the main one invalid where relaxed SIMD is missing). */
const RELAXED_NT = "f32_gemm_nt_4x8_relaxed_madd";
const RELAXED_NT_ROWS = "f32_gemm_nt_4x8_relaxed_madd_rows";
/** Rows of C per unit of the `_rows` GEMM exports (GEMM_ROW_BLOCK in backends/wasm/gemm.ts). */
export const GEMM_ROW_BLOCK = 64;
/** A split matrix product's takes per thread: each take reads the operand the threads share once more. */
const GEMM_TAKES = 2;

/** Result arrays smaller than this (in floats) are not faulted in ahead (see WasmArena.fresh). */
const FAULT_AHEAD_MIN = 16384;
/** Pages of result arrays faulted in per split job while the other threads work. */
const FAULT_PAGES_PER_JOB = 8;
/** Floats per 4 KiB page. */
const PAGE_FLOATS = 1024;

/** The largest memory (2 GiB in 64 KiB pages): a shared memory must declare a maximum. */
const MAX_PAGES = 32768;

/**
 * A memory, its kernels and threads. Allocation is best-fit over a free list (blocks are
 * 16-byte aligned, not cleared); the users of the arena (WasmHeap) keep their blocks' offsets,
 * never views, across calls: growing a memory that is not shared replaces its buffer.
 */
export class WasmArena {
  readonly memory: WasmMemory;
  readonly fns: Record<string, (...args: number[]) => void>;
  /** The threads asked for, and the SIMD kernels' source: what a layer joining the arena must match. */
  readonly threads: number;
  readonly relaxed: boolean;
  private top = 64;
  private free: [number, number][] = [];
  /** The worker threads, once started (until then, and with threads = 1, everything runs here). */
  private pool: ThreadPool | undefined;
  private disposed = false;
  private readonly nt: (...args: number[]) => void;
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
    this.threads = threads;
    this.relaxed = relaxed !== undefined;
    this.memory = new (wasmApi()!.Memory)({ initial: 1, maximum: MAX_PAGES, shared });
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
   * C[m×n] (+)= A[m×k]·B, B packed at bp (byte addresses; leading dimensions in elements). On
   * threads, split over blocks of C's rows when A is the larger operand (m > n), else over
   * B's panels: each thread then streams only its part of the larger operand.
   */
  /** Zeroes n floats from byte address `at` (a wasm loop: `fill` on a shared memory's view is several times slower). */
  zero(at: number, n: number): void {
    this.fns["f32_zero"]!(at, n);
  }

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

  /** Best fit: the smallest free block that holds `bytes`, leaving the larger ones whole. */
  private block(bytes: number): number {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]![1];
      if (size >= bytes && (best < 0 || size < this.free[best]![1])) best = i;
    }
    if (best >= 0) {
      const [start, size] = this.free[best]!;
      if (size === bytes) this.free.splice(best, 1);
      else this.free[best] = [start + bytes, size - bytes];
      return start;
    }
    const start = this.top;
    this.top += Math.max(bytes, 16);
    return start;
  }

  release(offsets: readonly number[], sizes: readonly number[]): void {
    if (this.disposed) return;
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

  /** The bytes in use: from the first block to the bump pointer, less the free blocks. */
  get bytesInUse(): number {
    return this.free.reduce((n, [, size]) => n - size, this.top - 64);
  }

  /** Views of blocks; make them after the call's last alloc (growing replaces the buffer). */
  views(offsets: readonly number[], sizes: readonly number[]): Float32Array[] {
    const buffer = this.memory.buffer;
    return offsets.map((o, i) => new Float32Array(buffer, o, sizes[i]!));
  }

  /** Stops the threads and forgets every block; the memory is dropped with the arena. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
    this.pool = undefined;
    this.free = [];
    this.top = 64;
  }
}
