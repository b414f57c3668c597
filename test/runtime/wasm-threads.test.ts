import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { GEMM_KERNELS as K } from "../../src/backends/wasm/gemm.js";
import { kernelModule } from "../../src/backends/wasm/kernels.js";
import { ThreadPool } from "../../src/runtime/wasm-threads.js";
import { values } from "../backends/wasm/harness.js";

const PAGES = 64;
const module = new WebAssembly.Module(kernelModule({ min: PAGES, max: PAGES, shared: true }));
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
const instance = new WebAssembly.Instance(module, { env: { memory } });
const pools: ThreadPool[] = [];
afterAll(() => pools.forEach((p) => p.dispose()));

async function pool(threads: number): Promise<ThreadPool> {
  const p = await ThreadPool.create({ module, memory, instance, threads, exports: [K.gemmNT, K.gemmTN], minWork: 0 });
  pools.push(p);
  return p;
}

/** C = A·B (or Aᵀ·B) over all panels through the pool; returns C's bytes. */
function product(p: ThreadPool, m: number, k: number, n: number, tn: boolean): Uint8Array {
  const f = new Float32Array(memory.buffer);
  const A = 1024, B = A + m * k + 64, BP = B + k * n + 64, C = BP + ((n + 7) >> 3) * 8 * k + 64;
  f.set(values(m * k, m + k), A);
  f.set(values(k * n, n), B);
  f.fill(NaN, C, C + m * n);
  (instance.exports[K.packN] as (...a: number[]) => void)(4 * B, n, k, n, 4 * BP);
  p.run(tn ? K.gemmTN : K.gemmNT, [m, k, 4 * A, tn ? m : k, 4 * BP, n, 4 * C, n, 0], (n + 7) >> 3);
  return new Uint8Array(memory.buffer.slice(4 * C, 4 * (C + m * n)));
}

describe("ThreadPool on a shared WebAssembly.Memory", () => {
  it("gives bit-identical products for 1, 2 and 4 threads (outputs split, never a sum)", async () => {
    const [p1, p2, p4] = [await pool(1), await pool(2), await pool(4)];
    for (const [m, k, n, tn] of [[32, 96, 200, false], [7, 33, 61, true], [1, 64, 256, false]] as const) {
      const one = product(p1, m, k, n, tn);
      expect([...one].some((b) => b !== 0)).toBe(true);
      expect(product(p2, m, k, n, tn)).toEqual(one);
      expect(product(p4, m, k, n, tn)).toEqual(one);
    }
  });

  it("computes every unit, with the same bytes, when the calling thread is held up before it joins (beforeJoin)", async () => {
    const p1 = await pool(1);
    const p2 = await pool(2);
    const one = product(p1, 32, 96, 200, false);
    let held = 0;
    p2.beforeJoin = () => {
      held++;
      const until = performance.now() + 20; // long enough for the worker to take the caller's units too
      while (performance.now() < until);
    };
    expect(product(p2, 32, 96, 200, false)).toEqual(one);
    expect(held).toBe(1);
    p2.beforeJoin = undefined;
    // Many small units, taken several at a time: every one computed (C starts as NaN).
    expect(product(p2, 3, 5, 400, false)).toEqual(product(p1, 3, 5, 400, false));
  });

  it("keeps small jobs on the calling thread, and refuses unknown exports and unshared memory", async () => {
    const p = await ThreadPool.create({ module, memory, instance, threads: 2, exports: [K.gemmNT], minWork: 1e9 });
    pools.push(p);
    const big = await pool(2);
    expect(product(p, 9, 20, 40, false)).toEqual(product(big, 9, 20, 40, false));
    expect(() => p.run("f32_nothing", [], 1)).toThrow(/not one of the pool's exports/);
    const plain = new WebAssembly.Memory({ initial: 1 });
    const m2 = new WebAssembly.Module(kernelModule({ min: 1 }));
    await expect(ThreadPool.create({ module: m2, memory: plain, instance: new WebAssembly.Instance(m2, { env: { memory: plain } }), threads: 2, exports: [] })).rejects.toThrow(/shared/);
  });

  it("never keeps Node alive: a process that forgets dispose() still exits, as does one that disposes", () => {
    const script = fileURLToPath(new URL("./fixtures/pool-exit.ts", import.meta.url));
    for (const mode of ["forget", "dispose"]) {
      const r = spawnSync(process.execPath, ["--import", "tsx", script, mode], { encoding: "utf8", timeout: 30_000 });
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toBe("sum 4096");
      expect(r.status).toBe(0);
    }
  });
});
