import { ValType, type FunctionBuilder, type ModuleBuilder } from "../../wasm/encoder.js";
import { VecMath } from "../../wasm/vmath.js";

/**
 * A fused loop over rows × n elements, as one exported WebAssembly function: for each row,
 * SIMD over the elements four at a time, then a scalar tail (the same expressions on
 * splatted loads, lane 0 stored). Operands are *streams*: a pointer to row 0 and a row
 * stride in bytes, passed by the caller (so one function serves any batch, any step, any
 * dimensions). The last two parameters are a range of rows [lo, hi), so a thread pool can
 * split the rows (each row is computed the same way whichever thread runs it).
 */
export type Expr =
  | { readonly kind: "load"; readonly stream: number }
  /** The element at the stream's row pointer, in every lane (a per-row scalar, a broadcast). */
  | { readonly kind: "splat"; readonly stream: number }
  | { readonly kind: "const"; readonly value: number }
  /** An f32 parameter of the function (a dimension's value). */
  | { readonly kind: "param"; readonly index: number }
  /** A value computed earlier in the same iteration. */
  | { readonly kind: "member"; readonly id: number }
  /** An elementwise op: its arguments' values in locals, its result left on the stack. */
  | { readonly kind: "apply"; readonly emit: (f: FunctionBuilder, vm: VecMath, args: readonly number[]) => void; readonly args: readonly Expr[] }
  /** `lo ≤ j < hi ? inner : 0`, with lo and hi i32 parameters (element indices): scalar loops only. */
  | { readonly kind: "window"; readonly lo: number; readonly hi: number; readonly inner: Expr };

export type Sink =
  | { readonly kind: "store"; readonly id: number; readonly stream: number; readonly expr: Expr }
  /** Reduces the row to one number stored at the stream's row pointer. */
  | { readonly kind: "reduce"; readonly op: "sum" | "mean" | "max"; readonly stream: number; readonly expr: Expr };

export interface LoopSpec {
  readonly name: string;
  readonly streams: number;
  /**
   * Per stream, the i32 parameter holding its period when it is cyclic — row r reads row
   * r mod period (a dropout mask: one row per example, read by all T·B rows) — else undefined.
   */
  readonly cycles?: readonly (number | undefined)[];
  readonly i32Params: number;
  readonly f32Params: number;
  readonly sinks: readonly Sink[];
}

function usesWindow(e: Expr): boolean {
  if (e.kind === "window") return true;
  return e.kind === "apply" && e.args.some(usesWindow);
}

/** The loop's parameters: n, (pointer, stride) per stream, the i32 and f32 parameters, then lo, hi. */
export function loopParams(spec: LoopSpec): ValType[] {
  const { i32, f32 } = ValType;
  return [i32, ...Array.from({ length: spec.streams * 2 + spec.i32Params }, () => i32), ...Array.from({ length: spec.f32Params }, () => f32), i32, i32];
}

/** Adds the loop to the module, exported under its name. */
export function addLoop(mb: ModuleBuilder, spec: LoopSpec): void {
  const params = loopParams(spec);
  mb.export(spec.name, mb.func(spec.name, params, [], (f) => new LoopWriter(f, spec, params.length).write()));
}

/** One loop's function body: its parameters' indices, its locals, and the code of each part. */
class LoopWriter {
  private readonly vm: VecMath;
  private readonly lo: number;
  private readonly hi: number;
  private readonly r: number;
  private readonly jb: number;
  private readonly end8: number;
  private readonly end4: number;
  private readonly end: number;
  /** Each stream's pointer to the current row. */
  private readonly row: number[];
  /** Values stored earlier in the iteration, per copy (an unrolled iteration computes two vectors). */
  private readonly members = [new Map<number, number>(), new Map<number, number>()] as const;
  /** Per reduce sink, its accumulators: four lanes, and the scalar tail's. */
  private readonly accs: ({ vec: number; tail: number } | undefined)[];

