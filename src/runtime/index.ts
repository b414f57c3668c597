/**
 * What a generated module calls: the runtime's API to generated code. The bundling step
 * (scripts/bundle-runtime.ts) embeds these and everything they use, and nothing else, into
 * src/runtime/generated/bundle.ts; every generated module carries that text.
 */
export { elu, hardSigmoid, leakyRelu, relu, sigmoid, sign, softplus, softsign, step } from "./math.js";
export { gemm, gemmTransA, packB, type PackedB } from "./gemm.js";
export { checkArray, checkCount, checkDim, checkFactoryOptions, checkKeys, checkLengths, checkLoadOptions, checkNothingToDifferentiate, checkParams, checkSeed, seedArray, setSeedRows, withFiniteChecks } from "./checks.js";
export { fillDropoutMasks, initParams, type InitParamSpec, type InitSpecData } from "./random.js";
export { paramsFromSafetensors, paramsToSafetensors } from "./safetensors.js";
export { adam, clipGradNorm, clipGradValue, sgd, type AdamConfig, type ParamOptimizer, type SgdConfig } from "./optim.js";
export { copyTouched, gatherIds, idRows, scatterAddIds } from "./gather.js";
export { checkThreads, chooseBackend, chooseSimd, compileKernels, type KernelSource, type SimdMode } from "./wasm-engine.js";
export { SHARED_ARENA, WasmHeap, type HeapRegion, type SharedArena } from "./wasm-heap.js";
export { ARENA_IO, arenaIO, type ArenaBlock, type ArenaIO } from "./arena-io.js";
