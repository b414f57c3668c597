import { FunctionBody, type Local } from "./asm.js";

/**
 * A fused loop over rows × n elements, as one WebAssembly function: for each row, SIMD over
 * the elements four at a time, then a scalar tail (the same expressions on splatted loads,
 * lane 0 stored). Operands are *streams*: a pointer to row 0 and a row stride in bytes,
 * passed by the caller (so one function serves any batch, any step, any dimensions).
 */

/** Where an expression reads or writes: stream index into the function's stream list. */
export type Expr =
  | { readonly kind: "load"; readonly stream: number }
  /** The element at the stream's row pointer, in every lane (a per-row scalar, a broadcast). */
  | { readonly kind: "splat"; readonly stream: number }
  | { readonly kind: "const"; readonly value: number }
  /** An f32 parameter of the function (a dimension's value). */
  | { readonly kind: "param"; readonly index: number }
  /** A value computed earlier in the same iteration. */
  | { readonly kind: "member"; readonly id: number }
  | { readonly kind: "apply"; readonly emit: (f: FunctionBody) => void; readonly args: readonly Expr[] }
  /** `lo ≤ j < hi ? inner : 0`, with lo and hi i32 parameters (element indices): scalar loops only. */
  | { readonly kind: "window"; readonly lo: number; readonly hi: number; readonly inner: Expr };

export type Sink =
  | { readonly kind: "store"; readonly id: number; readonly stream: number; readonly expr: Expr }
  /** Reduces the row to one number stored at the stream's row pointer. */
  | { readonly kind: "reduce"; readonly op: "sum" | "mean" | "max"; readonly stream: number; readonly expr: Expr };

export interface LoopSpec {
  readonly name: string;
  readonly streams: number;
  readonly i32Params: number;
  readonly f32Params: number;
  readonly sinks: readonly Sink[];
}

function usesWindow(e: Expr): boolean {
  if (e.kind === "window") return true;
  return e.kind === "apply" && e.args.some(usesWindow);
}

/** Parameters: rows, n, then (pointer, stride) per stream, then the i32 and f32 parameters. */
export function writeLoop(spec: LoopSpec): FunctionBody {
  const types = ["i32", "i32", ...Array.from({ length: spec.streams * 2 }, () => "i32" as const), ...Array.from({ length: spec.i32Params }, () => "i32" as const), ...Array.from({ length: spec.f32Params }, () => "f32" as const)] as const;
  const f = new FunctionBody(spec.name, types);
  const [rows, n] = f.params as [Local, Local];
  const ptr = (k: number) => f.params[2 + 2 * k]!;
  const stride = (k: number) => f.params[3 + 2 * k]!;
  const i32p = (k: number) => f.params[2 + 2 * spec.streams + k]!;
  const f32p = (k: number) => f.params[2 + 2 * spec.streams + spec.i32Params + k]!;
  const vectorised = !spec.sinks.some((s) => usesWindow(s.expr));

  const r = f.local("i32");
  const jb = f.local("i32");
  const end4 = f.local("i32");
  const end = f.local("i32");
  const row = Array.from({ length: spec.streams }, () => f.local("i32"));
  const members = new Map<number, Local>();
  for (const s of spec.sinks) if (s.kind === "store") members.set(s.id, f.local("v128"));
  const accs = spec.sinks.map((s) => (s.kind === "reduce" ? { vec: f.local("v128"), tail: f.local("f32") } : undefined));
  const x = f.local("f32");

  /** acc ← acc + x, or acc ← (x > acc ? x : acc) (a NaN never wins, as in the JS kernels); x on the stack. */
  const combine = (op: "sum" | "mean" | "max", acc: Local) => {
    f.set(x);
    if (op === "max") f.get(x).get(acc).get(x).get(acc).op("f32_gt").op("select");
    else f.get(acc).get(x).op("f32_add");
    f.set(acc);
  };

  const emit = (e: Expr, lane: boolean): void => {
    switch (e.kind) {
      case "load":
        f.get(row[e.stream]!).get(jb).op("i32_add");
        if (lane) f.vmem("load32_splat");
        else f.vmem("load");
        return;
      case "splat":
        f.get(row[e.stream]!).vmem("load32_splat");
        return;
      case "const":
        f.f32x4(e.value);
        return;
      case "param":
        f.get(f32p(e.index)).simd("f32x4_splat");
        return;
      case "member":
        f.get(members.get(e.id)!);
        return;
      case "apply":
        for (const a of e.args) emit(a, lane);
        e.emit(f);
        return;
      case "window": {
        // j = jb / 4; inside the window read the input, else 0.
        f.get(jb).i32(2).op("i32_shr_s");
        f.get(i32p(e.lo)).op("i32_ge_s");
        f.get(jb).i32(2).op("i32_shr_s");
        f.get(i32p(e.hi)).op("i32_lt_s");
        f.op("i32_and");
        f.ifValue("v128", () => emit(e.inner, lane), () => f.f32x4(0));
        return;
      }
    }
  };

  /** One iteration over elements jb…jb+3 (or jb alone, lane 0, when `lane`). */
  const iteration = (lane: boolean) => {
    spec.sinks.forEach((s, i) => {
      if (s.kind === "store") {
        const m = members.get(s.id)!;
        emit(s.expr, lane);
        f.set(m);
        f.get(row[s.stream]!).get(jb).op("i32_add").get(m);
        if (lane) f.storeLane0();
        else f.vmem("store");
      } else if (!lane) {
        const acc = accs[i]!.vec;
        f.get(acc);
        emit(s.expr, false);
        f.simd(s.op === "max" ? "f32x4_pmax" : "f32x4_add");
        f.set(acc);
      } else {
        const acc = accs[i]!.tail;
        emit(s.expr, true);
        f.extractLane(0);
        combine(s.op, acc);
      }
    });
  };

  f.get(n).i32(-4).op("i32_and").i32(2).op("i32_shl").set(end4);
  f.get(n).i32(2).op("i32_shl").set(end);
  for (let k = 0; k < spec.streams; k++) f.get(ptr(k)).set(row[k]!);
  f.i32(0).set(r);
  f.block(() =>
    f.loop(() => {
      f.get(r).get(rows).op("i32_ge_s").brIf(1);
      spec.sinks.forEach((s, i) => {
        if (s.kind === "reduce") f.f32x4(s.op === "max" ? -Infinity : 0).set(accs[i]!.vec).f32(s.op === "max" ? -Infinity : 0).set(accs[i]!.tail);
      });
      f.i32(0).set(jb);
      if (vectorised) {
        f.forLoop(jb, end4, 16, () => iteration(false));
      }
      f.forLoop(jb, end, 4, () => iteration(true));
      spec.sinks.forEach((s, i) => {
        if (s.kind !== "reduce") return;
        // The four lanes, then the tail, in a fixed order.
        const { vec, tail } = accs[i]!;
        const out = f.local("f32");
        f.get(vec).extractLane(0).set(out);
        for (const lane of [1, 2, 3]) {
          f.get(vec).extractLane(lane);
          combine(s.op, out);
        }
        f.get(tail);
        combine(s.op, out);
        f.get(row[s.stream]!).get(out);
        if (s.op === "mean") f.get(n).op("f32_convert_i32_s").op("f32_div");
        f.mem("f32_store");
      });
      for (let k = 0; k < spec.streams; k++) f.get(row[k]!).get(stride(k)).op("i32_add").set(row[k]!);
      f.get(r).i32(1).op("i32_add").set(r).br(0);
    }),
  );
  return f;
}
