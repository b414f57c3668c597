import { isBinary, isUnary } from "../../../ir/ops.js";
import { KernelWriter, type KernelCode, type KernelInputs } from "../codegen.js";
import type { Schedule } from "../schedule.js";
import type { DimNames, Storage } from "../storage.js";
import { LOWERING, mapOf } from "./lowering.js";
import type { Expr, LoopSpec, Sink } from "./loops.js";

/**
 * The wasm back end of a sequence program: the JS kernel writer's schedule (phases, fusion,
 * views, histories, the tape) with its elementwise loops, reductions and concatenations
 * compiled to WebAssembly functions and called from the generated TypeScript. Buffers are
 * Float32Array views of the instance's WebAssembly.Memory (`H.alloc`), so what stays in
 * TypeScript (the GEMM calls, the length masking) works on the same memory, with no copies.
 */
export interface WasmKernelCode extends KernelCode {
  readonly functions: readonly LoopSpec[];
  /** Every buffer the kernel allocates, in order: name and size (a JS expression). */
  readonly buffers: readonly { readonly name: string; readonly size: string }[];
}

export function generateWasmKernel(sched: Schedule, dims: DimNames, inputs: KernelInputs, prefix: string): WasmKernelCode {
  const w = new WasmKernelWriter(sched, dims, inputs, prefix);
  const code = w.write();
  return { ...code, functions: w.functions, buffers: w.buffers };
}

/** An element index relative to the loop's j (`abs` false) or a fixed element of the row. */
interface Idx {
  readonly abs: boolean;
  readonly off: string;
}
const J: Idx = { abs: false, off: "0" };

/** The operands of one wasm loop being built: streams and parameters, as JS expressions. */
class Operands {
  readonly streams: { key: string; ptr: string; stride: string; cycle: number | undefined }[] = [];
  readonly i32s: string[] = [];
  readonly f32s: string[] = [];

  /** A stream; with a `period` (a JS expression, an i32 parameter) row r reads row r mod period. */
  stream(ptr: string, stride: string, period?: string): number {
    const key = `${ptr}|${stride}|${period ?? ""}`;
    const i = this.streams.findIndex((s) => s.key === key);
    if (i >= 0) return i;
    const cycle = period === undefined ? undefined : this.param(this.i32s, period);
    return this.streams.push({ key, ptr, stride, cycle }) - 1;
  }
  param(list: string[], expr: string): number {
    const i = list.indexOf(expr);
    return i >= 0 ? i : list.push(expr) - 1;
  }
}

type RowContext = Parameters<KernelWriter["rowBase"]>[1];

class WasmKernelWriter extends KernelWriter {
  readonly functions: LoopSpec[] = [];
  readonly buffers: { name: string; size: string }[] = [];

  constructor(sched: Schedule, dims: DimNames, inputs: KernelInputs, private readonly prefix: string) {
    super(sched, dims, inputs);
  }

  protected override alloc(name: string, size: string): void {
    this.buffers.push({ name, size });
  }

  // ---- matrix products ------------------------------------------------------------------

  private readonly packShape = new Map<string, { k: string; n: string }>();

  /** A weight packed into 8-column panels in memory, once per call (after the param phase). */
  protected override packed(Wt: Storage, ld: string, trans: boolean, k: string, n: string): string {
    const key = `${Wt.buf}|${Wt.col}|${ld}|${trans}|${k}|${n}`;
    let name = this.packs.get(key);
    if (!name) {
      name = `pk${this.packs.size}`;
      this.packs.set(key, name);
      this.alloc(name, `((${n} + 7) >> 3) * 8 * ${k}`);
      this.packShape.set(name, { k, n });
      this.packLines.push(`H.packB(${trans}, ${this.addr(Wt, Wt.col)}, ${ld}, ${k}, ${n}, ${name}.byteOffset);`);
    }
    return name;
  }

  /** The byte address of element `off` of a buffer. */
  private addr(s: Storage, off: string): string {
    return off === "0" ? `${s.buf}.byteOffset` : `${s.buf}.byteOffset + 4 * (${off})`;
  }

