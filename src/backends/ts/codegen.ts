import type { Shape } from "../../core/dims.js";
import type { Node } from "../../ir/graph.js";
import { isBinary, isUnary } from "../../ir/ops.js";
import type { SeqProgram } from "./program.js";
import { isFusable, type Phase, type Schedule } from "./schedule.js";
import { bufferName, DimNames, domainKey, type Storage } from "./storage.js";

/**
 * Turns a scheduled sequence program into JavaScript statements. The kernel's locals are:
 * `T`, `B`, `TB` (= T·B), `F` (the array constructor for the dtype), `lengths` (optional),
 * the param arrays and the sequence arrays the caller binds through `leafStorage`.
 * Output is deterministic: it depends only on the program.
 */
export interface KernelCode {
  /** Buffer allocations, before any computation. */
  readonly allocs: string[];
  /** The computation: param phase, pre phase, the time loop, post phase, accumulation. */
  readonly body: string[];
  /** Where every materialised node and leaf lives. */
  readonly storage: ReadonlyMap<number, Storage>;
  /** Buffers with a row per (step, example): the tape a backward pass may read. */
  readonly fullBuffers: readonly string[];
  /** The history buffer of each carry: (T+1)·B rows. */
  readonly histories: ReadonlyMap<string, string>;
}

export interface KernelInputs {
  /** Storage of each param and sequence leaf. */
  readonly leafStorage: (id: number) => Storage;
  /** Name of each param gradient accumulator array. */
  readonly accumulator: (name: string) => string;
}

const UNARY_JS: Record<string, (a: string, node: Node) => string> = {
  neg: (a) => `(-${a})`,
  sigmoid: (a) => `sigmoid(${a})`,
  tanh: (a) => `Math.tanh(${a})`,
  relu: (a) => `relu(${a})`,
  leaky_relu: (a, n) => `leakyRelu(${a}, ${num(n.attrs.alpha!)})`,
  elu: (a, n) => `elu(${a}, ${num(n.attrs.alpha!)})`,
  softplus: (a) => `softplus(${a})`,
  softsign: (a) => `softsign(${a})`,
  hard_sigmoid: (a) => `hardSigmoid(${a})`,
  exp: (a) => `Math.exp(${a})`,
  log: (a) => `Math.log(${a})`,
  sqrt: (a) => `Math.sqrt(${a})`,
  abs: (a) => `Math.abs(${a})`,
  clamp: (a, n) => `Math.min(Math.max(${a}, ${num(n.attrs.lo!)}), ${num(n.attrs.hi!)})`,
  pow: (a, n) => `Math.pow(${a}, ${num(n.attrs.exponent!)})`,
  dropout: () => {
    throw new Error("internal: dropout is written by valueAt, which knows the row");
  },
  step: (a) => `step(${a})`,
  sign: (a) => `sign(${a})`,
};

const BINARY_JS: Record<string, (a: string, b: string) => string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  maximum: (a, b) => `Math.max(${a}, ${b})`,
  minimum: (a, b) => `Math.min(${a}, ${b})`,
};

function num(v: number): string {
  const s = Object.is(v, -0) ? "0" : String(v);
  return v < 0 ? `(${s})` : s;
}

export function generateKernel(sched: Schedule, dims: DimNames, inputs: KernelInputs): KernelCode {
  return new KernelWriter(sched, dims, inputs).write();
}

/** Row context of the loop being written: how a per-row buffer's row is found. */
interface RowContext {
  /** JS expression of the row index into full buffers (before rowOffset), or undefined for the param phase. */
  readonly fullRow?: string;
  /** JS expression of the row index into step buffers. */
  readonly stepRow?: string;
}

export class KernelWriter {
  protected readonly program: SeqProgram;
  protected readonly nodes: readonly Node[];
  protected readonly storage = new Map<number, Storage>();
  protected readonly allocs: string[] = [];
  protected readonly body: string[] = [];
  protected readonly fullBuffers: string[] = [];
  protected readonly histories = new Map<string, string>();
  protected readonly carryNextOwner = new Map<number, string>();
  protected readonly concatAlias = new Map<number, { concat: number; offset: string }>();
  /** Weights packed for the GEMMs once per call, right after the param phase: key → local name. */
  protected readonly packs = new Map<string, string>();
  protected readonly packLines: string[] = [];
  protected usesScratch = false;
  protected indent = 1;

