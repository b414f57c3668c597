/**
 * A small WebAssembly binary encoder: rnnc writes its kernels as bytes, with no toolchain.
 *
 * How to build a module and a function:
 * ```ts
 * const mb = new ModuleBuilder({ memory: { min: 1, max: 256, shared: true } }); // imports env.memory
 * const scale = mb.func("f32_scale", [ValType.i32, ValType.i32, ValType.f32], [], (f) => {
 *   const [ptr, n, s] = f.params;                       // params are locals 0..k-1
 *   const end = f.local(ValType.i32);                   // more locals, any type
 *   f.get(ptr).get(n).i32c(4).op("i32.mul").op("i32.add").set(end);
 *   f.loop((top) => {                                   // labels, not depths: br(top) continues
 *     f.get(ptr).get(ptr).simdMem("v128.load").get(s).simd("f32x4.splat").simd("f32x4.mul")
 *      .simdMem("v128.store");
 *     f.get(ptr).i32c(16).op("i32.add").tee(ptr).get(end).op("i32.lt_u").brIf(top);
 *   });
 * });
 * mb.export("f32_scale", scale);                        // exports by function index
 * const bytes = mb.build();                             // Uint8Array; deterministic
 * new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
 * ```
 * Every op method pushes bytes and returns the builder (stack code, as in the text format).
 * `memory.shared` needs `max`. `f.relaxed(...)` marks the module as using relaxed SIMD
 * (`ModuleBuilder.usesRelaxedSimd`); the default kernels never call it.
 */
import {
  CORE, CORE_MEM, RELAXED, SIMD, SIMD_LANE, SIMD_MEM, SIMD_MEM_LANE, ValType,
  type CoreMemOp, type CoreOp, type RelaxedOp, type SimdLaneOp, type SimdMemLaneOp, type SimdMemOp, type SimdOp,
} from "./opcodes.js";

export { ValType } from "./opcodes.js";

/** A growable byte buffer with the LEB128 and IEEE writers of the binary format (§5.2). */
export class Bytes {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b & 0xff;
    return this;
  }
  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]!);
    return this;
  }
  /** Unsigned LEB128 (u32). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`u32 out of range: ${v}`);
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }
  /** Signed LEB128 (i32). */
  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new Error(`i32 out of range: ${v}`);
    v |= 0; // values above 2^31 are written as their two's-complement i32
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }
  f32(x: number): this {
    const a = new Uint8Array(new Float32Array([x]).buffer);
    return this.bytes(a);
  }
  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).bytes(utf8);
  }
  /** A length-prefixed copy of another buffer (a section or function body). */
  sized(inner: Bytes): this {
    return this.u32(inner.length).bytes(inner.view());
  }
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }
}

/** Local indices from `FunctionBuilder.locals` (typed as 16 so they destructure; only n exist). */
export type Locals = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** A branch target: a block (br exits it) or a loop (br continues it). */
export interface Label {
  readonly depth: number;
}

/** Builds one function body. Params are locals 0..k-1; `local()` adds more. */
export class FunctionBuilder {
  readonly params: readonly number[];
  private readonly localTypes: ValType[] = [];
  readonly code = new Bytes();
  private depth = 0;