  /** A per-row vector times a shared matrix over all rows of the context: one GEMM on the packed weight. */
  protected override emitMatmul(id: number, cx: RowContext): void {
    if (this.sched.gathered[id]) return this.emitGather(id, cx);
    const { A, Bs, out, sA, sB, ta, tb } = this.matmulOperands(id);
    const rows = this.rows(cx);
    const perRow = (s: Storage) => s.kind !== "param";
    const call = (X: Storage, pk: string) => {
      const { k, n } = this.packShape.get(pk)!;
      this.line(`H.gemm(${rows}, ${k}, ${this.addr(X, this.rowBase(X, cx))}, ${X.stride}, ${pk}.byteOffset, ${n}, ${this.addr(out, this.rowBase(out, cx))}, ${out.stride}, false);`);
    };
    if (cx.fullRow !== undefined && !perRow(A) && sA.length === 2 && perRow(Bs) && sB.length === 1) {
      const [r, c] = [this.dims.of(sA[0]!), this.dims.of(sA[1]!)];
      return call(Bs, ta ? this.packed(A, c, false, r, c) : this.packed(A, c, true, c, r));
    }
    if (cx.fullRow !== undefined && perRow(A) && sA.length === 1 && !perRow(Bs) && sB.length === 2) {
      const [r, c] = [this.dims.of(sB[0]!), this.dims.of(sB[1]!)];
      return call(A, tb ? this.packed(Bs, c, true, c, r) : this.packed(Bs, c, false, r, c));
    }
    this.emitNaiveMatmul(id, cx);
  }

  /**
   * `W @ x` with x fed ids (i32 in the input's block): the wasm gather kernel, column id of W
   * [E, V] per row (`f32_gather_cols`), or row id of W [V, E] for `Wᵀ @ x` (`f32_gather_rows`);
   * threads split the columns.
   */
  protected override emitGather(id: number, cx: RowContext): void {
    const g = this.gatherArgs(id, cx);
    const name = g.jStride === "1" ? "f32_gather_rows" : "f32_gather_cols";
    const ld = g.jStride === "1" ? g.idStride : g.jStride;
    const v = this.dims.of(this.nodes[this.nodes[id]!.inputs[0]!]!.shape[g.jStride === "1" ? 0 : 1]!);
    this.line(`H.par(${JSON.stringify(name)}, [${g.rows}, ${g.ids}.byteOffset, ${v}, ${this.addr(g.W, g.W.col)}, ${ld}, ${this.addr(g.out, this.rowBase(g.out, cx))}, ${g.out.stride}, 0], ${g.e}, ${g.rows} * ${g.e});`);
  }

  /** dW += the adjoint's rows scattered into the ids' columns (rows): each column's sum over rows in order, whatever the threads. */
  protected override emitScatter(G: string, c: number): void {
    const s = this.scatterArgs(c);
    const node = this.nodes[c]!;
    const rowsLayout = s.jStride === "1";
    const name = rowsLayout ? "f32_scatter_add_rows" : "f32_scatter_add_cols";
    const v = this.dims.of(node.shape[rowsLayout ? 0 : 1]!);
    const ld = rowsLayout ? s.idStride : s.jStride;
    this.line(`H.par(${JSON.stringify(name)}, [TB, ${s.ids}.byteOffset, ${v}, ${this.addr(s.g, this.rowBase(s.g, { fullRow: "r" }))}, ${s.g.stride}, ${G}.byteOffset, ${ld}], ${s.e}, TB * ${s.e});`);
  }

  /**
   * Param gradients over all T·B rows after the loop: an outer product's sum is one TN GEMM
   * (its right operand packed once), a vector's a column sum (a wasm loop over the rows, in
   * order — never split between threads, so the sum's order is fixed).
   */
  protected override emitAccumulators(): void {
    const cx: RowContext = { fullRow: "r" };
    const transposed = new Map<string, string>();
    for (const acc of this.program.accumulate) {
      const G = this.inputs.accumulator(acc.name);
      const gStorage: Storage = { role: "gradient", buf: G, kind: "param", stride: this.dims.size(acc.shape), col: "0", rowOffset: "0" };
      for (const c of acc.contributions) {
        const node = this.nodes[c]!;
        if (this.sched.scattered[c]) {
          this.emitScatter(G, c);
          continue;
        }
        if (this.sched.accumulatedOuter[c]) {
          const [a, b] = node.inputs.map((x) => this.storageOf(x)) as [Storage, Storage];
          if (a.kind === "full" && b.kind === "full") {
            // Σ_r a_r ⊗ b_r = Aᵀ·B over the T·B rows: Aᵀ made once (contiguous rows read faster than
            // A's columns), B packed, then the row-layout GEMM.
            const m = this.dims.of(node.shape[0]!);
            const n = this.dims.of(node.shape[1]!);
            const aPtr = this.addr(a, this.rowBase(a, cx));
            let at = transposed.get(`${aPtr}|${a.stride}|${m}`);
            if (at === undefined) {
              at = `tr${this.buffers.length}`;
              this.alloc(at, `${m} * TB`);
              transposed.set(`${aPtr}|${a.stride}|${m}`, at);
              this.line(`W.f32_transpose(${aPtr}, ${a.stride}, TB, ${m}, ${at}.byteOffset, TB);`);
            }
            const pk = `pka${this.buffers.length}`;
            this.alloc(pk, `((${n} + 7) >> 3) * 8 * TB`);
            this.line(`H.packB(false, ${this.addr(b, this.rowBase(b, cx))}, ${b.stride}, TB, ${n}, ${pk}.byteOffset);`);
            this.line(`H.gemm(${m}, TB, ${at}.byteOffset, TB, ${pk}.byteOffset, ${n}, ${G}.byteOffset, ${n}, true);`);
            continue;
          }
          this.emitOuterAccumulation(G, node, a, b, cx);
          continue;
        }
        const s = this.storageOf(c);
        if (s.kind !== "full") throw new Error(`internal: gradient contribution %${c} of ${acc.name} does not vary per example`);
        const ops = new Operands();
        const g = this.streamOf(ops, gStorage, cx, "0");
        const expr: Expr = { kind: "apply", emit: (f, _vm, [x, y]) => f.get(x!).get(y!).simd("f32x4.add"), args: [{ kind: "load", stream: g }, { kind: "load", stream: this.streamOf(ops, s, cx, "0") }] };
        this.call(ops, [{ kind: "store", id: c, expr, stream: g }], this.dims.size(acc.shape), cx, true);
      }
    }
  }

