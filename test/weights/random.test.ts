import { describe, expect, it } from "vitest";
import {
  constExprToString,
  createRng,
  deterministicLog,
  deterministicSinCos2Pi,
  evaluateConstExpr,
  glorotFans,
  glorotLimit,
  initParam,
  initParams,
  nextFloat64,
  nextNormal,
  nextUint32,
  type InitConstExpr,
  type InitParamSpec,
} from "../../src/runtime/random.js";
import { errorOf } from "./bytes.js";

/*
 * Reference values below were computed once with /usr/bin/python3 from this script, written from
 * the published C definitions (not from random.ts). Integer outputs and uniform doubles must match
 * exactly; normals within 1e-14, because Python uses the C library's log/cos/sin and random.ts its
 * own (both are accurate to a few ulp, neither is correctly rounded).
 *
 *   import math
 *   M64, M32 = (1 << 64) - 1, (1 << 32) - 1
 *   def splitmix64(x):                       # https://prng.di.unimi.it/splitmix64.c
 *       x = (x + 0x9E3779B97F4A7C15) & M64
 *       z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
 *       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
 *       return x, z ^ (z >> 31)
 *   def rotl(x, k): return ((x << k) | (x >> (32 - k))) & M32
 *   class Xoshiro128ss:                      # https://prng.di.unimi.it/xoshiro128starstar.c
 *       def __init__(self, seed):
 *           x, a = splitmix64(seed & M64); x, b = splitmix64(x)
 *           self.s = [a & M32, a >> 32, b & M32, b >> 32]
 *       def next(self):
 *           s = self.s; r = (rotl((s[1] * 5) & M32, 7) * 9) & M32; t = (s[1] << 9) & M32
 *           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11)
 *           return r
 *       def float53(self): return ((self.next() >> 5) * 67108864 + (self.next() >> 6)) / 2.0**53
 *       def normals(self):
 *           u1 = 1.0 - self.float53(); u2 = self.float53(); r = math.sqrt(-2.0 * math.log(u1))
 *           return [r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)]
 *   for seed in (0, 42, -1, 2**53 - 1):
 *       g = Xoshiro128ss(seed); print(seed, list(g.s), [g.next() for _ in range(8)])
 *   g = Xoshiro128ss(42); print([g.float53() for _ in range(4)])
 *   g = Xoshiro128ss(42); print(g.normals() + g.normals() + g.normals())
 *   g = Xoshiro128ss(5)   # initParams: W [2,3] glorot, b [3] uniform(-1/sqrt(H), 1/sqrt(H)), n [3] normal(0.5, 2)
 *   lim = math.sqrt(6 / (3 + 2)); print([-lim + (lim - -lim) * g.float53() for _ in range(6)])
 *   lo, hi = -1 / math.sqrt(3), 1 / math.sqrt(3); print([lo + (hi - lo) * g.float53() for _ in range(3)])
 *   z = g.normals() + g.normals(); print([0.5 + 2 * v for v in z[:3]])
 */
const PINNED: ReadonlyArray<[number, number[], number[]]> = [
  [0, [2065550767, 3793791033, 2713282036, 1853398634], [3737715805, 2584255861, 2876756834, 3286328325, 1553311962, 1625202774, 3260698944, 2754151956]],
  [42, [803958421, 3184996902, 2993090819, 686809907], [1776835114, 4165204688, 17111135, 2317295270, 2792088233, 2554630222, 2940343271, 2244566231]],
  [-1, [459615264, 3839455607, 3690365641, 3919575143], [477689756, 2493998634, 555695776, 607808419, 61340979, 301466976, 2478485284, 2565876330]],
  [2 ** 53 - 1, [4021704095, 616124332, 3074421144, 818148089], [1233166643, 1287031142, 661813442, 2960669951, 2601079046, 1036114921, 2300589652, 2591400186]],
];

const num = (value: number): InitConstExpr => ({ kind: "num", value });
const dim = (name: string): InitConstExpr => ({ kind: "dim", name });
const bin = (op: "+" | "-" | "*" | "/", left: InitConstExpr, right: InitConstExpr): InitConstExpr => ({ kind: "bin", op, left, right });
const neg = (operand: InitConstExpr): InitConstExpr => ({ kind: "neg", operand });
const sqrt = (operand: InitConstExpr): InitConstExpr => ({ kind: "sqrt", operand });
/** PyTorch's RNN default bound, 1/sqrt(H), and its negation. */
const K = bin("/", num(1), sqrt(dim("H")));
const MINUS_K = bin("/", neg(num(1)), sqrt(dim("H")));

