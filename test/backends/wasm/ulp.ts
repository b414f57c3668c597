// Measures the max ulp error of the wasm vector math against float64 Math over every float32 binade.
import { vmapName, type VMathOp } from "../../../src/backends/wasm/vmap.js";
import { harness } from "./harness.js";

const FLT_MAX = 3.4028234663852886e38;
let h: ReturnType<typeof harness> | undefined;

/** Runs f32_v<op> over xs (in place in wasm memory); returns the results. */
export function apply(op: VMathOp, xs: Float32Array): Float32Array {
  h ??= harness(1024);
  const out = new Float32Array(xs.length);
  const CHUNK = 1 << 22; // 16 MiB at a time
  for (let i = 0; i < xs.length; i += CHUNK) {
    const part = xs.subarray(i, i + CHUNK);
    h.reset();
    const at = h.put(part);
    h.exports[vmapName(op)]!(4 * at, 4 * at, part.length);
    out.set(h.f32().subarray(at, at + part.length), i);
  }
  return out;
}
/** Every binade of float32 (subnormals included), both signs, `per` evenly spaced significands each. */
function sweep(per: number): Float32Array {
  const bits = new Uint32Array(2 * 255 * per + 8);
  let i = 0;
  for (const sign of [0, 0x80000000]) for (let e = 0; e < 255; e++) for (let s = 0; s < per; s++) {
    bits[i++] = (sign | (e << 23) | Math.floor((s * 0x7fffff) / (per - 1))) >>> 0;
  }
  bits.set([0x7f800000, 0xff800000, 0x7fc00000, 0, 0x80000000, 1, 0x80000001, 0x7f7fffff], i);
  return new Float32Array(bits.buffer);
}

function ulpOf(y: number): number {
  const a = Math.abs(y);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Max error in ulps of the float32-rounded reference; special values must match exactly. */
export function maxUlp(op: VMathOp, ref: (x: number) => number, per: number): { max: number; at: number } {
  const xs = sweep(per);
  const got = apply(op, xs);
  let max = 0, at = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!, y = got[i]!, r = ref(x), rf = Math.fround(r);
    if (Number.isNaN(rf)) {
      if (!Number.isNaN(y)) throw new Error(`${op}(${x}) = ${y}, want NaN`);
      continue;
    }
    let err: number;
    if (!Number.isFinite(rf) || !Number.isFinite(y)) {
      if (Object.is(y, rf)) continue;
      // the largest float beside an overflowing reference is one ulp off
      if (Math.abs(y) === FLT_MAX && Math.abs(r) < FLT_MAX * (1 + 2 ** -23)) err = 1;
      else throw new Error(`${op}(${x}) = ${y}, want ${rf}`);
    } else err = Math.abs(y - r) / ulpOf(rf);
    if (err > max) (max = err), (at = x);
  }
  return { max, at };
}

export const log1p = (x: number) => Math.log1p(x);
export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
