import { describe, expect, it } from "vitest";
import { ModuleBuilder, ValType, type FunctionBuilder } from "../../../src/backends/wasm/encoder.js";
import type { VecMath } from "../../../src/backends/wasm/vmath.js";
import { addLoop, type Expr, type LoopSpec } from "../../../src/backends/ts/wasm/loops.js";
import { values } from "./harness.js";

// A cell's fused loop: rows × n elements, two vectors per iteration while eight remain, then one,
// then a scalar tail. Every element must come out the same whichever of the three computes it,
// and a row's reduction must not depend on how its elements were grouped.

const unary = (fn: "tanh" | "sigmoid") => (f: FunctionBuilder, vm: VecMath, [x]: readonly number[]) => {
  const out = f.local(ValType.v128);
  vm[fn](x!, out);
  f.get(out);
};
const binary = (op: "f32x4.mul" | "f32x4.add") => (f: FunctionBuilder, _: VecMath, [a, b]: readonly number[]) => void f.get(a!).get(b!).simd(op);
const apply = (emit: (f: FunctionBuilder, vm: VecMath, args: readonly number[]) => void, ...args: Expr[]): Expr => ({ kind: "apply", emit, args });

// s = sigmoid(a); y = tanh(b · s) + s; sum over the row of y (a GRU-like chain: one value feeds the next).
const SPEC: LoopSpec = {
  name: "chain",
  streams: 5,
  i32Params: 0,
  f32Params: 0,
  sinks: [
    { kind: "store", id: 0, stream: 2, expr: apply(unary("sigmoid"), { kind: "load", stream: 0 }) },
    { kind: "store", id: 1, stream: 3, expr: apply(binary("f32x4.add"), apply(unary("tanh"), apply(binary("f32x4.mul"), { kind: "load", stream: 1 }, { kind: "member", id: 0 })), { kind: "member", id: 0 }) },
    { kind: "reduce", op: "sum", stream: 4, expr: { kind: "member", id: 1 } },
  ],
};

function instantiate() {
  const mb = new ModuleBuilder({ memory: { min: 4 } });
  addLoop(mb, SPEC);
  const memory = new WebAssembly.Memory({ initial: 4 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), { env: { memory } });
  return { memory, chain: inst.exports.chain as (...args: number[]) => void };
}

/** Runs the loop over `rows` rows of n elements (row stride n + 3, so rows start misaligned); returns s, y, sums. */
function run(a: Float32Array, b: Float32Array, rows: number, n: number) {
  const { memory, chain } = instantiate();
  const f32 = new Float32Array(memory.buffer);
  const stride = n + 3;
  const [A, Bp, S, Y, R] = [16, 16 + rows * stride, 16 + 2 * rows * stride, 16 + 3 * rows * stride, 16 + 4 * rows * stride];
  for (let r = 0; r < rows; r++) {
    f32.set(a.subarray(r * n, (r + 1) * n), A + r * stride);
    f32.set(b.subarray(r * n, (r + 1) * n), Bp + r * stride);
  }
  const streams = [A, Bp, S, Y].flatMap((p) => [4 * p, 4 * stride]);
  chain(n, ...streams, 4 * R, 4, 0, rows);
  const rowsOf = (p: number) => Float32Array.from({ length: rows * n }, (_, i) => f32[p + Math.floor(i / n) * stride + (i % n)]!);
  return { s: rowsOf(S), y: rowsOf(Y), sums: f32.slice(R, R + rows) };
}

describe("a fused loop over rows of n elements", () => {
  it("gives every element the same bits whether two vectors, one vector or the scalar tail computes it", () => {
    for (const n of [1, 3, 4, 7, 8, 9, 12, 13, 16, 21, 33]) {
      const rows = 3;
      const a = values(rows * n, n).map((v) => 6 * v);
      const b = values(rows * n, 100 + n).map((v) => 4 * v);
      const all = run(a, b, rows, n);
      for (let i = 0; i < rows * n; i++) {
        const one = run(a.subarray(i, i + 1), b.subarray(i, i + 1), 1, 1); // the scalar tail alone
        expect(all.s[i], `n ${n}, element ${i}`).toBe(one.s[0]);
        expect(all.y[i], `n ${n}, element ${i}`).toBe(one.y[0]);
      }
      // Against float64 math (the vector math is within a few ulps), and each row's sum.
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = 0; j < n; j++) {
          const i = r * n + j;
          const s = 1 / (1 + Math.exp(-a[i]!));
          const y = Math.tanh(b[i]! * all.s[i]!) + all.s[i]!;
          expect(Math.abs(all.s[i]! - s)).toBeLessThan(2e-7);
          expect(Math.abs(all.y[i]! - y)).toBeLessThan(1e-6);
          sum += all.y[i]!;
        }
        expect(Math.abs(all.sums[r]! - sum)).toBeLessThan(1e-5 * n);
      }
    }
  });
});
