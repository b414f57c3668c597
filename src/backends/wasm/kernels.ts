/**
 * The kernel library: one module with every kernel rnnc emits, exported by name. The
 * integrating backend adds its own generated functions (the cell's fused loops) to the same
 * ModuleBuilder with `addKernels`; tests and benchmarks use `kernelModule`.
 */
import { ModuleBuilder, type MemoryImport } from "./encoder.js";
import { addGatherKernels, GATHER_KERNELS } from "./gather.js";
import { addGemmKernels, GEMM_KERNELS } from "./gemm.js";
import { addVMapKernels, type VMathOp } from "./vmap.js";

export { GATHER_KERNELS } from "./gather.js";
export { GEMM_KERNELS } from "./gemm.js";
export { vmapName, VMATH_OPS, type VMathOp } from "./vmap.js";

/** Adds all kernels to `mb`; returns the export names by role. */
export function addKernels(mb: ModuleBuilder): { gemm: typeof GEMM_KERNELS; vmath: Record<VMathOp, string>; gather: typeof GATHER_KERNELS } {
  return { gemm: addGemmKernels(mb), vmath: addVMapKernels(mb), gather: addGatherKernels(mb) };
}

/** A module of all kernels importing `env.memory` as described (shared for threads). */
export function kernelModule(memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ memory });
  addKernels(mb);
  return mb.build();
}