  constructor(
    protected readonly sched: Schedule,
    protected readonly dims: DimNames,
    protected readonly inputs: KernelInputs,
  ) {
    this.program = sched.program;
    this.nodes = sched.program.nodes;
  }

  write(): KernelCode {
    this.planCarries();
    this.planConcatAliases();
    for (let id = 0; id < this.nodes.length; id++) if (this.needsStorage(id)) this.storageOf(id);
    this.emitPhase("param", {});
    const afterParams = this.body.length;
    this.emitPhase("pre", { fullRow: "r" });
    this.emitLoop();
    this.emitPhase("post", { fullRow: "r" });
    this.emitAccumulators();
    this.body.splice(afterParams, 0, ...this.packLines.map((l) => "  " + l));
    if (this.usesScratch) this.allocs.push("let scratch: PackedB | undefined;");
    return { allocs: this.allocs, body: this.body, storage: this.storage, fullBuffers: this.fullBuffers, histories: this.histories };
  }

  // ---- storage --------------------------------------------------------------------------

  protected needsStorage(id: number): boolean {
    const s = this.sched;
    if (!s.live[id] || s.accumulatedOuter[id]) return false;
    if (this.program.leaves.has(id)) return true;
    return s.phase[id] !== undefined && !s.inlined[id];
  }

  /** A carry's history buffer holds T+1 slabs; its next value is written straight into it when it can be. */
  protected planCarries(): void {
    const owned = new Set<number>();
    for (const c of this.program.carries) {
      const hist = bufferName("history", c.name);
      this.histories.set(c.name, hist);
      const stride = this.dims.size(c.shape);
      this.alloc(hist, `(TB + B) * ${stride}`);
      this.fullBuffers.push(hist);
      const n = c.next;
      if (n !== undefined && !this.program.leaves.has(n) && this.sched.phase[n] === "loop" && !this.sched.view[n] && !owned.has(n)) {
        owned.add(n);
        this.carryNextOwner.set(n, c.name);
      }
    }
  }

  /** Materialised parts read only by a concat are computed straight into the concat's buffer. */
  protected planConcatAliases(): void {
    this.nodes.forEach((node, id) => {
      if (node.op !== "concat" || !this.needsStorage(id) || this.carryNextOwner.has(id)) return;
      let offset = node.shape[0]!.scale(0);
      const cols = node.shape.length === 2 ? node.shape[1]! : undefined;
      for (const p of node.inputs) {
        const part = this.nodes[p]!;
        const ok =
          this.needsStorage(p) &&
          !this.program.leaves.has(p) &&
          !this.sched.view[p] &&
          !this.carryNextOwner.has(p) &&
          !this.program.collect.includes(p) &&
          !this.concatAlias.has(p) &&
          this.sched.consumers[p]!.length === 1 &&
          this.sched.phase[p] === this.sched.phase[id] &&
          !this.program.accumulate.some((a) => a.contributions.includes(p));
        if (ok) this.concatAlias.set(p, { concat: id, offset: cols ? `${this.dims.of(offset)} * ${this.dims.of(cols)}` : this.dims.of(offset) });
        offset = offset.add(part.shape[0]!);
      }
    });
  }

  /** Declares a zeroed buffer of `size` elements (a subclass may place it elsewhere). */
  protected alloc(name: string, size: string): void {
    this.allocs.push(`const ${name} = new F(${size});`);
  }

  protected storageOf(id: number): Storage {
    const known = this.storage.get(id);
    if (known) return known;
    const s = this.computeStorage(id);
    this.storage.set(id, s);
    return s;
  }

