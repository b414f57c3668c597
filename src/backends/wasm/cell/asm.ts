/**
 * A small WebAssembly assembler for the cell's fused loops: a function body is written as
 * a sequence of typed method calls (a stack machine, as in the text format), and a module
 * is a list of such functions importing one memory. Only the instructions the cell kernels
 * use are here; each writes its opcode bytes (see the WebAssembly core spec §5.4 and the
 * SIMD proposal's opcode table).
 */

export type ValType = "i32" | "f32" | "v128";
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, v128: 0x7b };

/** Unsigned LEB128. */
export function uleb(n: number, out: number[] = []): number[] {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number, out: number[] = []): number[] {
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A local variable (parameters are locals 0…p−1). */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** SIMD opcodes (after the 0xFD prefix) of the f32x4 / v128 instructions used. */
const SIMD = {
  load: 0x00, load32_splat: 0x09, store: 0x0b, const: 0x0c,
  i32x4_splat: 0x11, f32x4_splat: 0x13, f32x4_extract_lane: 0x1f,
  f32x4_eq: 0x41, f32x4_ne: 0x42, f32x4_lt: 0x43, f32x4_gt: 0x44, f32x4_le: 0x45, f32x4_ge: 0x46,
  not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52,
  store32_lane: 0x5a, f32x4_nearest: 0x6a,
  i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad, i32x4_add: 0xae, i32x4_sub: 0xb1,
  f32x4_abs: 0xe0, f32x4_neg: 0xe1, f32x4_sqrt: 0xe3, f32x4_add: 0xe4, f32x4_sub: 0xe5, f32x4_mul: 0xe6,
  f32x4_div: 0xe7, f32x4_min: 0xe8, f32x4_max: 0xe9, f32x4_pmin: 0xea, f32x4_pmax: 0xeb,
  i32x4_trunc_sat_f32x4_s: 0xf8, f32x4_convert_i32x4_s: 0xfa,
} as const;
export type SimdOp = keyof typeof SIMD;

/** Scalar opcodes used. */
const OP = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f,
  call: 0x10, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, f32_load: 0x2a, f32_store: 0x38, i32_const: 0x41, f32_const: 0x43,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_gt_s: 0x4a, i32_le_s: 0x4c, i32_ge_s: 0x4e,
  f32_eq: 0x5b, f32_lt: 0x5d, f32_gt: 0x5e, f32_le: 0x5f, f32_ge: 0x60,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_and: 0x71, i32_or: 0x72, i32_shl: 0x74, i32_shr_s: 0x75,
  f32_abs: 0x8b, f32_neg: 0x8c, f32_sqrt: 0x91, f32_add: 0x92, f32_sub: 0x93, f32_mul: 0x94, f32_div: 0x95,
  f32_min: 0x96, f32_max: 0x97, f32_convert_i32_s: 0xb2,
} as const;
export type ScalarOp = keyof typeof OP;

