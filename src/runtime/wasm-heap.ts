// A cell instance's part of the wasm backend: its forward runs' tapes (regions kept in memory
// between forward and backward), its copy of the params and the weights it keeps packed, on an
// arena (wasm-arena.ts) of its own or, in a model, the arena all its layers share. The
// generated code calls the arena's kernels, threads and allocator through it.

import type { ArenaBlock, ArenaIO } from "./arena-io.js";
import { WasmArena } from "./wasm-arena.js";
import type { KernelSource } from "./wasm-engine.js";

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
 * What a model hands each layer's factory (under the SHARED_ARENA option key): the first layer
 * on the wasm backend makes the arena, the others join it; the model disposes it.
 */
export interface SharedArena {
  arena?: WasmArena;
}

/** The factory option under which a model hands its layers their SharedArena (a symbol: no user option can name it). */
export const SHARED_ARENA: unique symbol = Symbol("rnnc.sharedArena");

/**
 * One cell instance's blocks on an arena. A forward run's tape is a region kept until
 * evicted by newer runs (then copied out, and back in if backward() asks for it).
 */
export class WasmHeap {
  readonly arena: WasmArena;
  readonly fns: Record<string, (...args: number[]) => void>;
  /** Whether disposing this heap disposes the arena (not when a model's layers share it). */
  private readonly ownsArena: boolean;
  private readonly live: HeapRegion[] = [];
  private disposed = false;
  private readonly sync: (src: number, dst: number, n: number) => number;
  /** The params as last seen (see syncParams), and their generation. */
  private paramCopies: { offsets: number[]; sizes: readonly number[] } | undefined;
  private generation = 0;
  /** Packed weights kept between calls: byte address and the params' generation they were packed from. */
  private readonly packSlots = new Map<string, { at: number; floats: number; gen: number }>();

  /**
   * `relaxed`: the relaxed GEMM module, given when the instance's simd is "relaxed" (see
   * chooseSimd). `shared`: a model's arena for its layers (made here by the first).
   */
  constructor(where: string, src: KernelSource, threads: number, relaxed?: KernelSource, shared?: SharedArena) {
    const joined = shared?.arena;
    if (joined !== undefined && (joined.threads !== threads || joined.relaxed !== (relaxed !== undefined))) {
      throw new Error(`internal: ${where} joins a model's arena made with other options`);
    }
    this.arena = joined ?? new WasmArena(where, src, threads, relaxed);
    if (shared !== undefined) shared.arena = this.arena;
    this.ownsArena = shared === undefined;
    this.fns = this.arena.fns;
    this.sync = this.fns["f32_sync"] as unknown as (src: number, dst: number, n: number) => number;
  }

  /** Resolves when the arena's worker threads are running. */
  get ready(): Promise<void> {
    return this.arena.ready;
  }

  par(name: string, args: number[], total: number, work: number): void {
    this.arena.par(name, args, total, work);
  }

  splits(work: number, total: number): boolean {
    return this.arena.splits(work, total);
  }

  parSeq(calls: readonly (string | readonly number[])[], total: number, work: number, chunk?: number): void {
    this.arena.parSeq(calls, total, work, chunk);
  }

  fresh(n: number): Float32Array {
    return this.arena.fresh(n);
  }

  settle(): void {
    this.arena.settle();
  }

  zero(at: number, n: number): void {
    this.arena.zero(at, n);
  }

  gemm(m: number, k: number, a: number, lda: number, bp: number, n: number, c: number, ldc: number, accumulate: boolean): void {
    this.arena.gemm(m, k, a, lda, bp, n, c, ldc, accumulate);
  }

  packB(trans: boolean, b: number, ldb: number, k: number, n: number, dst: number): void {
    this.arena.packB(trans, b, ldb, k, n, dst);
  }

  alloc(sizes: readonly number[]): number[] {
    return this.arena.alloc(sizes);
  }

  release(offsets: readonly number[], sizes: readonly number[]): void {
    this.arena.release(offsets, sizes);
  }

  views(offsets: readonly number[], sizes: readonly number[]): Float32Array[] {
    return this.arena.views(offsets, sizes);
  }