  protected computeStorage(id: number): Storage {
    const node = this.nodes[id]!;
    const leaf = this.program.leaves.get(id);
    if (leaf?.kind === "carry") {
      const c = this.program.carries.find((x) => x.name === leaf.name)!;
      return { role: "history", buf: this.histories.get(c.name)!, kind: "full", stride: this.dims.size(c.shape), col: "0", rowOffset: this.program.reverse ? "B" : "0" };
    }
    if (leaf) return this.inputs.leafStorage(id);
    const carry = this.carryNextOwner.get(id);
    if (carry !== undefined) {
      return { role: "history", buf: this.histories.get(carry)!, kind: "full", stride: this.dims.size(node.shape), col: "0", rowOffset: this.program.reverse ? "0" : "B" };
    }
    if (this.sched.view[id]) {
      const parent = this.storageOf(node.inputs[0]!);
      const cols = node.shape.length === 2 ? ` * ${this.dims.of(node.shape[1]!)}` : "";
      return { ...parent, col: joinPlus(parent.col, `${this.dims.of(node.attrs.start!)}${cols}`) };
    }
    const alias = this.concatAlias.get(id);
    if (alias) {
      const parent = this.storageOf(alias.concat);
      return { ...parent, col: joinPlus(parent.col, alias.offset) };
    }
    const phase = this.sched.phase[id]!;
    const size = this.dims.size(node.shape);
    const buf = bufferName("value", String(id));
    if (phase === "param") {
      this.alloc(buf, size);
      return { role: "value", buf, kind: "param", stride: size, col: "0", rowOffset: "0" };
    }
    if (phase === "loop" && !this.sched.storedFull[id]) {
      this.alloc(buf, `B * ${size}`);
      return { role: "value", buf, kind: "step", stride: size, col: "0", rowOffset: "0" };
    }
    this.alloc(buf, `TB * ${size}`);
    this.fullBuffers.push(buf);
    return { role: "value", buf, kind: "full", stride: size, col: "0", rowOffset: "0" };
  }

  // ---- writing --------------------------------------------------------------------------

  protected line(s: string): void {
    this.body.push("  ".repeat(this.indent) + s);
  }

  protected open(s: string): void {
    this.line(s);
    this.indent++;
  }

  protected close(s = "}"): void {
    this.indent--;
    this.line(s);
  }

  /** Offset of row 0 of the current row context in a storage (for products over all rows). */
  protected rowBase(s: Storage, cx: RowContext): string {
    if (s.kind === "param") return s.col;
    if (s.kind === "step") return s.col;
    const row = cx.fullRow === "tB + b" ? "tB" : "0";
    const r = s.rowOffset === "0" ? row : row === "0" ? "B" : `${row} + B`;
    return joinPlus(r === "0" ? "0" : `(${r}) * ${s.stride}`, s.col);
  }

  /** Offset of the current row in a storage, inside a row loop. */
  protected rowOffsetExpr(s: Storage, cx: RowContext): string {
    if (s.kind === "param") return s.col;
    if (s.kind === "step") {
      if (!cx.stepRow) throw new Error("internal: step buffer read outside the time loop");
      return joinPlus(`${cx.stepRow} * ${s.stride}`, s.col);
    }
    if (!cx.fullRow) throw new Error("internal: per-row buffer read in the param phase");
    const r = s.rowOffset === "0" ? cx.fullRow : `${cx.fullRow} + B`;
    return joinPlus(`(${r}) * ${s.stride}`, s.col);
  }

  protected emitPhase(phase: Phase, cx: RowContext): void {
    let group: number[] = [];
    let groupKey = "";
    const flush = () => {
      if (group.length > 0) this.emitFused(group, cx);
      group = [];
    };
    for (let id = 0; id < this.nodes.length; id++) {
      if (this.sched.phase[id] !== phase || !this.needsStorage(id) || this.sched.view[id]) continue;
      const node = this.nodes[id]!;
      if (isFusable(node.op)) {
        const key = domainKey(node.shape);
        if (group.length > 0 && (key !== groupKey || this.readsShifted(id, new Set(group)))) flush();
        if (group.length === 0) groupKey = key;
        group.push(id);
        continue;
      }
      const deps = this.materialDeps(id);
      if (group.some((g) => deps.has(g))) flush();
      this.emitNode(id, cx);
    }
    flush();
  }

  protected emitLoop(): void {
    const rev = this.program.reverse;
    const cx: RowContext = { fullRow: "tB + b", stepRow: "b" };
    this.open(rev ? "for (let t = T - 1; t >= 0; t--) {" : "for (let t = 0; t < T; t++) {");
    this.line("const tB = t * B;");
    if (rev) this.emitReverseMaskPrologue();
    this.emitPhase("loop", cx);
    this.emitCarryCopies(cx);
    this.emitMaskEpilogue();
    this.close();
  }

  /** Next values that could not be written into the history directly are copied there. */
  protected emitCarryCopies(cx: RowContext): void {
    for (const c of this.program.carries) {
      const hist = this.histories.get(c.name)!;
      const size = this.dims.size(c.shape);
      const dst = this.program.reverse ? "tB" : "tB + B";
      if (c.next === undefined) {
        this.line(`${hist}.fill(0, (${dst}) * ${size}, (${dst} + B) * ${size});`);
        continue;
      }
      if (this.carryNextOwner.get(c.next) === c.name) continue;
      this.open(`for (let b = 0; b < B; b++) {`);
      this.line(`const o = (${dst} + b) * ${size};`);
      this.open(`for (let j = 0; j < ${size}; j++) {`);
      this.line(`${hist}[o + j] = ${this.valueAt(c.next, "j", cx, new Set())};`);
      this.close();
      this.close();
    }
  }