describe("xoshiro128** seeded by splitmix64", () => {
  it("seeds the state from splitmix64: seed 0 gives the well-known first output 0xe220a8397b1dcdaf", () => {
    const rng = createRng(0);
    expect([rng.s1, rng.s0]).toEqual([0xe220a839, 0x7b1dcdaf]);
  });

  it.each(PINNED)("seed %d: state and first 8 outputs equal the Python reference", (seed, state, outputs) => {
    const rng = createRng(seed);
    expect([rng.s0, rng.s1, rng.s2, rng.s3]).toEqual(state);
    expect(Array.from({ length: 8 }, () => nextUint32(rng))).toEqual(outputs);
  });

  it("uniform doubles take 53 bits from two outputs and equal the reference exactly", () => {
    const rng = createRng(42);
    expect(Array.from({ length: 4 }, () => nextFloat64(rng))).toEqual([
      0.4137016681565887, 0.003983993377814743, 0.6500837027638867, 0.6846020186141416,
    ]);
  });

  it("normals by Box–Muller, in (cos, sin) pairs, match the reference within 1e-14", () => {
    const rng = createRng(42);
    const expected = [
      1.0330460074021803, 0.025864784484702003, -0.5788627332356062, -1.3285482843233385, -0.16271498423587358,
      -1.877516863749549,
    ];
    const got = Array.from({ length: 6 }, () => nextNormal(rng));
    got.forEach((z, i) => expect(Math.abs(z - expected[i]!)).toBeLessThan(1e-14));
  });

  it("refuses a seed that is not a safe integer", () => {
    expect(errorOf(() => createRng(1.5))).toBe("seed must be an integer between -(2^53 - 1) and 2^53 - 1, found 1.5");
    expect(errorOf(() => createRng(Number.NaN))).toBe("seed must be an integer between -(2^53 - 1) and 2^53 - 1, found NaN");
  });

  it("keeps uniform draws in [0, 1) on the 2^-53 grid, with mean 1/2 and variance 1/12 over 100k draws", () => {
    const rng = createRng(7);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let offGrid = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = nextFloat64(rng);
      if (!(u >= 0 && u < 1)) outOfRange++;
      if (!Number.isInteger(u * 2 ** 53)) offGrid++;
      sum += u;
      sumSq += u * u;
    }
    expect(outOfRange).toBe(0);
    expect(offGrid).toBe(0);
    // Standard error of the mean is sqrt(1/12/n) = 0.00091; allow 5 of them.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(sumSq / n - (sum / n) ** 2 - 1 / 12)).toBeLessThan(0.002);
  });

  it("gives normals with mean 0 and standard deviation 1 over 100k draws", () => {
    const rng = createRng(11);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let withinOne = 0;
    for (let i = 0; i < n; i++) {
      const z = nextNormal(rng);
      sum += z;
      sumSq += z * z;
      if (Math.abs(z) < 1) withinOne++;
    }
    const mean = sum / n;
    const std = Math.sqrt(sumSq / n - mean * mean);
    // Standard errors: mean 1/sqrt(n) = 0.0032, std 1/sqrt(2n) = 0.0022, P(|z|<1) 0.0015; 5 of each.
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(std - 1)).toBeLessThan(0.011);
    expect(Math.abs(withinOne / n - 0.6826894921370859)).toBeLessThan(0.0074);
  });
});

