// A pool of worker threads running WebAssembly kernels on one shared memory. No imports: the
// generated module embeds this file's text, and it runs in Node (worker_threads) and in
// browsers (Worker from a Blob URL; shared memory needs cross-origin isolation).
//
// Every worker instantiates the same module on the same `WebAssembly.Memory`. A job is one
// exported function — or a sequence of them (`runSeq`) — whose last two parameters are a range
// [lo, hi) of output units (GEMM panels, batch rows, …). [0, total) is cut into one
// contiguous range per thread, the calling thread's first. Each thread takes a few units at a
// time from its own range's counter (Atomics.add), then from the other ranges' until none are
// left, and an Atomics barrier waits for the rest. A thread thus computes the same units job
// after job (the recurrent weight's panels stay in its core's cache), while a core slowed by
// another process, or a worker still waking up, leaves its units to the others instead of
// holding everyone up. Splitting outputs — never a reduction — keeps results bit-identical for
// any thread count and any division.

/** Work (in flops, or any unit the caller uses for `work`) below which a job stays on the calling thread. */
export const DEFAULT_MIN_WORK = 1_500_000;

/** Float64 slots for a job: its call count, then per call the function id, argument count and arguments. */
const MAX_ARGS = 1024;
const MAX_THREADS = 64;
// Control block layout (Int32 indices): generation, done count, rows per chunk, (unused), stop
// flag, units in the job, units per take. Then the arguments, then each range's next unit.
const GEN = 0, DONE = 1, CHUNK = 2, STOP = 4, TOTAL = 5, GRAIN = 6;
/**
 * Takes per thread a job is cut into by default: more balance the load better, and each costs
 * a contended atomic (and, for a matrix product, another pass over its shared operand).
 */
const TAKES_PER_THREAD = 4;
const ARGS_BYTE = 64;
/** Each range's counter on its own 64-byte cache line (Int32 index t·NEXT_STRIDE of the counters). */
const NEXT_BYTE = ARGS_BYTE + 8 * MAX_ARGS;
const NEXT_STRIDE = 16;
const CONTROL_BYTES = NEXT_BYTE + 4 * NEXT_STRIDE * MAX_THREADS;
/** Spins before sleeping in Atomics.wait: a short job's barrier then costs far less than a wake-up. */
const SPINS = 20000;

/** The worker's program, as text so it can be started without a file: eval in Node, Blob URL in browsers. */
export const WORKER_SOURCE = `"use strict";
const nodePort = typeof require === "function" ? require("node:worker_threads").parentPort : null;
function onFirst(handler) {
  if (nodePort) nodePort.once("message", handler);
  else self.onmessage = (e) => { self.onmessage = null; handler(e.data); };
}
function post(msg) { if (nodePort) nodePort.postMessage(msg); else self.postMessage(msg); }
onFirst((d) => {
  let fns;
  try {
    const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    fns = d.names.map((n) => inst.exports[n]);
    if (d.extra) {
      const more = new WebAssembly.Instance(d.extra.module, { env: { memory: d.memory } });
      fns = fns.concat(d.extra.exports.map((n) => more.exports[n]));
    }
  } catch (e) { post({ error: String(e) }); return; }
  const ctl = new Int32Array(d.control, 0, 16);
  const args = new Float64Array(d.control, ${ARGS_BYTE}, ${MAX_ARGS});
  const next = new Int32Array(d.control, ${NEXT_BYTE}, ${NEXT_STRIDE * MAX_THREADS});
  const me = d.index, threads = d.threads;
  // Read the generation before saying ready: the first job may start the moment we do.
  let gen = Atomics.load(ctl, ${GEN});
  post({ ready: true });
  for (;;) {
    let spins = 0;
    while (Atomics.load(ctl, ${GEN}) === gen) {
      if (++spins > ${SPINS}) Atomics.wait(ctl, ${GEN}, gen);
    }
    gen = Atomics.load(ctl, ${GEN});
    if (Atomics.load(ctl, ${STOP}) !== 0) break;
    const total = ctl[${TOTAL}], grain = ctl[${GRAIN}], chunk = ctl[${CHUNK}];
    // Units taken from this thread's range, then from the others'; over each take, the calls in
    // order, a chunk at a time (a call reads only units the same thread just wrote).
    for (let k = 0; k < threads; k++) {
      const v = (me + k) % threads, end = Math.floor((total * (v + 1)) / threads);
      for (let lo = Atomics.add(next, v * ${NEXT_STRIDE}, grain); lo < end; lo = Atomics.add(next, v * ${NEXT_STRIDE}, grain)) {
        const hi = Math.min(lo + grain, end);
        for (let c = lo; c < hi; c += chunk) {
          const c1 = Math.min(c + chunk, hi);
          for (let at = 1, j = 0, calls = args[0]; j < calls; j++) {
            const fn = fns[args[at]], n = args[at + 1], a = new Array(n + 2);
            at += 2;
            for (let i = 0; i < n; i++) a[i] = args[at++];
            a[n] = c; a[n + 1] = c1;
            fn(...a);
          }
        }
      }
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
  if (nodePort) nodePort.close();
});
`;

