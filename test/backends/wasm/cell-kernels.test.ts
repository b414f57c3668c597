/**
 * The WebAssembly a generated module embeds for its cells: the strict kernels (GEMMs, math and
 * every cell's fused loops — here with several inputs and dropout, whose loops read cyclic mask
 * streams) and the relaxed GEMMs (`simd: "relaxed"`) validate in the engine and in wabt; the
 * strict module has no relaxed opcode (it must validate where relaxed SIMD is missing); and the
 * loop applying VarDropGRU's input dropout over all T·B rows is a disassembly baseline.
 *   UPDATE_BASELINES=1 npx vitest run test/backends/wasm   rewrites the baseline
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileToTypeScript } from "../../../src/compiler.js";
import { ROOT } from "../../helpers/generated.js";
import { wabtValidate, wasm2wat } from "./wabt.js";

const update = process.env.UPDATE_BASELINES === "1";

/** The embedded modules of a generated file, by constant name. */
function embedded(path: string, text = readFileSync(join(ROOT, path), "utf8")): Record<string, Uint8Array<ArrayBuffer>> {
  const code = compileToTypeScript(path, text).code!;
  const out: Record<string, Uint8Array<ArrayBuffer>> = {};
  for (const m of code.matchAll(/const (WASM_KERNELS\w*): KernelSource = \{ base64: "([^"]+)"/g)) out[m[1]!] = new Uint8Array(Buffer.from(m[2]!, "base64"));
  return out;
}

const RELAXED_MADD = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd: the SIMD prefix, then 0x105 as LEB128

function contains(bytes: Uint8Array, seq: readonly number[]): boolean {
  for (let i = 0; i + seq.length <= bytes.length; i++) if (seq.every((b, k) => bytes[i + k] === b)) return true;
  return false;
}

describe("a generated module's WebAssembly", () => {
  it.each(["examples/conditional_gru.rnn", "examples/vardrop_gru.rnn", "test/backends/wasm/three-inputs.rnn.txt"])("%s: both modules validate in wabt; only the relaxed one uses relaxed_madd", async (path) => {
    const { WASM_KERNELS: strict, WASM_KERNELS_RELAXED: relaxed } = embedded(path);
    expect(strict).toBeDefined();
    expect(relaxed).toBeDefined();
    await wabtValidate(strict!);
    await wabtValidate(relaxed!);
    expect(WebAssembly.validate(strict!)).toBe(true);
    expect(contains(strict!, RELAXED_MADD)).toBe(false);
    expect(contains(relaxed!, RELAXED_MADD)).toBe(true);
    const wat = await wasm2wat(relaxed!);
    expect(wat).toContain("f32x4.relaxed_madd");
    expect(wat).toContain('(import "env" "memory" (memory');
  });

  it("the input dropout's loop over T·B rows reads its mask row r mod B (disassembly baseline)", async () => {
    const wat = await wasm2wat(embedded("examples/vardrop_gru.rnn").WASM_KERNELS!);
    const start = wat.indexOf("(func $VarDropGRU_f0");
    const end = wat.indexOf("\n  (func", start + 1);
    expect(start).toBeGreaterThan(0);
    const text = wat.slice(start, end < 0 ? undefined : end).trimEnd() + "\n";
    expect(text).toContain("i32.rem_u");
    const path = fileURLToPath(new URL("./baselines/VarDropGRU_f0.wat", import.meta.url));
    if (update) writeFileSync(path, text);
    if (!existsSync(path)) throw new Error(`${path} is missing; run UPDATE_BASELINES=1 npx vitest run test/backends/wasm`);
    expect(text).toBe(readFileSync(path, "utf8"));
  });
});