  // ---- operands -----------------------------------------------------------------------

  /** A stream over the rows of a storage, starting `off` elements into each row. */
  private streamOf(ops: Operands, s: Storage, cx: RowContext, off: string): number {
    const base = plus(this.rowBase(s, cx), off);
    const ptr = base === "0" ? `${s.buf}.byteOffset` : `${s.buf}.byteOffset + 4 * (${base})`;
    return ops.stream(ptr, s.kind === "param" ? "0" : `4 * ${s.stride}`);
  }

  /** The expression of element `idx` of node `id` in the current row (valueAt's twin). */
  private expr(ops: Operands, id: number, idx: Idx, cx: RowContext, members: ReadonlySet<number>, top = false): Expr {
    const node = this.nodes[id]!;
    if (node.op === "const" && !this.program.leaves.has(id)) {
      return node.attrs.dim ? { kind: "param", index: ops.param(ops.f32s, this.dims.of(node.attrs.dim)) } : { kind: "const", value: node.attrs.value! };
    }
    if (!top && members.has(id) && ((!idx.abs && idx.off === "0") || node.shape.length === 0)) return { kind: "member", id };
    if (!top && (!this.sched.inlined[id] || this.program.leaves.has(id))) {
      const stream = this.streamOf(ops, this.storageOf(id), cx, node.shape.length === 0 ? "0" : idx.off);
      return { kind: idx.abs || node.shape.length === 0 ? "splat" : "load", stream };
    }
    const arg = (k: number, at: Idx) => this.expr(ops, node.inputs[k]!, at, cx, members);
    if (LOWERING[node.op].kind === "masked") {
      const emit = mapOf(node);
      return { kind: "apply", emit: (f, vm, args) => emit(f, vm, args, node), args: [arg(0, idx), this.mask(ops, node, idx, cx)] };
    }
    if (isUnary(node.op)) {
      const emit = mapOf(node);
      return { kind: "apply", emit: (f, vm, args) => emit(f, vm, args, node), args: [arg(0, idx)] };
    }
    if (isBinary(node.op)) {
      const scalarAt = (k: number): Idx => (this.nodes[node.inputs[k]!]!.shape.length === 0 ? { abs: true, off: "0" } : idx);
      const emit = mapOf(node);
      return { kind: "apply", emit: (f, vm, args) => emit(f, vm, args, node), args: [arg(0, scalarAt(0)), arg(1, scalarAt(1))] };
    }
    switch (node.op) {
      case "slice":
        return arg(0, { abs: idx.abs, off: plus(idx.off, this.flatStart(node)) });
      case "pad": {
        const s = this.flatStart(node);
        const e = this.flatOffset(node, node.attrs.end!);
        // j + off in [s, e)  ⇔  j in [s − off, e − off).
        const lo = ops.param(ops.i32s, minus(s, idx.off));
        const hi = ops.param(ops.i32s, minus(e, idx.off));
        return { kind: "window", lo, hi, inner: arg(0, { abs: idx.abs, off: minus(idx.off, s) }) };
      }
      case "broadcast":
        return arg(0, { abs: true, off: "0" });
      default:
        throw new Error(`internal: ${node.op} cannot be computed elementwise`);
    }
  }

