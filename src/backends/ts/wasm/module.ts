import { ModuleBuilder } from "../../wasm/encoder.js";
import { addKernels, relaxedGemmModule } from "../../wasm/kernels.js";
import { addLoop, type LoopSpec } from "./loops.js";

/** Pages of the instances' memories at most (2 GiB): a shared memory must declare a maximum. */
const MAX_PAGES = 32768;

/**
 * The generated module's WebAssembly kernels: the GEMM and math kernels and every cell's
 * loops in one binary, embedded as base64 (the module stays one dependency-free file). It
 * imports a non-shared memory; for threads the runtime flips one byte (the limits flag of
 * the memory import, at WASM_SHARED_FLAG) to import a shared one instead.
 */
export function wasmKernelsDeclaration(loops: readonly LoopSpec[]): string[] {
  const mb = new ModuleBuilder({ memory: { min: 1, max: MAX_PAGES } });
  addKernels(mb);
  for (const l of loops) addLoop(mb, l);
  const bytes = mb.build();
  const relaxed = relaxedGemmModule({ min: 1, max: MAX_PAGES });
  const source = (b: Uint8Array) => `{ base64: "${Buffer.from(b).toString("base64")}", sharedFlag: ${sharedFlagOffset(b)} }`;
  return [
    "",
    `/** The float32 kernels (GEMMs, math, and ${loops.length} fused loops of the cells; ${bytes.length} bytes of WebAssembly), base64. */`,
    `const WASM_KERNELS: KernelSource = ${source(bytes)};`,
    `/** The GEMMs with f32x4.relaxed_madd (${relaxed.length} bytes; \`simd: "relaxed"\` where the engine validates it), a module of their own on the same memory. */`,
    `const WASM_KERNELS_RELAXED: KernelSource = ${source(relaxed)};`,
    "",
    "/**",
    " * Compiles the WebAssembly kernels asynchronously. Optional in Node; on a browser's main thread",
    " * await it once before instantiating a float32 cell (engines refuse to compile large modules there synchronously),",
    " * with the same `threads` and `simd` options.",
    " */",
    "export function prepareWasm(options: { threads?: number; simd?: \"strict\" | \"relaxed\" } = {}): Promise<void> {",
    "  checkKeys(\"prepareWasm\", \"options\", options, [\"threads\", \"simd\"]);",
    "  const shared = checkThreads(\"prepareWasm\", options.threads) > 1;",
    "  const relaxed = chooseSimd(\"prepareWasm\", \"float32\", \"wasm\", undefined, options.simd) === \"relaxed\";",
    "  return Promise.all([compileKernels(WASM_KERNELS, shared), relaxed ? compileKernels(WASM_KERNELS_RELAXED, shared) : undefined]).then(() => undefined);",
    "}",
    "",
  ];
}

/** The byte offset of the memory import's limits flag (0x01: max given; 0x03: max given, shared). */
function sharedFlagOffset(bytes: Uint8Array): number {
  const name = [0x06, ...new TextEncoder().encode("memory"), 0x02];
  for (let i = 0; i + name.length < bytes.length; i++) {
    if (name.every((b, k) => bytes[i + k] === b)) {
      const at = i + name.length;
      if (bytes[at] !== 0x01) throw new Error("internal: unexpected memory limits flag");
      return at;
    }
  }
  throw new Error("internal: the kernels import no memory");
}