  /**
   * Variable lengths. Forward: past its length an example keeps its state (the history's
   * next slab repeats the current one). Backward: its adjoint passes through the step
   * untouched, and the step itself sees a zero adjoint (so it contributes nothing).
   */
  protected emitReverseMaskPrologue(): void {
    this.forEachFinishedExample((hist, size, c) => {
      // Plain loops, not subarray(): no allocation inside the time loop.
      this.line(`for (let j = 0, o = (tB + B + b) * ${size}; j < ${size}; j++) { held_${c}[b * ${size} + j] = ${hist}[o + j]!; ${hist}[o + j] = 0; }`);
      this.alloc(`held_${c}`, `B * ${size}`);
    });
  }

  protected emitMaskEpilogue(): void {
    this.forEachFinishedExample((hist, size, c) => {
      if (this.program.reverse) this.line(`for (let j = 0, o = (tB + b) * ${size}; j < ${size}; j++) ${hist}[o + j] = held_${c}[b * ${size} + j]!;`);
      else this.line(`${hist}.copyWithin((tB + B + b) * ${size}, (tB + b) * ${size}, (tB + b + 1) * ${size});`);
    });
  }

  /** Writes `body` for every carry, inside a loop over the examples past their length at step t. */
  protected forEachFinishedExample(body: (hist: string, size: string, carry: string) => void): void {
    if (this.program.carries.length === 0) return;
    this.open("if (lengths !== undefined) {");
    this.open("for (let b = 0; b < B; b++) {");
    this.open("if (t >= lengths[b]!) {");
    for (const c of this.program.carries) body(this.histories.get(c.name)!, this.dims.size(c.shape), c.name);
    this.close();
    this.close();
    this.close();
  }

  /** The materialised nodes an expression for `id` reads (looking through inlined nodes). */
  protected materialDeps(id: number): Set<number> {
    const out = new Set<number>();
    const walk = (x: number) => {
      for (const i of this.nodes[x]!.inputs) {
        if (this.sched.inlined[i]) walk(i);
        else out.add(i);
      }
    };
    walk(id);
    return out;
  }

  /** Whether `id`'s expression reads a member of `group` at a shifted index (so not from the loop's local). */
  protected readsShifted(id: number, group: Set<number>): boolean {
    const walk = (x: number, identity: boolean): boolean => {
      const node = this.nodes[x]!;
      return node.inputs.some((i) => {
        const shifted = !identity || node.op === "slice" || node.op === "pad" || node.op === "broadcast";
        const scalar = this.nodes[i]!.shape.length === 0 && node.shape.length > 0;
        if (group.has(i)) return shifted && !scalar ? true : scalar;
        return this.sched.inlined[i] ? walk(i, !shifted) : false;
      });
    };
    return walk(id, true);
  }

  // ---- fused elementwise loops --------------------------------------------------------------

