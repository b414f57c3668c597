import { describe, expect, it } from "vitest";
import { Bytes, ModuleBuilder, ValType } from "../../../src/backends/wasm/encoder.js";
import { wabtValidate, wasm2wat } from "./wabt.js";

describe("LEB128", () => {
  const u = (v: number) => [...new Bytes().u32(v).view()];
  const s = (v: number) => [...new Bytes().s32(v).view()];
  it("writes unsigned values as the spec's examples", () => {
    expect(u(0)).toEqual([0]);
    expect(u(127)).toEqual([0x7f]);
    expect(u(128)).toEqual([0x80, 0x01]);
    expect(u(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(u(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
  it("writes signed values with the sign in bit 6 of the last byte", () => {
    expect(s(0)).toEqual([0]);
    expect(s(63)).toEqual([0x3f]);
    expect(s(64)).toEqual([0xc0, 0x00]);
    expect(s(-1)).toEqual([0x7f]);
    expect(s(-64)).toEqual([0x40]);
    expect(s(-65)).toEqual([0xbf, 0x7f]);
    expect(s(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(s(0x7f800000)).toEqual(s(2139095040));
  });
});

/** A module with a counted loop, an if/else, a call and SIMD: sums n floats. */
function sumModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ memory: shared ? { min: 1, max: 16, shared: true } : { min: 1 } });
  const half = mb.func("half", [ValType.f32], [ValType.f32], (f) => {
    f.get(0).f32c(0.5).op("f32.mul");
  });
  const sum = mb.func("sum", [ValType.i32, ValType.i32], [ValType.f32], (f) => {
    const [p, n] = f.params as [number, number];
    const acc = f.local(ValType.v128);
    const s = f.local(ValType.f32);
    f.f32x4c(0).set(acc);
    f.block((done) => {
      f.get(n).op("i32.eqz").brIf(done);
      f.loop((top) => {
        f.get(acc).get(p).simdMem("v128.load32_splat").simd("f32x4.add").set(acc);
        f.get(p).i32c(4).op("i32.add").set(p);
        f.get(n).i32c(1).op("i32.sub").tee(n).brIf(top);
      });
    });
    f.get(acc).lane("f32x4.extract_lane", 2).set(s);
    f.get(s).f32c(100).op("f32.gt");
    f.if(() => f.get(s).call(half).set(s), () => f.get(s).set(s));
    f.get(s);
  });
  mb.export("sum", sum);
  return mb.build();
}

describe("ModuleBuilder", () => {
  it("emits modules that the engine and wabt both validate, plain and with shared memory", async () => {
    for (const shared of [false, true]) {
      const bytes = sumModule(shared);
      expect(WebAssembly.validate(bytes)).toBe(true);
      await wabtValidate(bytes);
    }
  });
  it("runs: loops, branches, calls, SIMD splat loads and lane extraction", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(sumModule(false)), { env: { memory } });
    const sum = inst.exports.sum as (p: number, n: number) => number;
    new Float32Array(memory.buffer).set([1, 2, 3, 4.5, 200]);
    expect(sum(0, 4)).toBe(10.5);
    expect(sum(0, 5)).toBe(105.25); // 210.5 > 100, halved by the call
    expect(sum(0, 0)).toBe(0);
  });
  it("imports a shared memory with its limits and names functions for disassembly", async () => {
    const wat = await wasm2wat(sumModule(true));
    expect(wat).toContain('(import "env" "memory" (memory (;0;) 1 16 shared))');
    expect(wat).toContain("(func $sum");
  });
  it("is deterministic: the same calls give the same bytes", () => {
    expect(sumModule(true)).toEqual(sumModule(true));
  });
  it("refuses a shared memory without a maximum, and branches to closed labels", () => {
    expect(() => new ModuleBuilder({ memory: { min: 1, shared: true } })).toThrow(/maximum/);
    const mb = new ModuleBuilder({ memory: { min: 1 } });
    expect(() =>
      mb.func("bad", [], [], (f) => {
        let outer: { depth: number } | undefined;
        f.block((l) => (outer = l));
        f.br(outer!);
      }),
    ).toThrow(/no longer open/);
  });
  it("flags relaxed SIMD only when a relaxed op is emitted", () => {
    const mb = new ModuleBuilder({ memory: { min: 1 } });
    mb.func("plain", [], [], (f) => void f.f32x4c(1).simd("f32x4.neg").op("drop"));
    expect(mb.usesRelaxedSimd).toBe(false);
    mb.func("fma", [], [], (f) => void f.f32x4c(1).f32x4c(2).f32x4c(3).relaxed("f32x4.relaxed_madd").op("drop"));
    expect(mb.usesRelaxedSimd).toBe(true);
  });
});