  constructor(private readonly f: FunctionBuilder, private readonly spec: LoopSpec, nParams: number) {
    const { i32, v128 } = ValType;
    this.vm = new VecMath(f);
    this.lo = nParams - 2;
    this.hi = nParams - 1;
    [this.r, this.jb, this.end8, this.end4, this.end] = f.locals(i32, 5);
    this.row = Array.from({ length: spec.streams }, () => f.local(i32));
    for (const s of spec.sinks) if (s.kind === "store") for (const m of this.members) m.set(s.id, f.local(v128));
    this.accs = spec.sinks.map((s) => (s.kind === "reduce" ? { vec: f.local(v128), tail: f.local(v128) } : undefined));
  }

  private ptr(k: number): number {
    return 1 + 2 * k;
  }
  private stride(k: number): number {
    return 2 + 2 * k;
  }
  private i32p(k: number): number {
    return 1 + 2 * this.spec.streams + k;
  }
  private f32p(k: number): number {
    return 1 + 2 * this.spec.streams + this.spec.i32Params + k;
  }

  write(): void {
    const { f, spec, r, jb } = this;
    const n = 0;
    f.get(n).i32c(-8).op("i32.and").i32c(2).op("i32.shl").set(this.end8);
    f.get(n).i32c(-4).op("i32.and").i32c(2).op("i32.shl").set(this.end4);
    f.get(n).i32c(2).op("i32.shl").set(this.end);
    const cyclic = (k: number) => spec.cycles?.[k] !== undefined;
    for (let k = 0; k < spec.streams; k++) if (!cyclic(k)) this.rowPointer(k, this.lo);
    f.get(this.lo).set(r);
    f.block((exit) =>
      f.loop((top) => {
        f.get(r).get(this.hi).op("i32.ge_s").brIf(exit);
        for (let k = 0; k < spec.streams; k++) if (cyclic(k)) this.rowPointer(k, r);
        this.startReductions();
        f.i32c(0).set(jb);
        if (!spec.sinks.some((s) => usesWindow(s.expr))) {
          this.elements(this.end8, 32, false, 2);
          this.elements(this.end4, 16, false);
        }
        this.elements(this.end, 4, true);
        this.finishReductions();
        for (let k = 0; k < spec.streams; k++) if (!cyclic(k)) f.get(this.row[k]!).get(this.stride(k)).op("i32.add").set(this.row[k]!);
        f.get(r).i32c(1).op("i32.add").set(r).br(top);
      }),
    );
  }

  /** row[k] = ptr + (r mod period or r) · stride */
  private rowPointer(k: number, r: number): void {
    const f = this.f;
    f.get(this.ptr(k)).get(r);
    const period = this.spec.cycles?.[k];
    if (period !== undefined) f.get(this.i32p(period)).op("i32.rem_u");
    f.get(this.stride(k)).op("i32.mul").op("i32.add").set(this.row[k]!);
  }

  /** for (; jb < limit; jb += step) iteration */
  private elements(limit: number, step: number, lane: boolean, copies = 1): void {
    const { f, jb } = this;
    f.block((exit) =>
      f.loop((top) => {
        f.get(jb).get(limit).op("i32.ge_s").brIf(exit);
        this.iteration(lane, copies);
        f.get(jb).i32c(step).op("i32.add").set(jb).br(top);
      }),
    );
  }

  /**
   * One iteration over elements jb…jb+3 (or jb alone, in lane 0, when `lane`); with `copies` 2, over
   * jb…jb+7, each sink computed for both vectors before the next sink. A gate loop is bound by its
   * chains of dependent operations (a sigmoid feeds the tanh that feeds the state): two independent
   * chains side by side fill the core's pipelines. Each element is computed by the same operations
   * either way, and a reduction adds the two vectors in order: the same bits.
   */
  private iteration(lane: boolean, copies: number): void {
    this.spec.sinks.forEach((s, i) => {
      for (let copy = 0; copy < copies; copy++) {
        if (s.kind === "store") this.store(s, lane, copy);
        else this.accumulate(s, this.accs[i]!, lane, copy);
      }
    });
  }

