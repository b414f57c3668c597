// The WebAssembly opcodes rnnc's kernels use, as typed tables (core spec §5.4, SIMD128 and
// relaxed-SIMD proposals). Plain ops take no immediates; memory ops take a memarg; lane ops
// take one lane byte. SIMD opcodes are the u32 that follows the 0xFD prefix.

/** Value types (§5.3.1). */
export enum ValType {
  i32 = 0x7f,
  i64 = 0x7e,
  f32 = 0x7d,
  f64 = 0x7c,
  v128 = 0x7b,
}

/** Core opcodes with no immediates. */
export const CORE = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  "i32.eqz": 0x45, "i32.eq": 0x46, "i32.ne": 0x47, "i32.lt_s": 0x48, "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a, "i32.gt_u": 0x4b, "i32.le_s": 0x4c, "i32.le_u": 0x4d, "i32.ge_s": 0x4e, "i32.ge_u": 0x4f,
  "f32.eq": 0x5b, "f32.ne": 0x5c, "f32.lt": 0x5d, "f32.gt": 0x5e, "f32.le": 0x5f, "f32.ge": 0x60,
  "i32.clz": 0x67, "i32.ctz": 0x68, "i32.add": 0x6a, "i32.sub": 0x6b, "i32.mul": 0x6c,
  "i32.div_s": 0x6d, "i32.div_u": 0x6e, "i32.rem_s": 0x6f, "i32.rem_u": 0x70,
  "i32.and": 0x71, "i32.or": 0x72, "i32.xor": 0x73, "i32.shl": 0x74, "i32.shr_s": 0x75, "i32.shr_u": 0x76,
  "f32.abs": 0x8b, "f32.neg": 0x8c, "f32.ceil": 0x8d, "f32.floor": 0x8e, "f32.trunc": 0x8f,
  "f32.nearest": 0x90, "f32.sqrt": 0x91, "f32.add": 0x92, "f32.sub": 0x93, "f32.mul": 0x94,
  "f32.div": 0x95, "f32.min": 0x96, "f32.max": 0x97, "f32.copysign": 0x98,
  "f64.add": 0xa0, "f64.sub": 0xa1, "f64.mul": 0xa2, "f64.div": 0xa3,
  "i32.trunc_f32_s": 0xa8, "f32.convert_i32_s": 0xb2, "f32.demote_f64": 0xb6, "f64.promote_f32": 0xbb,
  "i32.reinterpret_f32": 0xbc, "f32.reinterpret_i32": 0xbe,
} as const;
export type CoreOp = keyof typeof CORE;

/** Core memory opcodes (immediate: memarg = align log2, offset). Natural alignment log2 beside. */
export const CORE_MEM = {
  "i32.load": [0x28, 2], "f32.load": [0x2a, 2], "f64.load": [0x2b, 3],
  "i32.store": [0x36, 2], "f32.store": [0x38, 2], "f64.store": [0x39, 3],
} as const;
export type CoreMemOp = keyof typeof CORE_MEM;

/** SIMD128 opcodes with no immediates. */
export const SIMD = {
  "i8x16.swizzle": 0x0e, "i32x4.splat": 0x11, "f32x4.splat": 0x13, "f64x2.splat": 0x14,
  "i32x4.eq": 0x37, "i32x4.ne": 0x38, "i32x4.lt_s": 0x39, "i32x4.gt_s": 0x3b, "i32x4.le_s": 0x3d, "i32x4.ge_s": 0x3f,
  "f32x4.eq": 0x41, "f32x4.ne": 0x42, "f32x4.lt": 0x43, "f32x4.gt": 0x44, "f32x4.le": 0x45, "f32x4.ge": 0x46,
  "v128.not": 0x4d, "v128.and": 0x4e, "v128.andnot": 0x4f, "v128.or": 0x50, "v128.xor": 0x51,
  "v128.bitselect": 0x52, "v128.any_true": 0x53,
  "f32x4.demote_f64x2_zero": 0x5e, "f64x2.promote_low_f32x4": 0x5f,
  "f32x4.ceil": 0x67, "f32x4.floor": 0x68, "f32x4.trunc": 0x69, "f32x4.nearest": 0x6a,
  "i32x4.abs": 0xa0, "i32x4.neg": 0xa1, "i32x4.all_true": 0xa3, "i32x4.bitmask": 0xa4,
  "i32x4.shl": 0xab, "i32x4.shr_s": 0xac, "i32x4.shr_u": 0xad, "i32x4.add": 0xae, "i32x4.sub": 0xb1,
  "i32x4.mul": 0xb5, "i32x4.min_s": 0xb6, "i32x4.max_s": 0xb8,
  "f32x4.abs": 0xe0, "f32x4.neg": 0xe1, "f32x4.sqrt": 0xe3, "f32x4.add": 0xe4, "f32x4.sub": 0xe5,
  "f32x4.mul": 0xe6, "f32x4.div": 0xe7, "f32x4.min": 0xe8, "f32x4.max": 0xe9, "f32x4.pmin": 0xea, "f32x4.pmax": 0xeb,
  "f64x2.add": 0xf0, "f64x2.sub": 0xf1, "f64x2.mul": 0xf2, "f64x2.div": 0xf3,
  "i32x4.trunc_sat_f32x4_s": 0xf8, "f32x4.convert_i32x4_s": 0xfa,
} as const;
export type SimdOp = keyof typeof SIMD;

/** Relaxed-SIMD opcodes: never in the default (deterministic) build; opt-in only. */
export const RELAXED = { "f32x4.relaxed_madd": 0x105, "f32x4.relaxed_nmadd": 0x106 } as const;
export type RelaxedOp = keyof typeof RELAXED;

/** SIMD memory opcodes (memarg) with natural alignment log2. */
export const SIMD_MEM = {
  "v128.load": [0x00, 4], "v128.load32_splat": [0x09, 2], "v128.load64_splat": [0x0a, 3],
  "v128.store": [0x0b, 4], "v128.load32_zero": [0x5c, 2], "v128.load64_zero": [0x5d, 3],
} as const;
export type SimdMemOp = keyof typeof SIMD_MEM;

/** SIMD lane opcodes (one lane-index byte). */
export const SIMD_LANE = {
  "i32x4.extract_lane": [0x1b, 4], "i32x4.replace_lane": [0x1c, 4],
  "f32x4.extract_lane": [0x1f, 4], "f32x4.replace_lane": [0x20, 4],
} as const;
export type SimdLaneOp = keyof typeof SIMD_LANE;

/** SIMD memory-lane opcodes (memarg, then lane byte). */
export const SIMD_MEM_LANE = {
  "v128.load32_lane": [0x56, 2], "v128.store32_lane": [0x5a, 2],
} as const;
export type SimdMemLaneOp = keyof typeof SIMD_MEM_LANE;