  protected emitFused(group: number[], cx: RowContext): void {
    const members = new Set(group);
    const size = this.dims.size(this.nodes[group[0]!]!.shape);
    const bases = new Map<string, string>();
    const innerLines: string[] = [];
    for (const id of group) {
      const expr = this.valueAt(id, "j", cx, members, bases, true);
      innerLines.push(`const e${id} = ${expr};`);
      const s = this.storageOf(id);
      innerLines.push(`${s.buf}[${this.baseVar(s, cx, bases)} + j] = e${id};`);
    }
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.open(`for (let j = 0; j < ${size}; j++) {`);
      for (const l of innerLines) this.line(l);
      this.close();
    });
  }

  /** Runs `body` inside the row loop of the context (none in the param phase). */
  protected withRows(cx: RowContext, body: () => void): void {
    if (cx.fullRow === undefined) return body();
    if (cx.stepRow !== undefined) this.open("for (let b = 0; b < B; b++) {");
    else this.open("for (let r = 0; r < TB; r++) {");
    body();
    this.close();
  }

  /** A named local holding a storage's offset for the current row (declared at the top of the row loop). */
  protected baseVar(s: Storage, cx: RowContext, bases: Map<string, string>): string {
    const expr = this.rowOffsetExpr(s, cx);
    if (/^[\w]+$/.test(expr)) return expr;
    for (const [v, e] of bases) if (e === expr) return v;
    const v = `o${bases.size}`;
    bases.set(v, expr);
    return v;
  }

  /**
   * A JavaScript expression for element `idx` of node `id` in the current row. Members of the
   * group being written are read from their locals; other materialised values from their
   * buffers; inlined nodes are expanded in place.
   */
  protected valueAt(id: number, idx: string, cx: RowContext, members: Set<number>, bases = new Map<string, string>(), top = false): string {
    const node = this.nodes[id]!;
    if (node.op === "const" && !this.program.leaves.has(id)) return node.attrs.dim ? this.dims.of(node.attrs.dim) : num(node.attrs.value!);
    if (!top && members.has(id) && idx === "j") return `e${id}`;
    if (!top && members.has(id) && node.shape.length === 0) return `e${id}`;
    if (!top && (!this.sched.inlined[id] || this.program.leaves.has(id))) {
      const s = this.storageOf(id);
      const i = node.shape.length === 0 ? "" : ` + ${idx}`;
      return `${s.buf}[${this.baseVar(s, cx, bases)}${i}]`;
    }
    const arg = (k: number, at: string) => this.valueAt(node.inputs[k]!, at, cx, members, bases);
    if (node.op === "dropout") {
      // Mask `site` holds one row per example: the example of row r is r % B (b in the time loop).
      if (cx.fullRow === undefined) throw new Error("internal: dropout outside a per-row phase");
      const example = cx.stepRow ?? `(${cx.fullRow} % B)`;
      const at = node.shape.length === 0 ? example : `${example} * ${this.dims.size(node.shape)} + ${idx}`;
      return `(${arg(0, idx)} * M${node.attrs.site}[${at}]!)`;
    }
    if (isUnary(node.op)) return UNARY_JS[node.op]!(arg(0, idx), node);
    if (isBinary(node.op)) {
      const l = this.nodes[node.inputs[0]!]!.shape.length === 0 ? "0" : idx;
      const r = this.nodes[node.inputs[1]!]!.shape.length === 0 ? "0" : idx;
      return BINARY_JS[node.op]!(arg(0, l), arg(1, r));
    }
    switch (node.op) {
      case "slice":
        return arg(0, joinPlus(idx, this.flatStart(node)));
      case "pad": {
        const s = this.flatStart(node);
        const e = this.flatOffset(node, node.attrs.end!);
        return `(${idx} >= ${s} && ${idx} < ${e} ? ${arg(0, `${idx} - ${s}`)} : 0)`;
      }
      case "broadcast":
        return arg(0, "0");
      default:
        throw new Error(`internal: ${node.op} cannot be computed elementwise`);
    }
  }

  protected flatStart(node: Node): string {
    return this.flatOffset(node, node.attrs.start!);
  }

  /** A row offset of a slice or pad, as a flat element offset (rows × columns for a matrix). */
  protected flatOffset(node: Node, rows: NonNullable<Node["attrs"]["start"]>): string {
    const shape = node.op === "pad" ? node.shape : this.nodes[node.inputs[0]!]!.shape;
    const r = this.dims.of(rows);
    return shape.length === 2 ? `${r} * ${this.dims.of(shape[1]!)}` : r;
  }

  // ---- other ops ------------------------------------------------------------------------

  protected rows(cx: RowContext): string {
    return cx.fullRow === undefined ? "1" : cx.stepRow !== undefined ? "B" : "TB";
  }

  protected emitNode(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    switch (node.op) {
      case "matmul":
        return this.emitMatmul(id, cx);
      case "concat":
        return this.emitConcat(id, cx);
      case "sum":
      case "mean":
      case "max":
        return this.emitReduce(id, cx);
      case "max_mask":
        return this.emitMaxMask(id, cx);
      case "outer":
        return this.emitOuter(id, cx);
      default:
        throw new Error(`internal: no kernel for ${node.op}`);
    }
  }

  protected emitConcat(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const out = this.storageOf(id);
    let offset = node.shape[0]!.scale(0);
    const cols = node.shape.length === 2 ? node.shape[1]! : undefined;
    for (const p of node.inputs) {
      const part = this.nodes[p]!;
      const off = cols ? `${this.dims.of(offset)} * ${this.dims.of(cols)}` : this.dims.of(offset);
      offset = offset.add(part.shape[0]!);
      if (this.concatAlias.get(p)?.concat === id) continue;
      const size = this.dims.size(part.shape);
      const bases = new Map<string, string>();
      const value = this.valueAt(p, "j", cx, new Set(), bases);
      const target = `${out.buf}[${this.baseVar(out, cx, bases)} + ${joinPlus(off, "j")}]`;
      this.withRows(cx, () => {
        for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
        this.open(`for (let j = 0; j < ${size}; j++) {`);
        this.line(`${target} = ${value};`);
        this.close();
      });
    }
  }

  protected emitReduce(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const out = this.storageOf(id);
    const input = this.nodes[node.inputs[0]!]!;
    const size = this.dims.size(input.shape);
    const bases = new Map<string, string>();
    const value = this.valueAt(node.inputs[0]!, "j", cx, new Set(), bases);
    const target = `${out.buf}[${this.baseVar(out, cx, bases)}]`;
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.line(`let s = ${node.op === "max" ? "-Infinity" : "0"};`);
      this.open(`for (let j = 0; j < ${size}; j++) {`);
      if (node.op === "max") {
        this.line(`const x = ${value};`);
        this.line("if (x > s) s = x;");
      } else this.line(`s += ${value};`);
      this.close();
      this.line(`${target} = ${node.op === "mean" ? `s / ${size}` : "s"};`);
    });
  }

  protected emitMaxMask(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const out = this.storageOf(id);
    const inS = this.storageOf(node.inputs[0]!);
    const size = this.dims.size(node.shape);
    const bases = new Map<string, string>();
    const o = this.baseVar(out, cx, bases);
    const i = this.baseVar(inS, cx, bases);
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.line("let best = 0;");
      this.line(`for (let j = 1; j < ${size}; j++) if (${inS.buf}[${i} + j]! > ${inS.buf}[${i} + best]!) best = j;`);
      this.line(`for (let j = 0; j < ${size}; j++) ${out.buf}[${o} + j] = j === best ? 1 : 0;`);
    });
  }

  protected emitOuter(id: number, cx: RowContext): void {
    const node = this.nodes[id]!;
    const out = this.storageOf(id);
    const [a, b] = node.inputs.map((x) => this.storageOf(x));
    const m = this.dims.of(node.shape[0]!);
    const n = this.dims.of(node.shape[1]!);
    const bases = new Map<string, string>();
    const o = this.baseVar(out, cx, bases);
    const oa = this.baseVar(a!, cx, bases);
    const ob = this.baseVar(b!, cx, bases);
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.line(`for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${n}; j++) ${out.buf}[${o} + i * ${n} + j] = ${a!.buf}[${oa} + i]! * ${b!.buf}[${ob} + j]!;`);
    });
  }

  /**
   * Matrix products. A per-row vector times a shared matrix over all rows of the context is
   * one GEMM: B rows inside the time loop, T·B rows before or after it (the hoisting).
   * Anything else (both operands per row, or both shared) is a plain loop.
   */
  /**
   * A shared operand (a weight) packed for the GEMM kernel, once per call: op(W) is W, or its
   * transpose when `trans`, seen as a [k×n] matrix.
   */
  protected packed(W: Storage, ld: string, trans: boolean, k: string, n: string): string {
    const key = `${W.buf}|${W.col}|${ld}|${trans}|${k}|${n}`;
    let name = this.packs.get(key);
    if (!name) {
      name = `pk${this.packs.size}`;
      this.packs.set(key, name);
      this.packLines.push(`const ${name} = packB(${W.buf}, ${W.col}, ${ld}, ${trans}, ${k}, ${n});`);
    }
    return name;
  }

  /**
   * Matrix products. A per-row vector times a shared matrix over all rows of the context is
   * one GEMM against the packed matrix: B rows inside the time loop, T·B rows before or after
   * it (the hoisting). Anything else (both operands per row, or both shared) is a plain loop.
   */
  protected emitMatmul(id: number, cx: RowContext): void {
    if (this.sched.gathered[id]) return this.emitGather(id, cx);
    const { A, Bs, out, sA, sB, ta, tb } = this.matmulOperands(id);
    const rows = this.rows(cx);
    const perRow = (s: Storage) => s.kind !== "param";
    const call = (X: Storage, pk: string) =>
      this.line(`gemm(${rows}, ${X.buf}, ${this.rowBase(X, cx)}, ${X.stride}, ${pk}, ${out.buf}, ${this.rowBase(out, cx)}, ${out.stride}, false);`);
    if (cx.fullRow !== undefined && !perRow(A) && sA.length === 2 && perRow(Bs) && sB.length === 1) {
      const [r, c] = [this.dims.of(sA[0]!), this.dims.of(sA[1]!)];
      // W v over rows: V·Wᵀ; Wᵀ v over rows: V·W.
      return call(Bs, ta ? this.packed(A, c, false, r, c) : this.packed(A, c, true, c, r));
    }
    if (cx.fullRow !== undefined && perRow(A) && sA.length === 1 && !perRow(Bs) && sB.length === 2) {
      const [r, c] = [this.dims.of(sB[0]!), this.dims.of(sB[1]!)];
      return call(A, tb ? this.packed(Bs, c, true, c, r) : this.packed(Bs, c, false, r, c));
    }
    this.emitNaiveMatmul(id, cx);
  }

  /**
   * A product of x fed ids and a param W, over all rows before the loop: row id of W [V, E]
   * (`Wᵀ @ x`, `x @ W`) or column id of W [E, V] (`W @ x`, `x @ Wᵀ`) per row — O(E) per row, the
   * one-hot vector never made. `rows`: which of the two; `r`, `c`: W's dimensions.
   */
  protected gatherArgs(id: number, cx: RowContext): { ids: string; W: Storage; idStride: string; jStride: string; e: string; out: Storage; rows: string; rowsForm: boolean; r: string; c: string } {
    const { A, Bs, out, sA, sB, ta, tb } = this.matmulOperands(id);
    if (cx.fullRow !== "r") throw new Error(`internal: gather %${id} outside a phase over all rows`);
    const idsLeft = this.program.ids?.has(this.nodes[id]!.inputs[0]!) === true;
    const [W, ids, shape] = idsLeft ? [Bs, A, sB] : [A, Bs, sA];
    const rowsForm = idsLeft ? !tb : ta;
    const [r, c] = [this.dims.of(shape[0]!), this.dims.of(shape[1]!)];
    return { ids: ids.buf, W, idStride: rowsForm ? c : "1", jStride: rowsForm ? "1" : c, e: rowsForm ? c : r, out, rows: this.rows(cx), rowsForm, r, c };
  }

  protected emitGather(id: number, cx: RowContext): void {
    const g = this.gatherArgs(id, cx);
    this.line(`gatherIds(${g.rows}, ${g.ids}, 0, ${g.W.buf}, ${g.W.col}, ${g.idStride}, ${g.jStride}, ${g.e}, ${g.out.buf}, ${this.rowBase(g.out, cx)}, ${g.out.stride});`);
  }

  /**
   * Σ over all rows of g ⊗ x (or x ⊗ g) with x fed ids, into the accumulator G: g's row r is
   * added into column (row) id_r of G, rows in order.
   */
  protected scatterArgs(c: number): { ids: string; g: Storage; e: string; idStride: string; jStride: string } {
    const node = this.nodes[c]!;
    const idsFirst = this.program.ids?.has(node.inputs[0]!) === true;
    const ids = this.storageOf(node.inputs[idsFirst ? 0 : 1]!);
    const g = this.storageOf(node.inputs[idsFirst ? 1 : 0]!);
    if (g.kind !== "full") throw new Error(`internal: scatter-add %${c} of an adjoint that is not per row`);
    const [m, n] = [this.dims.of(node.shape[0]!), this.dims.of(node.shape[1]!)];
    // x ⊗ g is [V, E]: row id gets g; g ⊗ x is [E, V]: column id gets g.
    return { ids: ids.buf, g, e: idsFirst ? n : m, idStride: idsFirst ? n : "1", jStride: idsFirst ? "1" : n };
  }

  protected emitScatter(G: string, c: number): void {
    const s = this.scatterArgs(c);
    this.line(`scatterAddIds(TB, ${s.ids}, 0, ${s.g.buf}, ${this.rowBase(s.g, { fullRow: "r" })}, ${s.g.stride}, ${s.e}, ${G}, 0, ${s.idStride}, ${s.jStride});`);
  }

  /** A product's operands: their storage, shapes and transpositions. */
  protected matmulOperands(id: number) {
    const node = this.nodes[id]!;
    const [ia, ib] = node.inputs as [number, number];
    return {
      A: this.storageOf(ia),
      Bs: this.storageOf(ib),
      out: this.storageOf(id),
      sA: this.nodes[ia]!.shape,
      sB: this.nodes[ib]!.shape,
      ta: node.attrs.transA === true,
      tb: node.attrs.transB === true,
    };
  }

  protected emitNaiveMatmul(id: number, cx: RowContext): void {
    const { A, Bs, out, sA, sB, ta, tb } = this.matmulOperands(id);
    // op(A) is [m, k] (a vector is a single row), op(B) is [k, n] (a vector is a single column).
    const aRows = sA.length === 2 ? this.dims.of(sA[0]!) : "1";
    const aCols = sA.length === 2 ? this.dims.of(sA[1]!) : this.dims.of(sA[0]!);
    const bRows = sB.length === 2 ? this.dims.of(sB[0]!) : this.dims.of(sB[0]!);
    const bCols = sB.length === 2 ? this.dims.of(sB[1]!) : "1";
    const m = ta ? aCols : aRows;
    const k = ta ? aRows : aCols;
    const n = tb ? bRows : bCols;
    const aAt = (i: string, p: string) => (ta ? `${p} * ${aCols} + ${i}` : `${i} * ${aCols} + ${p}`);
    const bAt = (p: string, j: string) => (tb ? `${j} * ${bCols} + ${p}` : `${p} * ${bCols} + ${j}`);
    const bases = new Map<string, string>();
    const oa = this.baseVar(A, cx, bases);
    const ob = this.baseVar(Bs, cx, bases);
    const oo = this.baseVar(out, cx, bases);
    this.withRows(cx, () => {
      for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
      this.open(`for (let i = 0; i < ${m}; i++) {`);
      this.open(`for (let j = 0; j < ${n}; j++) {`);
      this.line("let s = 0;");
      this.line(`for (let p = 0; p < ${k}; p++) s += ${A.buf}[${oa} + ${aAt("i", "p")}]! * ${Bs.buf}[${ob} + ${bAt("p", "j")}]!;`);
      this.line(`${out.buf}[${oo} + i * ${n} + j] = s;`);
      this.close();
      this.close();
    });
  }

  // ---- param gradients ---------------------------------------------------------------------

  /**
   * Each contribution is summed over every (step, example) row at once, after the loop: an
   * outer product g ⊗ v becomes one TN product (Gᵀ V over T·B rows), a vector a column sum.
   */
  protected emitAccumulators(): void {
    const cx: RowContext = { fullRow: "r" };
    for (const acc of this.program.accumulate) {
      const G = this.inputs.accumulator(acc.name);
      for (const c of acc.contributions) {
        const node = this.nodes[c]!;
        if (this.sched.scattered[c]) {
          this.emitScatter(G, c);
          continue;
        }
        if (this.sched.accumulatedOuter[c]) {
          const [a, b] = node.inputs.map((x) => this.storageOf(x)) as [Storage, Storage];
          const m = this.dims.of(node.shape[0]!);
          const n = this.dims.of(node.shape[1]!);
          if (a.kind === "full" && b.kind === "full") {
            // Σ over every (step, example) row r of a_r ⊗ b_r = Aᵀ·B: one product, B packed once.
            this.line(`scratch = packB(${b.buf}, ${this.rowBase(b, cx)}, ${b.stride}, false, TB, ${n}, scratch);`);
            this.line(`gemmTransA(${m}, ${a.buf}, ${this.rowBase(a, cx)}, ${a.stride}, scratch, ${G}, 0, ${n}, true);`);
            this.usesScratch = true;
            continue;
          }
          const bases = new Map<string, string>();
          const oa = this.baseVar(a, cx, bases);
          const ob = this.baseVar(b, cx, bases);
          this.withRows(cx, () => {
            for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
            this.line(`for (let i = 0; i < ${m}; i++) for (let j = 0; j < ${n}; j++) ${G}[i * ${n} + j] += ${a.buf}[${oa} + i]! * ${b.buf}[${ob} + j]!;`);
          });
          continue;
        }
        const s = this.storageOf(c);
        if (s.kind !== "full") throw new Error(`internal: gradient contribution %${c} of ${acc.name} does not vary per example`);
        const size = this.dims.size(acc.shape);
        const bases = new Map<string, string>();
        const o = this.baseVar(s, cx, bases);
        this.withRows(cx, () => {
          for (const [v, e] of bases) this.line(`const ${v} = ${e};`);
          this.line(`for (let j = 0; j < ${size}; j++) ${G}[j] += ${s.buf}[${o} + j]!;`);
        });
      }
    }
  }
}

function joinPlus(a: string, b: string): string {
  if (a === "0") return b;
  if (b === "0") return a;
  return `${a} + ${b}`;
}

export type { Shape };
