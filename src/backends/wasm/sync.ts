/**
 * `f32_sync(src, dst, n) → changed`: makes dst[0..n) a copy of src[0..n) and says whether it
 * was not one already. The comparison is bitwise (a NaN equals itself, −0 differs from +0) and
 * stops at the first difference. A cell keeps a copy of its params this way and re-packs its
 * weights for the GEMMs only when they changed (an optimizer may update them in place, so the
 * arrays' identity says nothing). Pointers are byte addresses, n counts floats.
 */
import { type ModuleBuilder, ValType } from "./encoder.js";
import { forRange } from "./gemm.js";

export const SYNC_KERNEL = "f32_sync";

export function addSync(mb: ModuleBuilder): string {
  const { i32 } = ValType;
  const fn = mb.func(SYNC_KERNEL, [i32, i32, i32], [i32], (f) => {
    const [src, dst, n] = f.params as [number, number, number];
    const [i, bytes, bytes4] = f.locals(i32, 3);
    f.get(n).i32c(2).op("i32.shl").set(bytes);
    f.get(n).i32c(-4).op("i32.and").i32c(2).op("i32.shl").set(bytes4);
    const at = (base: number) => f.get(base).get(i).op("i32.add");
    f.block((differs) => {
      // Equal so far: 16 bytes at a time, then the tail float by float.
      forRange(f, i, () => f.i32c(0), bytes4, 16, () => {
        at(src).simdMem("v128.load", 0, 0);
        at(dst).simdMem("v128.load", 0, 0);
        f.simd("v128.xor").simd("v128.any_true").brIf(differs);
      });
      forRange(f, i, () => f.get(bytes4), bytes, 4, () => {
        at(src).mem("i32.load", 0, 0);
        at(dst).mem("i32.load", 0, 0);
        f.op("i32.ne").brIf(differs);
      });
      f.i32c(0).op("return");
    });
    forRange(f, i, () => f.i32c(0), bytes4, 16, () => {
      at(dst);
      at(src).simdMem("v128.load", 0, 0);
      f.simdMem("v128.store", 0, 0);
    });
    forRange(f, i, () => f.get(bytes4), bytes, 4, () => {
      at(dst);
      at(src).mem("i32.load", 0, 0);
      f.mem("i32.store", 0, 0);
    });
    f.i32c(1);
  });
  mb.export(SYNC_KERNEL, fn);
  return SYNC_KERNEL;
}

/**
 * `f32_zero(dst, n)`: dst[0..n) = 0, 16 bytes at a time. The generated code zeroes its blocks with
 * it rather than `TypedArray.fill`, which is ~7× slower on a shared memory's buffer in Node 20.
 */
export const ZERO_KERNEL = "f32_zero";

export function addZero(mb: ModuleBuilder): string {
  const { i32 } = ValType;
  const fn = mb.func(ZERO_KERNEL, [i32, i32], [], (f) => {
    const [dst, n] = f.params as [number, number];
    const [i, bytes, bytes4] = f.locals(i32, 3);
    f.get(n).i32c(2).op("i32.shl").set(bytes);
    f.get(n).i32c(-4).op("i32.and").i32c(2).op("i32.shl").set(bytes4);
    const at = () => f.get(dst).get(i).op("i32.add");
    forRange(f, i, () => f.i32c(0), bytes4, 16, () => void at().f32x4c(0).simdMem("v128.store", 0, 0));
    forRange(f, i, () => f.get(bytes4), bytes, 4, () => void at().i32c(0).mem("i32.store", 0, 0));
  });
  mb.export(ZERO_KERNEL, fn);
  return ZERO_KERNEL;
}
