import { isBinary, isUnary } from "../../../ir/ops.js";
import { KernelWriter, type KernelCode, type KernelInputs } from "../codegen.js";
import type { Schedule } from "../schedule.js";
import type { DimNames, Storage } from "../storage.js";
import { GATHER_KERNELS } from "../../wasm/gather.js";
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
  /** Params packed for the GEMMs into slots the instance keeps between calls: key and size (a JS expression). */
  readonly keptPacks: readonly { readonly key: string; readonly size: string }[];
  /**
   * Param gradients made only of scatter-adds (an id path's dW): which rows (`rows`, dW [v×e]) or
   * columns (dW [e×v]) the ids touched are all that is nonzero — the result copies only those.
   */
  readonly scatteredGradients: ReadonlyMap<string, { readonly ids: string; readonly rows: boolean; readonly v: string; readonly e: string }>;
}

/**
 * Which pass a kernel is: the forward pass packs params (after syncing the kept copy) into
 * kept slots; the backward pass too, unless its run was made with other params than the
 * current ones — then into scratch blocks of its own. The default, "backward", is the safe one
 * (scratch blocks are allocated, used only when needed).
 */
export type WasmPass = "forward" | "backward";

export function generateWasmKernel(sched: Schedule, dims: DimNames, inputs: KernelInputs, prefix: string, pass: WasmPass = "backward"): WasmKernelCode {
  const w = new WasmKernelWriter(sched, dims, inputs, prefix, pass);
  const code = w.write();
  return { ...code, functions: w.functions, buffers: w.buffers, keptPacks: w.keptPacks, scatteredGradients: w.scatteredGradients };
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
  readonly keptPacks: { key: string; size: string }[] = [];
  readonly scatteredGradients = new Map<string, { ids: string; rows: boolean; v: string; e: string }>();

  constructor(sched: Schedule, dims: DimNames, inputs: KernelInputs, private readonly prefix: string, private readonly pass: WasmPass) {
    super(sched, dims, inputs);
  }

  protected override alloc(name: string, size: string): void {
    this.buffers.push({ name, size });
  }

  // ---- matrix products ------------------------------------------------------------------

  private readonly packShape = new Map<string, { k: string; n: string }>();

  /**
   * A weight packed into 8-column panels in memory (after the param phase). A param itself
   * (a `P_` block) is packed into a slot the instance keeps, again only when the params changed
   * (`gen`, from H.syncParams); anything computed from params is packed on every call.
   */
  protected override packed(Wt: Storage, ld: string, trans: boolean, k: string, n: string): string {
    const key = `${Wt.buf}|${Wt.col}|${ld}|${trans}|${k}|${n}`;
    let name = this.packs.get(key);
    if (!name) {
      name = `pk${this.packs.size}`;
      this.packs.set(key, name);
      const size = `((${n} + 7) >> 3) * 8 * ${k}`;
      this.packShape.set(name, { k, n });
      const args = `${trans}, ${this.addr(Wt, Wt.col)}, ${ld}, ${k}, ${n}`;
      if (Wt.buf.startsWith("P_")) {
        const slot = `${this.prefix}|${key}`;
        this.keptPacks.push({ key: slot, size });
        let scratch = "-1";
        if (this.pass === "backward") {
          this.alloc(`${name}s`, size);
          scratch = `${name}s.byteOffset`;
        }
        this.packLines.push(`const ${name} = H.packed(${JSON.stringify(slot)}, gen, ${args}, ${scratch});`);
        this.keptNames.add(name);
      } else {
        this.alloc(name, size);
        this.packLines.push(`H.packB(${args}, ${name}.byteOffset);`);
      }
    }
    return name;
  }

  /** Packed weights held as byte addresses (kept slots) rather than views. */
  private readonly keptNames = new Set<string>();

  /** The byte address of a packed weight. */
  private packAddr(pk: string): string {
    return this.keptNames.has(pk) ? pk : `${pk}.byteOffset`;
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
      this.line(`H.gemm(${rows}, ${k}, ${this.addr(X, this.rowBase(X, cx))}, ${X.stride}, ${this.packAddr(pk)}, ${n}, ${this.addr(out, this.rowBase(out, cx))}, ${out.stride}, false);`);
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
   * `W @ x` with x fed ids (an i32 per row in the memory, −1 past an example's length): column
   * id of W [E, V] (f32_gather_cols), or row id of W [V, E] for `Wᵀ @ x` (f32_gather_rows), per
   * row — O(E) per row. Threads split the E columns.
   */
  protected override emitGather(id: number, cx: RowContext): void {
    const g = this.gatherArgs(id, cx);
    const kernel = g.rowsForm ? GATHER_KERNELS.gatherRows : GATHER_KERNELS.gatherCols;
    const args = [g.rows, `${g.ids}.byteOffset`, g.rowsForm ? g.r : g.c, this.addr(g.W, g.W.col), g.c, this.addr(g.out, this.rowBase(g.out, cx)), g.out.stride, "0"];
    this.line(`H.par(${JSON.stringify(kernel)}, [${args.join(", ")}], ${g.e}, ${g.rows} * ${g.e});`);
  }

  /** The rows or columns of dW a scatter-add touches: by which ids, and dW's layout ([v×e] rows, or [e×v]). */
  private scatterTouched(c: number): { ids: string; rows: boolean; v: string; e: string } {
    const s = this.scatterArgs(c);
    const [m, n] = [this.dims.of(this.nodes[c]!.shape[0]!), this.dims.of(this.nodes[c]!.shape[1]!)];
    const rows = s.jStride === "1";
    return { ids: s.ids, rows, v: rows ? m : n, e: rows ? n : m };
  }

  /**
   * The gather's transpose into a param gradient: g's row r added into row id_r of dW [V, E]
   * (x ⊗ g) or its column (g ⊗ x), rows in order. Threads split the E columns, so each sum's
   * order is the same for any number of threads.
   */
  protected override emitScatter(G: string, c: number): void {
    const s = this.scatterArgs(c);
    const t = this.scatterTouched(c);
    const kernel = t.rows ? GATHER_KERNELS.scatterAddRows : GATHER_KERNELS.scatterAddCols;
    // dW's row length: E for [V×E], V for [E×V].
    const ldt = t.rows ? t.e : t.v;
    const args = ["TB", `${s.ids}.byteOffset`, t.v, this.addr(s.g, this.rowBase(s.g, { fullRow: "r" })), s.g.stride, `${G}.byteOffset`, ldt];
    this.line(`H.par(${JSON.stringify(kernel)}, [${args.join(", ")}], ${t.e}, TB * ${t.e});`);
  }

  /**
   * Param gradients over all T·B rows after the loop: an outer product's sum is one GEMM on
   * the transposed left operand (its right operand packed once), a vector's a column sum
   * (f32_colsum: each column in row order, the columns split between the threads, so the sum's
   * order is fixed). The transposes and packing split between the threads too.
   */
  protected override emitAccumulators(): void {
    const cx: RowContext = { fullRow: "r" };
    const transposed = new Map<string, string>();
    for (const acc of this.program.accumulate) {
      const G = this.inputs.accumulator(acc.name);
      // A gradient only scatter-added into, by the same ids in the same layout: see scatteredGradients.
      const touched = acc.contributions.map((c) => (this.sched.scattered[c] ? this.scatterTouched(c) : undefined));
      const first = touched[0];
      const same = (t: typeof first) => t !== undefined && t.ids === first!.ids && t.rows === first!.rows && t.v === first!.v && t.e === first!.e;
      if (first !== undefined && touched.every(same)) this.scatteredGradients.set(acc.name, first);
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
              // Split between the threads by groups of four columns (a copy: any split gives the same bytes).
              this.line(`H.par("f32_transpose_cols", [${aPtr}, ${a.stride}, TB, ${m}, ${at}.byteOffset, TB], (${m} + 3) >> 2, TB * ${m} * 4);`);
            }
            const pk = `pka${this.buffers.length}`;
            this.alloc(pk, `((${n} + 7) >> 3) * 8 * TB`);
            this.line(`H.par("f32_packb_n_cols", [${this.addr(b, this.rowBase(b, cx))}, ${b.stride}, TB, ${n}, ${pk}.byteOffset], (${n} + 7) >> 3, TB * ${n} * 4);`);
            this.line(`H.gemm(${m}, TB, ${at}.byteOffset, TB, ${pk}.byteOffset, ${n}, ${G}.byteOffset, ${n}, true);`);
            continue;
          }
          this.emitOuterAccumulation(G, node, a, b, cx);
          continue;
        }
        const s = this.storageOf(c);
        if (s.kind !== "full") throw new Error(`internal: gradient contribution %${c} of ${acc.name} does not vary per example`);
        // Σ over the T·B rows, column by column in row order: the columns split between the threads.
        const cols = this.dims.size(acc.shape);
        this.line(`H.par("f32_colsum", [${this.addr(s, this.rowBase(s, cx))}, ${s.stride}, TB, ${G}.byteOffset], ${cols}, TB * ${cols} * 2);`);
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
      return this.costed({ kind: "apply", emit: (f, vm, args) => emit(f, vm, args, node), args: [arg(0, idx)] }, node.op);
    }
    if (isBinary(node.op)) {
      const scalarAt = (k: number): Idx => (this.nodes[node.inputs[k]!]!.shape.length === 0 ? { abs: true, off: "0" } : idx);
      const emit = mapOf(node);
      return this.costed({ kind: "apply", emit: (f, vm, args) => emit(f, vm, args, node), args: [arg(0, scalarAt(0)), arg(1, scalarAt(1))] }, node.op);
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

  /** Rough cost, in vector instructions per four elements, of each elementwise op's application. */
  private readonly applyCost = new WeakMap<Expr, number>();

  private costed(e: Expr, op: string): Expr {
    this.applyCost.set(e, APPLY_COST[op] ?? 2);
    return e;
  }

  /** The rough cost of computing `e` once (a load 1, an op by APPLY_COST, members already paid for). */
  private cost(e: Expr): number {
    switch (e.kind) {
      case "apply":
        return (this.applyCost.get(e) ?? 2) + e.args.reduce((a, x) => a + this.cost(x), 0);
      case "window":
        return 4 + this.cost(e.inner);
      case "member":
        return 0;
      default:
        return 1;
    }
  }

  /** The last line written by `call` that further row loops may join: its body index and its calls. */
  private group: { at: number; rows: string; calls: { name: string; args: string; work: string; n: string }[] } | undefined;

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
   * Writes the wasm function and the JS statement calling it. A loop over rows (a step's B, or
   * all T·B before or after the time loop) is split between the threads by rows when the pool
   * runs and the work (rows × elements × a rough cost per element) outweighs a barrier;
   * consecutive such loops over the same rows become one job with one barrier (each reads only
   * its own rows, which the same thread wrote). A loop storing into a row-invariant block
   * stays whole on the calling thread.
   */
  private call(ops: Operands, sinks: Sink[], n: string, cx: RowContext): void {
    const name = `${this.prefix}${this.functions.length}`;
    const cycles = ops.streams.some((s) => s.cycle !== undefined) ? ops.streams.map((s) => s.cycle) : undefined;
    this.functions.push({ name, streams: ops.streams.length, ...(cycles ? { cycles } : {}), i32Params: ops.i32s.length, f32Params: ops.f32s.length, sinks });
    const args = [n, ...ops.streams.flatMap((s) => [s.ptr, s.stride]), ...ops.i32s, ...ops.f32s].join(", ");
    const rows = this.rows(cx);
    const shared = sinks.some((s) => ops.streams[s.stream]!.stride === "0");
    if (rows === "1" || shared) {
      this.group = undefined;
      this.line(`W.${name}(${args}, 0, ${rows});`);
      return;
    }
    const cost = sinks.reduce((a, s) => a + 1 + this.cost(s.expr), 0);
    const work = `${n} * ${4 * cost}`;
    const g = this.group;
    if (g !== undefined && g.at === this.body.length - 1 && g.rows === rows) {
      g.calls.push({ name, args, work, n });
      this.body.pop();
    } else {
      this.group = { at: this.body.length, rows, calls: [{ name, args, work, n }] };
    }
    const { calls } = this.group!;
    const par = calls.map((c) => `${JSON.stringify(c.name)}, [${c.args}]`).join(", ");
    const total = `${rows} * (${calls.map((c) => c.work).join(" + ")})`;
    if (rows === "TB") {
      // Before or after the time loop: all T·B rows of every buffer would pass through memory once
      // per loop; in chunks of about ROW_CHUNK floats per row block, a chunk stays in cache for the next loop.
      const widest = calls.length === 1 ? calls[0]!.n : `Math.max(${calls.map((c) => c.n).join(", ")})`;
      this.line(`H.parSeq([${par}], TB, ${total}, ${ROW_CHUNK} / ${widest});`);
      return;
    }
    // A step's rows: one thread calls the loops directly (no argument arrays: a batch of 1 is latency-bound).
    const here = calls.map((c) => `W.${c.name}(${c.args}, 0, ${rows});`).join(" ");
    this.line(`if (H.splits(${total}, ${rows})) H.parSeq([${par}], ${rows}, ${total}); else { ${here} }`);
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

/** Floats per row block that a chunk of rows of a loop group covers (64 KiB). */
const ROW_CHUNK = 16384;

/** Vector instructions per application, roughly: the transcendental ones are polynomials. */
const APPLY_COST: Record<string, number> = {
  sigmoid: 30, tanh: 30, exp: 25, log: 30, elu: 30, softplus: 55, pow: 10, div: 4, sqrt: 4, softsign: 6, sign: 6,
};

function plus(a: string, b: string): string {
  if (a === "0") return b;
  if (b === "0") return a;
  return `${a} + ${b}`;
}

function minus(a: string, b: string): string {
  if (b === "0") return a;
  return `${a} - (${b})`;
}
