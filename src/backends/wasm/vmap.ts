/**
 * Elementwise vector kernels `f32_v<op>(x, y, n)`: y[i] = op(x[i]) for n floats at byte
 * addresses x and y (y may equal x), four lanes at a time and the last n mod 4 one lane at a
 * time through the same vector code (so every element gets the identical computation).
 */
import { type ModuleBuilder, ValType } from "./encoder.js";
import { VecMath } from "./vmath.js";

export const VMATH_OPS = ["exp", "expm1", "log", "log1p", "tanh", "sigmoid"] as const;
export type VMathOp = (typeof VMATH_OPS)[number];

export const vmapName = (op: VMathOp): string => `f32_v${op}`;

export function addVMapKernels(mb: ModuleBuilder): Record<VMathOp, string> {
  const names = {} as Record<VMathOp, string>;
  for (const op of VMATH_OPS) {
    names[op] = vmapName(op);
    mb.export(names[op], addVMap(mb, op));
  }
  return names;
}

function addVMap(mb: ModuleBuilder, op: VMathOp): number {
  const { i32, v128 } = ValType;
  return mb.func(vmapName(op), [i32, i32, i32], [], (f) => {
    const [x, y, n] = f.params as [number, number, number];
    const v = f.local(v128);
    const vm = new VecMath(f);
    f.block((exit) => {
      f.loop((top) => {
        f.get(n).i32c(4).op("i32.lt_s").brIf(exit);
        f.get(x).simdMem("v128.load", 0, 2).set(v);
        vm[op](v, v);
        f.get(y).get(v).simdMem("v128.store", 0, 2);
        f.get(x).i32c(16).op("i32.add").set(x);
        f.get(y).i32c(16).op("i32.add").set(y);
        f.get(n).i32c(4).op("i32.sub").set(n);
        f.br(top);
      });
    });
    f.block((exit) => {
      f.loop((top) => {
        f.get(n).i32c(1).op("i32.lt_s").brIf(exit);
        f.get(x).simdMem("v128.load32_zero", 0, 2).set(v);
        vm[op](v, v);
        f.get(y).get(v).lane("f32x4.extract_lane", 0).mem("f32.store");
        f.get(x).i32c(4).op("i32.add").set(x);
        f.get(y).i32c(4).op("i32.add").set(y);
        f.get(n).i32c(1).op("i32.sub").set(n);
        f.br(top);
      });
    });
  });
}