/** One function's body being written. */
export class FunctionBody {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];
  readonly params: Local[];

  constructor(readonly name: string, readonly paramTypes: readonly ValType[]) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  /** A fresh local of a type. */
  local(type: ValType): Local {
    this.locals.push(type);
    return { index: this.paramTypes.length + this.locals.length - 1, type };
  }

  op(name: ScalarOp): this {
    this.bytes.push(OP[name]);
    return this;
  }
  simd(name: SimdOp): this {
    this.bytes.push(0xfd, ...uleb(SIMD[name]));
    return this;
  }
  get(l: Local): this {
    this.bytes.push(OP.local_get, ...uleb(l.index));
    return this;
  }
  set(l: Local): this {
    this.bytes.push(OP.local_set, ...uleb(l.index));
    return this;
  }
  tee(l: Local): this {
    this.bytes.push(OP.local_tee, ...uleb(l.index));
    return this;
  }
  i32(n: number): this {
    this.bytes.push(OP.i32_const, ...sleb(n));
    return this;
  }
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    this.bytes.push(OP.f32_const, ...b);
    return this;
  }
  /** A v128 constant of four equal f32 lanes. */
  f32x4(x: number): this {
    const b = new Uint8Array(new Float32Array([x, x, x, x]).buffer);
    this.bytes.push(0xfd, ...uleb(SIMD.const), ...b);
    return this;
  }
  /** A v128 constant of four equal i32 lanes. */
  i32x4(n: number): this {
    const b = new Uint8Array(new Int32Array([n, n, n, n]).buffer);
    this.bytes.push(0xfd, ...uleb(SIMD.const), ...b);
    return this;
  }
  /** Memory access with a static offset (alignment hint: natural for scalars, 4 bytes for vectors). */
  mem(name: "f32_load" | "f32_store" | "i32_load", offset = 0): this {
    this.bytes.push(OP[name], 2, ...uleb(offset));
    return this;
  }
  vmem(name: "load" | "store" | "load32_splat", offset = 0): this {
    this.bytes.push(0xfd, ...uleb(SIMD[name]), 2, ...uleb(offset));
    return this;
  }
  /** Stores lane 0 of a vector as one f32 (the scalar tail of a loop). */
  storeLane0(offset = 0): this {
    this.bytes.push(0xfd, ...uleb(SIMD.store32_lane), 2, ...uleb(offset), 0);
    return this;
  }
  extractLane(lane: number): this {
    this.bytes.push(0xfd, ...uleb(SIMD.f32x4_extract_lane), lane);
    return this;
  }
  /** `block`/`loop`/`if` with no result; `body` writes the inside. */
  block(body: () => void): this {
    this.bytes.push(OP.block, 0x40);
    body();
    return this.op("end");
  }
  loop(body: () => void): this {
    this.bytes.push(OP.loop, 0x40);
    body();
    return this.op("end");
  }
  if(then: () => void, otherwise?: () => void): this {
    this.bytes.push(OP.if, 0x40);
    then();
    if (otherwise) {
      this.op("else");
      otherwise();
    }
    return this.op("end");
  }
  /** `if` with a result: the condition is on the stack; both arms push one value. */
  ifValue(type: ValType, then: () => void, otherwise: () => void): this {
    this.bytes.push(OP.if, VALTYPE[type]);
    then();
    this.op("else");
    otherwise();
    return this.op("end");
  }
  br(depth: number): this {
    this.bytes.push(OP.br, ...uleb(depth));
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(OP.br_if, ...uleb(depth));
    return this;
  }
  call(index: number): this {
    this.bytes.push(OP.call, ...uleb(index));
    return this;
  }

  /**
   * `for (i = from; i < end; i += step) body` where from/end are pushed by the callers'
   * closures; written as block { loop { br_if exit; body; i += step; br loop } }.
   */
  forLoop(i: Local, end: Local, step: number, body: () => void): this {
    return this.block(() =>
      this.loop(() => {
        this.get(i).get(end).op("i32_ge_s").brIf(1);
        body();
        this.get(i).i32(step).op("i32_add").set(i).br(0);
      }),
    );
  }

  /** The function's code entry: locals (run-length grouped) and the body. */
  encode(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), VALTYPE[t]]), ...this.bytes, OP.end];
    return [...uleb(body.length), ...body];
  }
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/**
 * A module of functions (no results; i32/f32 params) importing `env.memory`, shared when
 * `shared` (threads) with the given maximum pages. Every function is exported by name.
 */
export function encodeModule(functions: readonly FunctionBody[], memory: { shared: boolean; maxPages: number }): Uint8Array {
  const typeKeys: string[] = [];
  const typeOf = functions.map((f) => {
    const key = f.paramTypes.join(",");
    let i = typeKeys.indexOf(key);
    if (i < 0) i = typeKeys.push(key) - 1;
    return i;
  });
  const types = typeKeys.map((k) => {
    const ps = k === "" ? [] : (k.split(",") as ValType[]);
    return [0x60, ...uleb(ps.length), ...ps.map((t) => VALTYPE[t]), 0];
  });
  const limits = memory.shared ? [0x03, ...uleb(1), ...uleb(memory.maxPages)] : [0x01, ...uleb(1), ...uleb(memory.maxPages)];
  const imports = vec([[...utf8("env"), ...utf8("memory"), 0x02, ...limits]]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, [...uleb(functions.length), ...typeOf.flatMap((t) => uleb(t))]),
    ...section(7, vec(functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map((f) => f.encode()))),
  ];
  return Uint8Array.from(bytes);
}