  /**
   * Element `idx` of a dropout's mask for the current row: mask `site` (M<site>, in the same
   * memory) holds one row per example, so a step's loop reads row b and a loop over all T·B rows
   * row r mod B — the same element the JS kernels read.
   */
  private mask(ops: Operands, node: (typeof this.nodes)[number], idx: Idx, cx: RowContext): Expr {
    if (cx.fullRow === undefined) throw new Error("internal: dropout outside a per-row phase");
    const size = this.dims.size(node.shape);
    const off = node.shape.length === 0 ? "0" : idx.off;
    const ptr = off === "0" ? `M${node.attrs.site}.byteOffset` : `M${node.attrs.site}.byteOffset + 4 * (${off})`;
    const stream = ops.stream(ptr, `4 * ${size}`, cx.stepRow === undefined ? "B" : undefined);
    return { kind: idx.abs || node.shape.length === 0 ? "splat" : "load", stream };
  }

  /**
   * Writes the wasm function and the JS statement calling it. Loops over all T·B rows (before
   * or after the time loop) may be split between threads by rows; a step's B rows stay on
   * the calling thread (too little work for a barrier), and so does a sum over rows (`ordered`).
   */
  private call(ops: Operands, sinks: Sink[], n: string, cx: RowContext, ordered = false): void {
    const name = `${this.prefix}${this.functions.length}`;
    const cycles = ops.streams.some((s) => s.cycle !== undefined) ? ops.streams.map((s) => s.cycle) : undefined;
    this.functions.push({ name, streams: ops.streams.length, ...(cycles ? { cycles } : {}), i32Params: ops.i32s.length, f32Params: ops.f32s.length, sinks });
    const args = [n, ...ops.streams.flatMap((s) => [s.ptr, s.stride]), ...ops.i32s, ...ops.f32s];
    const rows = this.rows(cx);
    if (rows === "TB" && !ordered) this.line(`H.par(${JSON.stringify(name)}, [${args.join(", ")}], TB, TB * ${n} * ${8 * sinks.length});`);
    else this.line(`W.${name}(${[...args, "0", rows].join(", ")});`);
  }

  /** Σ over rows of a ⊗ b when an operand is shared by all rows: a TypeScript loop on the views (rare). */
  private emitOuterAccumulation(G: string, node: (typeof this.nodes)[number], a: Storage, b: Storage, cx: RowContext): void {
    const m = this.dims.of(node.shape[0]!);
    const n = this.dims.of(node.shape[1]!);
    const bases = new Map<string, string>();
    const oa = this.baseVar(a, cx, bases);
    const ob = this.baseVar(b, cx, bases);
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.line(`for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${n}; j++) ${G}[i * ${n} + j] += ${a.buf}[${oa} + i]! * ${b.buf}[${ob} + j]!;`);
    });
  }

  // ---- the loops ----------------------------------------------------------------------

  protected override emitFused(group: number[], cx: RowContext): void {
    const members = new Set(group);
    const ops = new Operands();
    const sinks: Sink[] = group.map((id) => ({
      kind: "store" as const,
      id,
      expr: this.expr(ops, id, J, cx, members, true),
      stream: this.streamOf(ops, this.storageOf(id), cx, "0"),
    }));
    this.call(ops, sinks, this.dims.size(this.nodes[group[0]!]!.shape), cx);
  }

  protected override emitReduce(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const input = this.nodes[node.inputs[0]!]!;
    const ops = new Operands();
    const expr = this.expr(ops, node.inputs[0]!, J, cx, new Set());
    const sink: Sink = { kind: "reduce", op: node.op as "sum" | "mean" | "max", expr, stream: this.streamOf(ops, this.storageOf(id), cx, "0") };
    this.call(ops, [sink], this.dims.size(input.shape), cx);
  }

  protected override emitConcat(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const out = this.storageOf(id);
    let offset = node.shape[0]!.scale(0);
    const cols = node.shape.length === 2 ? node.shape[1]! : undefined;
    for (const p of node.inputs) {
      const part = this.nodes[p]!;
      const off = cols ? `${this.dims.of(offset)} * ${this.dims.of(cols)}` : this.dims.of(offset);
      offset = offset.add(part.shape[0]!);
      if (this.concatAlias.get(p)?.concat === id) continue;
      const ops = new Operands();
      const expr = this.expr(ops, p, J, cx, new Set());
      this.call(ops, [{ kind: "store", id: p, expr, stream: this.streamOf(ops, out, cx, off) }], this.dims.size(part.shape), cx);
    }
  }
}

function plus(a: string, b: string): string {
  if (a === "0") return b;
  if (b === "0") return a;
  return `${a} + ${b}`;
}

function minus(a: string, b: string): string {
  if (b === "0") return a;
  return `${a} - (${b})`;
}