  constructor(
    paramTypes: readonly ValType[],
    private readonly onRelaxed: () => void,
  ) {
    this.params = paramTypes.map((_, i) => i);
    this.firstLocal = paramTypes.length;
  }
  private readonly firstLocal: number;

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.firstLocal + this.localTypes.length - 1;
  }
  /** `n` (≤ 16) new locals of `type`, to destructure: `const [i, j] = f.locals(ValType.i32, 2)`. */
  locals(type: ValType, n: number): Locals {
    if (n > 16) throw new Error("locals(): at most 16 at a time");
    return Array.from({ length: n }, () => this.local(type)) as number[] as Locals;
  }

  get(l: number): this { this.code.byte(0x20).u32(l); return this; }
  set(l: number): this { this.code.byte(0x21).u32(l); return this; }
  tee(l: number): this { this.code.byte(0x22).u32(l); return this; }

  i32c(v: number): this { this.code.byte(0x41).s32(v); return this; }
  f32c(x: number): this { this.code.byte(0x43).f32(x); return this; }
  /** v128.const from four f32 lanes. */
  f32x4c(a: number, b = a, c = a, d = a): this {
    this.code.byte(0xfd).u32(0x0c);
    for (const x of [a, b, c, d]) this.code.f32(x);
    return this;
  }
  /** v128.const from four i32 lanes. */
  i32x4c(a: number, b = a, c = a, d = a): this {
    const lanes = new Uint8Array(new Int32Array([a, b, c, d]).buffer);
    this.code.byte(0xfd).u32(0x0c).bytes(lanes);
    return this;
  }

  op(o: CoreOp): this { this.code.byte(CORE[o]); return this; }
  simd(o: SimdOp): this { this.code.byte(0xfd).u32(SIMD[o]); return this; }
  relaxed(o: RelaxedOp): this {
    this.onRelaxed();
    this.code.byte(0xfd).u32(RELAXED[o]);
    return this;
  }
  /** A core load/store; `offset` in bytes; alignment defaults to natural. */
  mem(o: CoreMemOp, offset = 0, alignLog2?: number): this {
    const [code, natural] = CORE_MEM[o];
    this.code.byte(code).u32(alignLog2 ?? natural).u32(offset);
    return this;
  }
  simdMem(o: SimdMemOp, offset = 0, alignLog2?: number): this {
    const [code, natural] = SIMD_MEM[o];
    this.code.byte(0xfd).u32(code).u32(alignLog2 ?? natural).u32(offset);
    return this;
  }
  lane(o: SimdLaneOp, lane: number): this {
    const [code, lanes] = SIMD_LANE[o];
    if (lane < 0 || lane >= lanes) throw new Error(`${o}: lane ${lane} out of range`);
    this.code.byte(0xfd).u32(code).byte(lane);
    return this;
  }
  memLane(o: SimdMemLaneOp, offset: number, lane: number): this {
    const [code, natural] = SIMD_MEM_LANE[o];
    this.code.byte(0xfd).u32(code).u32(natural).u32(offset).byte(lane);
    return this;
  }
  /** i8x16.shuffle with 16 byte-lane indices (0–31). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new Error("i8x16.shuffle takes 16 lane indices");
    this.code.byte(0xfd).u32(0x0d).bytes(lanes);
    return this;
  }
  /** Broadcasts f32 lane `l` of the v128 on the stack to all four lanes. */
  splatLane(l: number): this {
    const b = [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3];
    return this.shuffle([...b, ...b, ...b, ...b]);
  }

  private structured(opcode: number, result: ValType | undefined, body: (l: Label) => void): this {
    this.code.byte(opcode).byte(result ?? 0x40);
    const label = { depth: ++this.depth };
    body(label);
    this.code.byte(0x0b);
    this.depth--;
    return this;
  }
  block(body: (exit: Label) => void, result?: ValType): this { return this.structured(0x02, result, body); }
  loop(body: (top: Label) => void, result?: ValType): this { return this.structured(0x03, result, body); }
  /** if/else on the i32 on the stack. */
  if(then: () => void, otherwise?: () => void, result?: ValType): this {
    this.code.byte(0x04).byte(result ?? 0x40);
    this.depth++;
    then();
    if (otherwise !== undefined) {
      this.code.byte(0x05);
      otherwise();
    }
    this.code.byte(0x0b);
    this.depth--;
    return this;
  }
  private rel(l: Label): number {
    if (l.depth > this.depth) throw new Error("branch to a label that is no longer open");
    return this.depth - l.depth;
  }
  br(l: Label): this { this.code.byte(0x0c).u32(this.rel(l)); return this; }
  brIf(l: Label): this { this.code.byte(0x0d).u32(this.rel(l)); return this; }
  call(funcIndex: number): this { this.code.byte(0x10).u32(funcIndex); return this; }

  /** The function body: locals (run-length grouped) then code then `end`. */
  body(): Bytes {
    const out = new Bytes();
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    out.u32(groups.length);
    for (const [n, t] of groups) out.u32(n).byte(t);
    out.bytes(this.code.view()).byte(0x0b);
    return out;
  }
}

