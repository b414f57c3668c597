import { encodeModule, type FunctionBody } from "./asm.js";

/**
 * The generated module's WebAssembly kernels: every cell's loops in one binary, embedded as
 * base64 (the module stays one dependency-free file), and the function that compiles them
 * ahead of time for engines that refuse to compile large modules synchronously.
 */
export function wasmKernelsDeclaration(functions: readonly FunctionBody[]): string[] {
  const bytes = encodeModule(functions, { shared: false, maxPages: 65536 });
  return [
    "",
    `/** The float32 kernels (${functions.length} WebAssembly functions, ${bytes.length} bytes), base64. */`,
    `const WASM_KERNELS = "${Buffer.from(bytes).toString("base64")}";`,
    "",
    "/**",
    " * Compiles the WebAssembly kernels asynchronously. Optional in Node; on a browser's main thread",
    " * await it once before instantiating a float32 cell (engines refuse to compile large modules there synchronously).",
    " */",
    "export function prepareWasm(): Promise<void> {",
    "  return compileKernels(WASM_KERNELS);",
    "}",
    "",
  ];
}
