/**
 * The feature probes the runtime validates (src/runtime/wasm-features.ts embeds their bytes;
 * a test keeps the two equal): one function returning a v128, strict or with relaxed_madd.
 */
import { ModuleBuilder, ValType } from "./encoder.js";

export function probeModule(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ memory: { min: 0 } });
  mb.func(relaxed ? "probe_relaxed" : "probe_simd", [], [ValType.v128], (f) => {
    f.f32x4c(1).f32x4c(2);
    if (relaxed) f.f32x4c(3).relaxed("f32x4.relaxed_madd");
    else f.simd("f32x4.mul");
  });
  return mb.build();
}