export interface ThreadPoolOptions {
  /** The compiled module every thread instantiates (imports only `env.memory`). */
  readonly module: WebAssembly.Module;
  /** A shared memory (`shared: true`). */
  readonly memory: WebAssembly.Memory;
  /** The calling thread's instance of `module` on `memory`. */
  readonly instance: WebAssembly.Instance;
  /** Total threads including the caller (1 runs everything here, no workers). */
  readonly threads: number;
  /** The exports jobs may name; each takes its own arguments and then (lo, hi). */
  readonly exports: readonly string[];
  /** Jobs whose `work` is below this run on the calling thread alone. */
  readonly minWork?: number;
  /**
   * A second module every thread instantiates on the same memory (the relaxed GEMM, kept apart
   * so the main module validates everywhere), with the calling thread's instance; its exports
   * join the pool's after `exports`.
   */
  readonly extra?: { readonly module: WebAssembly.Module; readonly instance: WebAssembly.Instance; readonly exports: readonly string[] };
}

interface WorkerLike {
  postMessage(msg: unknown): void;
  terminate(): unknown;
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly next: Int32Array;
  private readonly ids = new Map<string, number>();
  private readonly local: ((...a: number[]) => unknown)[];
  private readonly minWork: number;
  private canWait = true;
  private disposed = false;
  /**
   * Called on the calling thread once a split job has started, before it takes its own units:
   * work that does not touch the memory (the heap faults in fresh result arrays) then overlaps
   * the other threads', which take the units this thread has not.
   */
  beforeJoin: (() => void) | undefined;

  private constructor(readonly threads: number, private readonly workers: WorkerLike[], control: SharedArrayBuffer, options: ThreadPoolOptions) {
    this.ctl = new Int32Array(control, 0, 16);
    this.args = new Float64Array(control, ARGS_BYTE, MAX_ARGS);
    this.next = new Int32Array(control, NEXT_BYTE, NEXT_STRIDE * MAX_THREADS);
    const names = [...options.exports, ...(options.extra?.exports ?? [])];
    names.forEach((n, i) => this.ids.set(n, i));
    this.local = names.map((n, i) => {
      const fn = (i < options.exports.length ? options.instance : options.extra!.instance).exports[n];
      if (typeof fn !== "function") throw new Error(`ThreadPool: the module has no exported function "${n}"`);
      return fn as (...a: number[]) => unknown;
    });
    this.minWork = options.minWork ?? DEFAULT_MIN_WORK;
  }

