/**
 * Weights: safetensors IO and deterministic initialization, one implementation for both back ends.
 * The codec and the generator live in src/runtime/ (so generated modules embed the very
 * same code); this folder adds what only the compiler needs: files on disk and the graph bridge.
 */
export {
  readSafetensors,
  writeSafetensors,
  paramsFromSafetensors,
  paramsToSafetensors,
} from "../runtime/safetensors.js";
export type {
  SafetensorsDtype,
  SafetensorsFile,
  SafetensorsTensor,
  SafetensorsTensorInput,
} from "../runtime/safetensors.js";
export {
  createRng,
  nextUint32,
  nextFloat64,
  nextNormal,
  initParam,
  initParams,
  glorotFans,
  glorotLimit,
  evaluateConstExpr,
  constExprToString,
} from "../runtime/random.js";
export type { Rng, InitParamSpec, InitSpecData, InitConstExpr } from "../runtime/random.js";
export { readWeightsFile, writeWeightsFile } from "./file.js";
export { paramSpecs, paramShapes, initGraphParams } from "./graph-params.js";