describe("engine-independent log, sin and cos", () => {
  it("log agrees with Math.log to 1e-15 relative over 40 decades, including subnormals", () => {
    const rng = createRng(3);
    let worst = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = (1 - nextFloat64(rng)) * 10 ** (40 * nextFloat64(rng) - 20);
      worst = Math.max(worst, Math.abs(deterministicLog(x) - Math.log(x)) / Math.abs(Math.log(x)));
    }
    expect(worst).toBeLessThan(1e-15);
    expect(deterministicLog(1)).toBe(0);
    expect(Math.abs(deterministicLog(5e-324) - -744.4400719213812)).toBeLessThan(1e-12);
    expect(Math.abs(deterministicLog(2 ** 1000) - 1000 * Math.LN2)).toBeLessThan(1e-12);
    expect(errorOf(() => deterministicLog(0))).toBe("deterministicLog needs a positive finite number, found 0");
  });

  it("sin and cos of 2πu agree with Math to 2e-15 and are exact at the quarter turns", () => {
    const rng = createRng(4);
    let worst = 0;
    let worstPythagoras = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = nextFloat64(rng);
      const [s, c] = deterministicSinCos2Pi(u);
      worst = Math.max(worst, Math.abs(s - Math.sin(2 * Math.PI * u)), Math.abs(c - Math.cos(2 * Math.PI * u)));
      worstPythagoras = Math.max(worstPythagoras, Math.abs(s * s + c * c - 1));
    }
    expect(worst).toBeLessThan(2e-15);
    expect(worstPythagoras).toBeLessThan(1e-15);
    expect([0, 0.25, 0.5, 0.75].map((u) => deterministicSinCos2Pi(u).map((v) => v + 0))).toEqual([
      [0, 1],
      [1, 0],
      [0, -1],
      [-1, 0],
    ]);
    expect(deterministicSinCos2Pi(0.125)).toEqual([Math.SQRT1_2, Math.SQRT1_2].map((v) => expect.closeTo(v, 15)));
  });
});

describe("constant expressions", () => {
  it("evaluates numbers, dimensions, + - * /, negation and sqrt", () => {
    expect(evaluateConstExpr(K, { H: 4 })).toBe(0.5);
    expect(evaluateConstExpr(MINUS_K, { H: 16 })).toBe(-0.25);
    expect(evaluateConstExpr(bin("-", bin("*", num(2), dim("H")), bin("+", dim("E"), num(1))), { H: 5, E: 3 })).toBe(6);
  });

  it("prints with only the parentheses the meaning needs", () => {
    expect(constExprToString(MINUS_K)).toBe("-1 / sqrt(H)");
    expect(constExprToString(bin("*", bin("+", dim("H"), num(1)), num(2)))).toBe("(H + 1) * 2");
    expect(constExprToString(bin("-", dim("H"), bin("-", dim("E"), num(1))))).toBe("H - (E - 1)");
    expect(constExprToString(bin("-", bin("-", dim("H"), dim("E")), num(1)))).toBe("H - E - 1");
    expect(constExprToString(bin("/", num(1), bin("*", dim("H"), dim("E"))))).toBe("1 / (H * E)");
    expect(constExprToString(neg(bin("+", dim("H"), num(1))))).toBe("-(H + 1)");
  });

  it("names a dimension that has no value, and the ones that do", () => {
    expect(errorOf(() => evaluateConstExpr(K, { E: 3, I: 2 }))).toBe("dimension H has no value (known dimensions: E, I)");
  });
});