  /**
   * Blocks for the results a model asked to keep in the arena (`io.keep`) among `results`
   * ([name, floats]). Allocate them before the call's views (allocating may grow the memory).
   */
  keptBlocks(io: ArenaIO | undefined, results: readonly (readonly [string, number])[]): Record<string, ArenaBlock> {
    const out: Record<string, ArenaBlock> = {};
    if (io?.keep === undefined) return out;
    for (const [name, floats] of results) if (io.keep.includes(name)) out[name] = [this.arena.alloc([floats])[0]!, floats];
    return out;
  }

  /** A zeroed view of a kept block (make it after the call's last alloc). */
  blockView(block: ArenaBlock): Float32Array {
    return this.arena.views([block[0]], [block[1]])[0]!.fill(0);
  }

  /** A view of a block a model gave (an input, or a seed), which must hold `floats`. */
  given(block: ArenaBlock, floats: number): Float32Array {
    if (block[1] !== floats) throw new Error(`internal: a block of ${block[1]} floats given for ${floats}`);
    return this.arena.views([block[0]], [block[1]])[0]!;
  }

  /**
   * Reserves, once, the blocks kept for the instance's lifetime: a copy of each param (`params`
   * float sizes) and a slot per packed weight (`packs`: key → float size). Call it before the
   * call's own `alloc` and views (it may grow the memory).
   */
  reserve(params: readonly number[], packs: readonly (readonly [string, number])[]): void {
    if (this.paramCopies === undefined) this.paramCopies = { offsets: this.arena.alloc(params), sizes: params };
    for (const [key, floats] of packs) {
      if (!this.packSlots.has(key)) this.packSlots.set(key, { at: this.arena.alloc([floats])[0]!, floats, gen: -1 });
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
      this.arena.packB(trans, b, ldb, k, n, scratch);
      return scratch;
    }
    const slot = this.packSlots.get(key)!;
    if (slot.gen !== gen) {
      this.arena.packB(trans, b, ldb, k, n, slot.at);
      slot.gen = gen;
    }
    return slot.at;
  }

  /** Keeps a run's blocks as a region; the oldest live region beyond LIVE_TAPES is copied out. */
  /**
   * Blocks for a forward run's tape: when the instance already keeps LIVE_TAPES, the oldest is
   * evicted first and its space is reused (evicted after, it would leave a hole every call).
   */
  allocTape(sizes: readonly number[]): number[] {
    while (this.live.length >= LIVE_TAPES) this.evictOldest();
    return this.arena.alloc(sizes);
  }

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
    const offsets = this.arena.alloc(region.sizes);
    this.arena.views(offsets, region.sizes).forEach((v, i) => v.set(region.spilled![i]!));
    region.offsets = offsets;
    region.spilled = undefined;
    this.live.push(region);
    if (this.live.length > LIVE_TAPES) this.evictOldest();
  }

  private evictOldest(): void {
    const old = this.live.shift()!;
    if (!old.used && (old.owner === undefined || old.owner.deref() !== undefined)) old.spilled = this.arena.views(old.offsets, old.sizes).map((v) => v.slice());
    else old.freed = true;
    this.arena.release(old.offsets, old.sizes);
  }

  /** Frees a live region whose run is gone. */
  private drop(region: HeapRegion): void {
    const i = this.live.indexOf(region);
    if (i < 0 || this.disposed) return;
    this.live.splice(i, 1);
    region.freed = true;
    this.arena.release(region.offsets, region.sizes);
  }

  /**
   * Frees every region and the kept blocks: with an arena of its own, stops its threads (the
   * memory is dropped with it); on a model's arena, returns the blocks to it.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ownsArena) this.arena.dispose();
    else {
      for (const r of this.live) this.arena.release(r.offsets, r.sizes);
      if (this.paramCopies !== undefined) this.arena.release(this.paramCopies.offsets, this.paramCopies.sizes);
      this.packSlots.forEach((slot) => this.arena.release([slot.at], [slot.floats]));
    }
    this.live.length = 0;
    this.paramCopies = undefined;
    this.packSlots.clear();
    this.generation++;
  }
}
