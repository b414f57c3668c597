/**
 * The kernel module as a whole: valid for the engine and for wabt (plain and shared memory),
 * strict SIMD128 by default, deterministic, and one GEMM kernel's disassembly as a baseline.
 *   UPDATE_BASELINES=1 npx vitest run test/backends/wasm   rewrites the baseline
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ModuleBuilder } from "../../../src/backends/wasm/encoder.js";
import { addGemmKernels, GEMM_KERNELS } from "../../../src/backends/wasm/gemm.js";
import { addKernels, kernelModule } from "../../../src/backends/wasm/kernels.js";
import { wabtValidate, wasm2wat } from "./wabt.js";

const update = process.env.UPDATE_BASELINES === "1";

describe("the kernel module", () => {
  it("validates in the engine and in wabt, with a plain and with a shared memory", async () => {
    for (const memory of [{ min: 1 }, { min: 16, max: 1024, shared: true }]) {
      const bytes = kernelModule(memory);
      expect(WebAssembly.validate(bytes)).toBe(true);
      await wabtValidate(bytes);
    }
  });

  it("uses no relaxed SIMD (deterministic on every engine) and is byte-identical when rebuilt", () => {
    const mb = new ModuleBuilder({ memory: { min: 1 } });
    addKernels(mb);
    expect(mb.usesRelaxedSimd).toBe(false);
    expect(kernelModule({ min: 2 })).toEqual(kernelModule({ min: 2 }));
  });

  it(`disassembles ${GEMM_KERNELS.gemmNT} as its baseline`, async () => {
    const mb = new ModuleBuilder({ memory: { min: 1 } });
    addGemmKernels(mb);
    const wat = await wasm2wat(mb.build());
    const start = wat.indexOf(`(func $${GEMM_KERNELS.gemmNT}`);
    const end = wat.indexOf("\n  (func", start + 1);
    expect(start).toBeGreaterThan(0);
    const text = wat.slice(start, end < 0 ? undefined : end).trimEnd() + "\n";
    const path = fileURLToPath(new URL(`./baselines/${GEMM_KERNELS.gemmNT}.wat`, import.meta.url));
    if (update) writeFileSync(path, text);
    if (!existsSync(path)) throw new Error(`${path} is missing; run UPDATE_BASELINES=1 npx vitest run test/backends/wasm`);
    expect(text).toBe(readFileSync(path, "utf8"));
  });
});
