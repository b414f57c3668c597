import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { wasmRelaxedSimdSupported } from "../../../src/runtime/wasm-features.js";
import { GENERATED_DIR, importGenerated, ROOT, writeGenerated, type Factory } from "../../helpers/generated.js";

/**
 * `simd: "relaxed"`: the matrix products use f32x4.relaxed_madd where the engine validates it
 * (Node 20 only with --experimental-wasm-relaxed-simd), else strict SIMD128 — and the instance's
 * `simd` says which runs. The default stays strict. In this process (no flag) the fallback is
 * tested: strict, the same bytes as the default. In a child process with the flag, the relaxed
 * path: `simd` is "relaxed", results agree with strict to 1e-5, and are the same bytes on 1 and
 * 2 threads (each element is computed by the same instructions whichever thread runs it).
 */
type Cell = ReturnType<Factory> & { readonly simd: string; readonly backend: string; dispose(): void };
type Make = (dims: Record<string, number>, options?: Record<string, unknown>) => Cell;

// Large enough that a step's GEMM (13 × 128 × 512) is split between two threads.
const dims = { I: 64, H: 128 };
const [B, T] = [13, 4];
const data = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.61));

describe("simd option, in an engine without relaxed SIMD (Node 20 without its flag)", () => {
  let LSTM: Make;
  let prepareWasm: (o?: object) => Promise<void>;
  let StackedLSTM: Make;
  beforeAll(async () => {
    const m = await importGenerated("examples/lstm.rnn");
    LSTM = m.LSTM as Make;
    prepareWasm = m.prepareWasm as typeof prepareWasm;
    StackedLSTM = (await importGenerated("examples/stacked_lstm.rnn")).StackedLSTM as Make;
  });

  it("is strict by default, none on the js backend", () => {
    expect(LSTM(dims).simd).toBe("strict");
    expect(LSTM(dims, { simd: "strict" }).simd).toBe("strict");
    expect(LSTM(dims, { backend: "js" }).simd).toBe("none");
    expect(LSTM(dims, { dtype: "float64" }).simd).toBe("none");
    expect(StackedLSTM(dims).simd).toBe("strict");
  });

  it("falls back to strict when relaxed SIMD does not validate, says so, and computes the same bytes", () => {
    expect(wasmRelaxedSimdSupported()).toBe(false);
    const relaxed = LSTM(dims, { simd: "relaxed" });
    expect(relaxed.backend).toBe("wasm");
    expect(relaxed.simd).toBe("strict");
    expect(StackedLSTM(dims, { simd: "relaxed" }).simd).toBe("strict");
    const strict = LSTM(dims);
    const p = strict.init(1);
    const x = data(T * B * dims.I, 2);
    const a = strict.forward(p, x, { batch: B, steps: T });
    const b = relaxed.forward(p, x, { batch: B, steps: T });
    expect(Array.from(b.outputs.h!)).toEqual(Array.from(a.outputs.h!));
  });

  it("refuses a SIMD it does not know, or one asked of the js backend, naming the option", async () => {
    expect(() => LSTM(dims, { simd: "fast" })).toThrow(`LSTM: options.simd must be "strict" or "relaxed", received "fast"`);
    expect(() => LSTM(dims, { simd: "relaxed", backend: "js" })).toThrow(`LSTM: options.simd "relaxed" chooses the wasm backend's kernels, but options.backend is "js"`);
    expect(() => LSTM(dims, { simd: "strict", dtype: "float64" })).toThrow(`LSTM: options.simd "strict" chooses the wasm backend's kernels, which run float32 only; dtype is "float64"`);
    expect(() => StackedLSTM(dims, { simd: 1 })).toThrow(`options.simd must be "strict" or "relaxed", received 1`);
    expect(() => LSTM(dims, { backend: "wasm", dtype: "float64" })).toThrow(`LSTM: options.backend "wasm" runs float32 only`);
    expect(() => prepareWasm({ simd: "relaxd" })).toThrow(`prepareWasm: options.simd must be "strict" or "relaxed", received "relaxd"`);
    expect(() => prepareWasm({ thread: 2 })).toThrow("prepareWasm: options");
    await prepareWasm({ simd: "relaxed" });
  });
});

describe("simd: \"relaxed\" where the engine has it (a child Node 20 with --experimental-wasm-relaxed-simd)", () => {
  it("runs relaxed_madd, agrees with strict to 1e-5, and gives the same bytes on 1 and 2 threads", () => {
    const lstm = pathToFileURL(writeGenerated("examples/lstm.rnn")).href;
    const stacked = pathToFileURL(writeGenerated("examples/stacked_lstm.rnn")).href;
    const script = `
      const { LSTM, prepareWasm } = await import(${JSON.stringify(lstm)});
      const { StackedLSTM } = await import(${JSON.stringify(stacked)});
      const dims = ${JSON.stringify(dims)}, B = ${B}, T = ${T};
      const data = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.61));
      await prepareWasm({ simd: "relaxed" });
      const run = async (options) => {
        const c = LSTM(dims, options);
        await c.ready;
        const p = c.init(1);
        const r = c.forward(p, data(T * B * dims.I, 2), { batch: B, steps: T, lengths: Array.from({ length: B }, (_, b) => 1 + (b % T)) });
        const g = c.backward(r, { outputs: { h: data(T * B * dims.H, 3) } });
        c.dispose();
        return { simd: c.simd, arrays: [r.outputs.h, r.final.c, g.x, ...Object.values(g.params), ...Object.values(g.initial)].map((a) => Array.from(a)) };
      };
      const strict = await run({});
      const relaxed = await run({ simd: "relaxed" });
      const two = await run({ simd: "relaxed", threads: 2 });
      let err = 0;
      strict.arrays.forEach((a, k) => a.forEach((v, i) => { err = Math.max(err, Math.abs(relaxed.arrays[k][i] - v) / Math.max(1, Math.abs(v))); }));
      console.log(JSON.stringify({ strict: strict.simd, relaxed: relaxed.simd, model: StackedLSTM(dims, { simd: "relaxed" }).simd, err, sameOnTwoThreads: JSON.stringify(two.arrays) === JSON.stringify(relaxed.arrays), twoSimd: two.simd }));`;
    // A file, not `--input-type=module -e`: worker threads inherit that flag and would read their eval'd source as a module.
    const file = join(GENERATED_DIR, "relaxed-child.mjs");
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", file], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, "")).toBe("");
    const out = JSON.parse(r.stdout.trim()) as { strict: string; relaxed: string; model: string; err: number; sameOnTwoThreads: boolean; twoSimd: string };
    expect(out).toMatchObject({ strict: "strict", relaxed: "relaxed", model: "relaxed", twoSimd: "relaxed", sameOnTwoThreads: true });
    expect(out.err).toBeLessThan(1e-5);
    expect(out.err).toBeGreaterThan(0); // relaxed_madd fuses here (V8 on x86 with FMA): not the strict bits
  });
});
