/**
 * The kernel library: one module with every kernel rnnc emits, exported by name. The
 * integrating backend adds its own generated functions (the cell's fused loops) to the same
 * ModuleBuilder with `addKernels`; tests and benchmarks use `kernelModule`.
 */
import { ModuleBuilder, type MemoryImport } from "./encoder.js";
import { addGatherKernels, GATHER_KERNELS } from "./gather.js";
import { addGemmKernels, type GemmKernelNames } from "./gemm.js";
import { addSplitKernels, SPLIT_KERNELS } from "./split.js";
import { addSync, addZero, SYNC_KERNEL, ZERO_KERNEL } from "./sync.js";
import { addTranspose, TRANSPOSE_KERNEL } from "./transpose.js";
import { addVMapKernels, type VMathOp } from "./vmap.js";

export { GATHER_KERNELS } from "./gather.js";
export { GEMM_KERNELS, GEMM_KERNELS_RELAXED } from "./gemm.js";
export { SPLIT_KERNELS } from "./split.js";
export { SYNC_KERNEL, ZERO_KERNEL } from "./sync.js";
export { TRANSPOSE_KERNEL } from "./transpose.js";
export { vmapName, VMATH_OPS, type VMathOp } from "./vmap.js";

/** Adds all kernels to `mb`; returns the export names by role. */
export function addKernels(mb: ModuleBuilder, options: { readonly relaxed?: boolean } = {}): { gemm: GemmKernelNames; transpose: typeof TRANSPOSE_KERNEL; vmath: Record<VMathOp, string>; gather: typeof GATHER_KERNELS; sync: typeof SYNC_KERNEL; zero: typeof ZERO_KERNEL; split: typeof SPLIT_KERNELS } {
  const gemm = addGemmKernels(mb, options);
  const transpose = addTranspose(mb) as typeof TRANSPOSE_KERNEL;
  const vmath = addVMapKernels(mb);
  const gather = addGatherKernels(mb);
  const sync = addSync(mb) as typeof SYNC_KERNEL;
  const zero = addZero(mb) as typeof ZERO_KERNEL;
  const split = addSplitKernels(mb, mb.exported(transpose), mb.exported(gemm.packN));
  return { gemm, transpose, vmath, gather, sync, zero, split };
}

/**
 * A module of all kernels importing `env.memory` as described (shared for threads). With
 * `relaxed`, the GEMMs use `f32x4.relaxed_madd` (see GEMM_KERNELS_RELAXED): a separate module
 * for engines that validate it; the default is strict and deterministic.
 */
export function kernelModule(memory: MemoryImport, options: { readonly relaxed?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ memory });
  addKernels(mb, options);
  return mb.build();
}

/**
 * The relaxed GEMMs alone (packing and `f32_gemm_{nt,tn}_4x8_relaxed_madd`), importing `env.memory`
 * as described: a generated module embeds it beside its strict kernels and instantiates it on the
 * same memory only for `simd: "relaxed"` where the engine validates it.
 */
export function relaxedGemmModule(memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ memory });
  addGemmKernels(mb, { relaxed: true });
  return mb.build();
}
