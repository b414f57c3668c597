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
  mb.export(spec.name, mb.func(spec.name, params, [], (f) => writeLoop(f, spec, params.length)));
}

function writeLoop(f: FunctionBuilder, spec: LoopSpec, nParams: number): void {
  const { i32, f32, v128 } = ValType;
  const n = 0;
  const ptr = (k: number) => 1 + 2 * k;
  const stride = (k: number) => 2 + 2 * k;
  const i32p = (k: number) => 1 + 2 * spec.streams + k;
  const f32p = (k: number) => 1 + 2 * spec.streams + spec.i32Params + k;
  const lo = nParams - 2;
  const hi = nParams - 1;
  const vm = new VecMath(f);
  const vectorised = !spec.sinks.some((s) => usesWindow(s.expr));

  const r = f.local(i32);
  const jb = f.local(i32);
  const end8 = f.local(i32);
  const end4 = f.local(i32);
  const end = f.local(i32);
  const row = Array.from({ length: spec.streams }, () => f.local(i32));
  // Values stored earlier in the iteration, per copy (an unrolled iteration computes two vectors).
  const members = [new Map<number, number>(), new Map<number, number>()] as const;
  for (const s of spec.sinks) if (s.kind === "store") for (const m of members) m.set(s.id, f.local(v128));
  const accs = spec.sinks.map((s) => (s.kind === "reduce" ? { vec: f.local(v128), tail: f.local(v128) } : undefined));
  void f32;

  /**
   * Pushes the value of `e` (four lanes, or lane 0 meaningful when `lane`) for elements
   * jb + 4·copy … (copy 1: the second vector of an unrolled iteration, 16 bytes further).
   */
  const emit = (e: Expr, lane: boolean, copy = 0): void => {
    switch (e.kind) {
      case "load":
        f.get(row[e.stream]!).get(jb).op("i32.add").simdMem(lane ? "v128.load32_splat" : "v128.load", 16 * copy, 2);
        return;
      case "splat":
        f.get(row[e.stream]!).simdMem("v128.load32_splat");
        return;
      case "const":
        f.f32x4c(e.value);
        return;
      case "param":
        f.get(f32p(e.index)).simd("f32x4.splat");
        return;
      case "member":
        f.get(members[copy]!.get(e.id)!);
        return;
      case "apply": {
        const locals = e.args.map((a) => {
          emit(a, lane, copy);
          const l = f.local(v128);
          f.set(l);
          return l;
        });
        e.emit(f, vm, locals);
        return;
      }
      case "window":
        // j = jb / 4; inside [lo, hi) read the input, else 0.
        f.get(jb).i32c(2).op("i32.shr_s").get(i32p(e.lo)).op("i32.ge_s");
        f.get(jb).i32c(2).op("i32.shr_s").get(i32p(e.hi)).op("i32.lt_s");
        f.op("i32.and");
        f.if(() => emit(e.inner, lane, copy), () => f.f32x4c(0), v128);
        return;
    }
  };

  const combine = (op: "sum" | "mean" | "max") => f.simd(op === "max" ? "f32x4.pmax" : "f32x4.add");

  /**
   * One iteration over elements jb…jb+3 (or jb alone, in lane 0, when `lane`); with `copies` 2, over
   * jb…jb+7, each sink computed for both vectors before the next sink. A gate loop is bound by its
   * chains of dependent operations (a sigmoid feeds the tanh that feeds the state): two independent
   * chains side by side fill the core's pipelines. Each element is computed by the same operations
   * either way, and a reduction adds the two vectors in order: the same bits.
   */
  const iteration = (lane: boolean, copies = 1) => {
    spec.sinks.forEach((s, i) => {
      for (let copy = 0; copy < copies; copy++) {
        if (s.kind === "store") {
          const m = members[copy]!.get(s.id)!;
          emit(s.expr, lane, copy);
          f.set(m);
          f.get(row[s.stream]!).get(jb).op("i32.add").get(m);
          if (lane) f.memLane("v128.store32_lane", 0, 0);
          else f.simdMem("v128.store", 16 * copy, 2);
        } else {
          // A NaN never wins a max (pmax keeps the accumulator), as in the JS kernels.
          const acc = lane ? accs[i]!.tail : accs[i]!.vec;
          f.get(acc);
          emit(s.expr, lane, copy);
          if (lane) f.lane("f32x4.extract_lane", 0).simd("f32x4.splat");
          combine(s.op);
          f.set(acc);
        }
      }
    });
  };

  /** for (; jb < limit; jb += step) body */
  const elements = (limit: number, step: number, lane: boolean, copies = 1) =>
    f.block((exit) =>
      f.loop((top) => {
        f.get(jb).get(limit).op("i32.ge_s").brIf(exit);
        iteration(lane, copies);
        f.get(jb).i32c(step).op("i32.add").set(jb).br(top);
      }),
    );

  f.get(n).i32c(-8).op("i32.and").i32c(2).op("i32.shl").set(end8);
  f.get(n).i32c(-4).op("i32.and").i32c(2).op("i32.shl").set(end4);
  f.get(n).i32c(2).op("i32.shl").set(end);
  const cycle = (k: number) => spec.cycles?.[k];
  /** row[k] = ptr + (r mod period or r) · stride */
  const rowPointer = (k: number, r: number) => {
    f.get(ptr(k)).get(r);
    const period = cycle(k);
    if (period !== undefined) f.get(i32p(period)).op("i32.rem_u");
    f.get(stride(k)).op("i32.mul").op("i32.add").set(row[k]!);
  };
  for (let k = 0; k < spec.streams; k++) if (cycle(k) === undefined) rowPointer(k, lo);
  f.get(lo).set(r);
  f.block((exit) =>
    f.loop((top) => {
      f.get(r).get(hi).op("i32.ge_s").brIf(exit);
      for (let k = 0; k < spec.streams; k++) if (cycle(k) !== undefined) rowPointer(k, r);
      spec.sinks.forEach((s, i) => {
        if (s.kind !== "reduce") return;
        const init = s.op === "max" ? -Infinity : 0;
        f.f32x4c(init).set(accs[i]!.vec).f32x4c(init).set(accs[i]!.tail);
      });
      f.i32c(0).set(jb);
      if (vectorised) {
        elements(end8, 32, false, 2);
        elements(end4, 16, false);
      }
      elements(end, 4, true);
      spec.sinks.forEach((s, i) => {
        if (s.kind !== "reduce") return;
        // The four lanes, then the tail, in a fixed order.
        const { vec, tail } = accs[i]!;
        f.get(row[s.stream]!);
        f.get(vec).lane("f32x4.extract_lane", 0).simd("f32x4.splat");
        for (const l of [1, 2, 3]) {
          f.get(vec).lane("f32x4.extract_lane", l).simd("f32x4.splat");
          combine(s.op);
        }
        f.get(tail);
        combine(s.op);
        f.lane("f32x4.extract_lane", 0);
        if (s.op === "mean") f.get(n).op("f32.convert_i32_s").op("f32.div");
        f.mem("f32.store");
      });
      for (let k = 0; k < spec.streams; k++) if (cycle(k) === undefined) f.get(row[k]!).get(stride(k)).op("i32.add").set(row[k]!);
      f.get(r).i32c(1).op("i32.add").set(r).br(top);
    }),
  );
}
