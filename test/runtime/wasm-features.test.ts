import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ModuleBuilder } from "../../src/backends/wasm/encoder.js";
import { addGemmKernels } from "../../src/backends/wasm/gemm.js";
import { kernelModule, GEMM_KERNELS_RELAXED } from "../../src/backends/wasm/kernels.js";
import { probeModule } from "../../src/backends/wasm/probes.js";
import { RELAXED_PROBE, SIMD128_PROBE, wasmRelaxedSimdSupported, wasmSimdSupported } from "../../src/runtime/wasm-features.js";
import { wabtValidate } from "../backends/wasm/wabt.js";

describe("WebAssembly feature detection", () => {
  it("embeds exactly the probes the encoder writes", () => {
    expect(SIMD128_PROBE).toEqual([...probeModule(false)]);
    expect(RELAXED_PROBE).toEqual([...probeModule(true)]);
  });

  it("finds SIMD128 in this Node, and relaxed SIMD exactly when the engine validates relaxed kernels", async () => {
    expect(wasmSimdSupported()).toBe(true);
    const relaxed = kernelModule({ min: 1 }, { relaxed: true });
    await wabtValidate(relaxed);
    expect(wasmRelaxedSimdSupported()).toBe(WebAssembly.validate(relaxed));
    const mb = new ModuleBuilder({ memory: { min: 1 } });
    addGemmKernels(mb, { relaxed: true });
    expect(mb.usesRelaxedSimd).toBe(true);
  });

  it("runs the relaxed GEMM where the engine allows it (Node 20 with its flag) within float32 tolerance", () => {
    const script = `
      import { kernelModule, GEMM_KERNELS_RELAXED as K } from "./src/backends/wasm/kernels.ts";
      import { wasmRelaxedSimdSupported } from "./src/runtime/wasm-features.ts";
      const memory = new WebAssembly.Memory({ initial: 1 });
      const ex = new WebAssembly.Instance(new WebAssembly.Module(kernelModule({ min: 1 }, { relaxed: true })), { env: { memory } }).exports;
      const f = new Float32Array(memory.buffer);
      const m = 5, k = 37, n = 19;
      for (let i = 0; i < m * k; i++) f[100 + i] = Math.sin(i);
      for (let i = 0; i < k * n; i++) f[1000 + i] = Math.cos(i);
      ex[K.packN](4000, n, k, n, 8000);
      ex[K.gemmNT](m, k, 400, k, 8000, n, 12000, n, 0, 0, 3);
      let err = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += Math.sin(i * k + q) * Math.cos(q * n + j);
        err = Math.max(err, Math.abs(s - f[3000 + i * n + j]));
      }
      console.log(wasmRelaxedSimdSupported(), err < 1e-4);`;
    const r = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, "")).toBe("");
    expect(r.stdout.trim()).toBe("true true");
    void GEMM_KERNELS_RELAXED;
  });
});