export interface MemoryImport {
  /** Pages of 64 KiB. */
  readonly min: number;
  readonly max?: number;
  /** A shared memory (threads); needs `max`. */
  readonly shared?: boolean;
  /** Import names; default `env`.`memory`. */
  readonly module?: string;
  readonly name?: string;
}

interface FuncEntry {
  readonly name: string;
  readonly type: number;
  readonly body: Bytes;
}

/** Builds a module that imports its memory and defines and exports functions. */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly funcs: FuncEntry[] = [];
  private readonly exports: [string, number][] = [];
  private relaxedUsed = false;

  constructor(readonly options: { readonly memory: MemoryImport }) {
    const m = options.memory;
    if (m.shared && m.max === undefined) throw new Error("a shared memory needs a maximum size");
  }

  get usesRelaxedSimd(): boolean {
    return this.relaxedUsed;
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}:${results.join(",")}`;
    let i = this.types.indexOf(key);
    if (i < 0) i = this.types.push(key) - 1;
    return i;
  }

  /** Defines a function (its name goes in the name section); returns its function index. */
  func(name: string, params: readonly ValType[], results: readonly ValType[], body: (f: FunctionBuilder) => void): number {
    const f = new FunctionBuilder(params, () => (this.relaxedUsed = true));
    body(f);
    return this.funcs.push({ name, type: this.typeIndex(params, results), body: f.body() }) - 1;
  }

  export(name: string, funcIndex: number): this {
    if (this.exports.some(([n]) => n === name)) throw new Error(`export ${name} defined twice`);
    this.exports.push([name, funcIndex]);
    return this;
  }

  /** The function index of an export added earlier (to call it from another function). */
  exported(name: string): number {
    const e = this.exports.find(([n]) => n === name);
    if (e === undefined) throw new Error(`internal: no export ${name}`);
    return e[1];
  }

  build(): Uint8Array<ArrayBuffer> {
    const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (s: Bytes) => void) => {
      const s = new Bytes();
      fill(s);
      out.byte(id).sized(s);
    };
    section(1, (s) => {
      s.u32(this.types.length);
      for (const key of this.types) {
        const [p, r] = key.split(":").map((x) => (x === "" ? [] : x.split(",").map(Number)));
        s.byte(0x60).u32(p!.length).bytes(p!).u32(r!.length).bytes(r!);
      }
    });
    section(2, (s) => {
      const m = this.options.memory;
      s.u32(1).name(m.module ?? "env").name(m.name ?? "memory").byte(0x02);
      const flags = (m.max !== undefined ? 1 : 0) | (m.shared ? 2 : 0);
      s.byte(flags).u32(m.min);
      if (m.max !== undefined) s.u32(m.max);
    });
    section(3, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) s.u32(f.type);
    });
    section(7, (s) => {
      s.u32(this.exports.length);
      for (const [name, index] of this.exports) s.name(name).byte(0x00).u32(index);
    });
    section(10, (s) => {
      s.u32(this.funcs.length);
      for (const f of this.funcs) s.sized(f.body);
    });
    // The name section (function names) makes disassembly readable; engines ignore it.
    section(0, (s) => {
      s.name("name");
      const sub = new Bytes().u32(this.funcs.length);
      this.funcs.forEach((f, i) => sub.u32(i).name(f.name));
      s.byte(1).sized(sub);
    });
    return out.view().slice();
  }
}
