// Feature detection for the WebAssembly backend. No imports: embedded in generated modules.
// Each probe is a minimal module (bytes written by rnnc's encoder; a test checks they match)
// that imports nothing and defines one function using the feature.

/** A function returning f32x4.mul of two constants (src/backends/wasm/probes.ts). */
export const SIMD128_PROBE: readonly number[] = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 2, 15, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2, 0, 0, 3, 2, 1, 0, 7, 1, 0, 10, 43, 1, 41, 0, 253, 12, 0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 253, 12, 0, 0, 0, 64, 0, 0, 0, 64, 0, 0, 0, 64, 0, 0, 0, 64, 253, 230, 1, 11, 0, 20, 4, 110, 97, 109, 101, 1, 13, 1, 0, 10, 112, 114, 111, 98, 101, 95, 115, 105, 109, 100];

/** The same with f32x4.relaxed_madd: validates only where relaxed SIMD is on. */
export const RELAXED_PROBE: readonly number[] = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 2, 15, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2, 0, 0, 3, 2, 1, 0, 7, 1, 0, 10, 61, 1, 59, 0, 253, 12, 0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 253, 12, 0, 0, 0, 64, 0, 0, 0, 64, 0, 0, 0, 64, 0, 0, 0, 64, 253, 12, 0, 0, 64, 64, 0, 0, 64, 64, 0, 0, 64, 64, 0, 0, 64, 64, 253, 133, 2, 11, 0, 23, 4, 110, 97, 109, 101, 1, 16, 1, 0, 13, 112, 114, 111, 98, 101, 95, 114, 101, 108, 97, 120, 101, 100];

function validates(bytes: readonly number[]): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

/** True when this engine runs SIMD128 WebAssembly (rnnc's default kernels). */
export function wasmSimdSupported(): boolean {
  return validates(SIMD128_PROBE);
}

/** True when this engine also accepts relaxed SIMD (opt-in kernels only). */
export function wasmRelaxedSimdSupported(): boolean {
  return validates(RELAXED_PROBE);
}