describe("Glorot", () => {
  it("uses fan_out = rows and fan_in = cols for a matrix, the length for a vector, 1 for a scalar", () => {
    expect(glorotFans([4, 6])).toEqual({ fanIn: 6, fanOut: 4 });
    expect(glorotLimit([4, 6])).toBe(Math.sqrt(6 / 10));
    expect(glorotFans([5])).toEqual({ fanIn: 5, fanOut: 5 });
    expect(glorotLimit([12])).toBe(0.5); // sqrt(6 / 24)
    expect(glorotLimit([])).toBe(Math.sqrt(3));
    expect(glorotFans([2, 3, 4])).toEqual({ fanIn: 12, fanOut: 8 });
  });

  it("draws uniformly within ±limit, with the variance limit²/3 of that uniform", () => {
    const values = initParam({ kind: "glorot" }, [200, 300], {}, createRng(9));
    const limit = Math.sqrt(6 / 500);
    expect(values.every((v) => v >= -limit && v <= limit)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(5 * limit * Math.sqrt(1 / 3 / values.length));
    expect(Math.abs(variance / (limit * limit / 3) - 1)).toBeLessThan(0.02);
  });

  it("draws nothing for an empty param (the fans would be 0)", () => {
    const rng = createRng(1);
    expect(initParam({ kind: "glorot" }, [0, 5], {}, rng).length).toBe(0);
    expect(nextUint32(rng)).toBe(nextUint32(createRng(1))); // the stream did not move
  });
});

describe("initParams", () => {
  const specs: InitParamSpec[] = [
    { name: "W", shape: [2, 3], init: { kind: "glorot" } },
    { name: "b", shape: [3], init: { kind: "uniform", low: MINUS_K, high: K } },
    { name: "n", shape: [3], init: { kind: "normal", mean: num(0.5), std: num(2) } },
    { name: "c", shape: [2], init: { kind: "const", value: bin("/", num(1), dim("H")) } },
  ];

  it("consumes one stream in the order given and matches the Python reference", () => {
    const p = initParams(specs, { H: 3 }, 5, "float64");
    expect(Object.keys(p)).toEqual(["W", "b", "n", "c"]);
    expect(Array.from(p.W!)).toEqual([
      0.6220906996188833, 0.4841727863027596, 0.4043731649100639, 0.8433350533268997, -0.007087370195300036,
      0.9294671503546099,
    ]);
    expect(Array.from(p.b!)).toEqual([0.1264415455275999, -0.43082844416425625, 0.33120130536676984]);
    [-0.9942009806847834, 5.360421271234929, 0.4660480603664758].forEach((v, i) =>
      expect(Math.abs(p.n![i]! - v)).toBeLessThan(1e-13),
    );
    expect(Array.from(p.c!)).toEqual([1 / 3, 1 / 3]);
  });

  it("is a pure function of (specs, dims, seed, dtype), and float32 is the rounded float64", () => {
    const a = initParams(specs, { H: 3 }, 5, "float64");
    expect(initParams(specs, { H: 3 }, 5, "float64")).toEqual(a);
    const f = initParams(specs, { H: 3 }, 5, "float32");
    for (const name of Object.keys(a)) {
      expect(f[name]).toBeInstanceOf(Float32Array);
      expect(Array.from(f[name]!)).toEqual(Array.from(a[name]!, Math.fround));
    }
    expect(Array.from(initParams(specs, { H: 3 }, 6, "float64").W!)).not.toEqual(Array.from(a.W!));
  });

  it("keeps uniform values within [low, high]", () => {
    const v = initParam({ kind: "uniform", low: num(-0.1), high: num(0.3) }, [10_000], {}, createRng(2));
    expect(v.every((x) => x >= -0.1 && x <= 0.3)).toBe(true);
    expect(Math.min(...v)).toBeLessThan(-0.09);
    expect(Math.max(...v)).toBeGreaterThan(0.29);
  });

  it("names the param and the expression when a bound is not finite", () => {
    const bad: InitParamSpec[] = [{ name: "W_hh", shape: [2, 2], init: { kind: "uniform", low: MINUS_K, high: K } }];
    expect(errorOf(() => initParams(bad, { H: 0 }, 1, "float32"))).toBe(
      'param "W_hh": uniform(low, high): low = -1 / sqrt(H) evaluates to -Infinity with H = 0; it must be a finite number',
    );
    const nan: InitParamSpec[] = [{ name: "x", shape: [1], init: { kind: "const", value: sqrt(neg(dim("H"))) } }];
    expect(errorOf(() => initParams(nan, { H: 4 }, 1, "float32"))).toBe(
      'param "x": const value = sqrt(-H) evaluates to NaN with H = 4; it must be a finite number',
    );
  });

  it("refuses a negative standard deviation and low > high", () => {
    const std: InitParamSpec[] = [{ name: "W", shape: [1], init: { kind: "normal", mean: num(0), std: bin("-", num(1), dim("H")) } }];
    expect(errorOf(() => initParams(std, { H: 3 }, 1, "float64"))).toBe(
      'param "W": normal(mean, std): std = 1 - H evaluates to -2; it must be ≥ 0',
    );
    const swapped: InitParamSpec[] = [{ name: "b", shape: [1], init: { kind: "uniform", low: K, high: MINUS_K } }];
    expect(errorOf(() => initParams(swapped, { H: 4 }, 1, "float64"))).toBe(
      'param "b": uniform(low, high) needs low ≤ high, found low = 1 / sqrt(H) = 0.5 and high = -1 / sqrt(H) = -0.5',
    );
  });

  it("refuses a missing dimension, a bad shape and a duplicate name", () => {
    expect(errorOf(() => initParams([specs[1]!], {}, 1, "float64"))).toBe(
      'param "b": dimension H has no value (known dimensions: none)',
    );
    expect(errorOf(() => initParams([{ name: "W", shape: [2, -1], init: { kind: "glorot" } }], {}, 1, "float64"))).toBe(
      'param "W": shape [2, -1] must hold non-negative integers, found -1',
    );
    expect(errorOf(() => initParams([specs[0]!, specs[0]!], {}, 1, "float64"))).toBe('param "W" is listed twice');
  });
});