  /** Starts `threads − 1` workers and resolves once each has instantiated the module. */
  static async create(options: ThreadPoolOptions): Promise<ThreadPool> {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new Error(`ThreadPool: threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
    }
    if (threads > 1 && !(options.memory.buffer instanceof SharedArrayBuffer)) {
      throw new Error("ThreadPool: threads > 1 needs a shared WebAssembly.Memory ({ shared: true })");
    }
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        const { worker, firstMessage } = await startWorker();
        workers.push(worker);
        const extra = options.extra === undefined ? undefined : { module: options.extra.module, exports: options.extra.exports };
        worker.postMessage({ module: options.module, memory: options.memory, control, names: options.exports, extra, index, threads });
        ready.push(firstMessage.then((m) => {
          const err = (m as { error?: string }).error;
          if (err !== undefined) throw new Error(`ThreadPool: a worker could not instantiate the module: ${err}`);
        }));
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new ThreadPool(threads, workers, control, options);
  }

  /**
   * Whether a job of `work` over `total` units is split between threads; when it is not, callers
   * call the kernel directly (no argument arrays, no lookups: it matters at every step of a batch of 1).
   */
  splits(work: number, total: number): boolean {
    return this.threads > 1 && work >= this.minWork && total >= 2;
  }

  /**
   * Calls export `name`(...args, lo, hi) over [0, total), the units shared between the threads,
   * and returns when all are done. With `work` below the pool's threshold (or one thread) the
   * calling thread runs (0, total) itself.
   */
  run(name: string, args: readonly number[], total: number, work = Infinity, takesPerThread = TAKES_PER_THREAD): void {
    this.runSeq([name, args], total, work, total, takesPerThread);
  }

  /**
   * Runs calls (name, args, name, args, …) one after the other over [0, total), split as `run`
   * splits one: each thread makes every call on its own range, with one barrier at the end. Only
   * for calls that read no unit another thread writes (loops over rows reading their own rows).
   * With `chunk`, a thread makes all the calls on `chunk` units, then on the next `chunk`, …:
   * what one call writes is still in cache when the next reads it.
   */
  runSeq(calls: readonly (string | readonly number[])[], total: number, work = Infinity, chunk = total, takesPerThread = TAKES_PER_THREAD): void {
    if (this.disposed) throw new Error("ThreadPool: used after dispose()");
    const ids: number[] = [];
    for (let j = 0; j < calls.length; j += 2) {
      const id = this.ids.get(calls[j] as string);
      if (id === undefined) throw new Error(`ThreadPool: "${String(calls[j])}" is not one of the pool's exports`);
      ids.push(id);
    }
    const n = this.threads;
    chunk = Math.max(1, Math.floor(chunk));
    if (n === 1 || work < this.minWork || total < 2) {
      this.chunks(ids, calls, 0, total, chunk);
      return;
    }
    const { ctl, args } = this;
    let at = 1;
    for (let j = 0; j < ids.length; j++) {
      const a = calls[2 * j + 1] as readonly number[];
      if (at + 2 + a.length > MAX_ARGS) throw new Error(`ThreadPool: at most ${MAX_ARGS} argument slots per job`);
      args[at] = ids[j]!;
      args[at + 1] = a.length;
      args.set(a, at + 2);
      at += 2 + a.length;
    }
    args[0] = ids.length;
    const grain = Math.max(1, Math.ceil(total / (takesPerThread * n)));
    ctl[CHUNK] = chunk;
    ctl[TOTAL] = total;
    ctl[GRAIN] = grain;
    for (let t = 0; t < n; t++) Atomics.store(this.next, t * NEXT_STRIDE, Math.floor((total * t) / n));
    Atomics.store(ctl, DONE, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    this.beforeJoin?.();
    // This thread's range (the first), then the others' (see the file's comment).
    for (let v = 0; v < n; v++) {
      const end = Math.floor((total * (v + 1)) / n);
      for (let lo = Atomics.add(this.next, v * NEXT_STRIDE, grain); lo < end; lo = Atomics.add(this.next, v * NEXT_STRIDE, grain)) {
        this.chunks(ids, calls, lo, Math.min(lo + grain, end), chunk);
      }
    }
    this.barrier(n - 1);
  }

  /** The calls over [lo, hi) on this thread, `chunk` units at a time. */
  private chunks(ids: readonly number[], calls: readonly (string | readonly number[])[], lo: number, hi: number, chunk: number): void {
    for (let c = lo; c < hi; c += chunk) {
      const c1 = Math.min(c + chunk, hi);
      for (let j = 0; j < ids.length; j++) this.local[ids[j]!]!(...(calls[2 * j + 1] as readonly number[]), c, c1);
    }
  }

  private barrier(expected: number): void {
    const ctl = this.ctl;
    let spins = 0;
    for (let d = Atomics.load(ctl, DONE); d < expected; d = Atomics.load(ctl, DONE)) {
      if (++spins > SPINS && this.canWait) {
        try {
          Atomics.wait(ctl, DONE, d, 50);
        } catch {
          this.canWait = false; // a browser's main thread may not block: spin instead
        }
      }
    }
  }

  /** Stops and terminates the workers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) void w.terminate();
  }
}

/** A worker running WORKER_SOURCE, unref'd in Node so it never keeps the process alive. */
async function startWorker(): Promise<{ worker: WorkerLike; firstMessage: Promise<unknown> }> {
  const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: new (url: string) => WorkerLike & { onmessage: unknown; onerror: unknown } };
  if (g.process?.versions?.node !== undefined) {
    const spec = "node:worker_threads";
    const wt = (await import(spec)) as { Worker: new (src: string, o: { eval: true }) => WorkerLike & { unref(): void; once(ev: string, f: (m: unknown) => void): void } };
    const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const firstMessage = new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    return { worker, firstMessage };
  }
  if (g.Worker === undefined) throw new Error("ThreadPool: this engine has no Worker");
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new g.Worker(url);
  const firstMessage = new Promise<unknown>((resolve, reject) => {
    worker.onmessage = (e: { data: unknown }) => resolve(e.data);
    worker.onerror = (e: unknown) => reject(new Error(`ThreadPool: worker failed: ${String((e as { message?: string }).message ?? e)}`));
  }).finally(() => URL.revokeObjectURL(url));
  return { worker, firstMessage };
}