  private store(s: Extract<Sink, { kind: "store" }>, lane: boolean, copy: number): void {
    const f = this.f;
    const m = this.members[copy]!.get(s.id)!;
    this.value(s.expr, lane, copy);
    f.set(m);
    f.get(this.row[s.stream]!).get(this.jb).op("i32.add").get(m);
    if (lane) f.memLane("v128.store32_lane", 0, 0);
    else f.simdMem("v128.store", 16 * copy, 2);
  }

  private accumulate(s: Extract<Sink, { kind: "reduce" }>, acc: { vec: number; tail: number }, lane: boolean, copy: number): void {
    const f = this.f;
    // A NaN never wins a max (pmax keeps the accumulator), as in the JS kernels.
    const into = lane ? acc.tail : acc.vec;
    f.get(into);
    this.value(s.expr, lane, copy);
    if (lane) f.lane("f32x4.extract_lane", 0).simd("f32x4.splat");
    combine(f, s.op);
    f.set(into);
  }

  private startReductions(): void {
    this.spec.sinks.forEach((s, i) => {
      if (s.kind !== "reduce") return;
      const init = s.op === "max" ? -Infinity : 0;
      this.f.f32x4c(init).set(this.accs[i]!.vec).f32x4c(init).set(this.accs[i]!.tail);
    });
  }

  /** Each row's reduction: the four lanes, then the tail, in a fixed order. */
  private finishReductions(): void {
    const f = this.f;
    this.spec.sinks.forEach((s, i) => {
      if (s.kind !== "reduce") return;
      const { vec, tail } = this.accs[i]!;
      f.get(this.row[s.stream]!);
      f.get(vec).lane("f32x4.extract_lane", 0).simd("f32x4.splat");
      for (const l of [1, 2, 3]) {
        f.get(vec).lane("f32x4.extract_lane", l).simd("f32x4.splat");
        combine(f, s.op);
      }
      f.get(tail);
      combine(f, s.op);
      f.lane("f32x4.extract_lane", 0);
      if (s.op === "mean") f.get(0).op("f32.convert_i32_s").op("f32.div");
      f.mem("f32.store");
    });
  }

  /**
   * Pushes the value of `e` (four lanes, or lane 0 meaningful when `lane`) for elements
   * jb + 4·copy … (copy 1: the second vector of an unrolled iteration, 16 bytes further).
   */
  private value(e: Expr, lane: boolean, copy: number): void {
    const { f, jb } = this;
    switch (e.kind) {
      case "load":
        f.get(this.row[e.stream]!).get(jb).op("i32.add").simdMem(lane ? "v128.load32_splat" : "v128.load", 16 * copy, 2);
        return;
      case "splat":
        f.get(this.row[e.stream]!).simdMem("v128.load32_splat");
        return;
      case "const":
        f.f32x4c(e.value);
        return;
      case "param":
        f.get(this.f32p(e.index)).simd("f32x4.splat");
        return;
      case "member":
        f.get(this.members[copy]!.get(e.id)!);
        return;
      case "apply": {
        const locals = e.args.map((a) => {
          this.value(a, lane, copy);
          const l = f.local(ValType.v128);
          f.set(l);
          return l;
        });
        e.emit(f, this.vm, locals);
        return;
      }
      case "window":
        // j = jb / 4; inside [lo, hi) read the input, else 0.
        f.get(jb).i32c(2).op("i32.shr_s").get(this.i32p(e.lo)).op("i32.ge_s");
        f.get(jb).i32c(2).op("i32.shr_s").get(this.i32p(e.hi)).op("i32.lt_s");
        f.op("i32.and");
        f.if(() => this.value(e.inner, lane, copy), () => f.f32x4c(0), ValType.v128);
        return;
    }
  }
}

/** Folds the value on the stack into the accumulator below it: a sum's add, a max's pmax. */
function combine(f: FunctionBuilder, op: "sum" | "mean" | "max"): void {
  f.simd(op === "max" ? "f32x4.pmax" : "f32x4.add");
}
