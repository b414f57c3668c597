import { literalValue } from "../check/builtins.js";
import type { CheckedCell, CheckResult } from "../check/checker.js";
import { Dim } from "../core/dims.js";
import { evalDimExpr } from "../check/dim-exprs.js";
import type { DimExpr, Expr, Stmt } from "../syntax/ast.js";
import { GraphBuilder } from "./builder.js";
import type { Graph, OutputDecl, ParamDecl, StateDecl, LeafDecl } from "./graph.js";
import { UNARY_DEFAULT_ALPHA, type UnaryOp } from "./ops.js";
import { verifyGraph } from "./verify.js";

type Call = Extract<Expr, { kind: "call" }>;

/** Names in scope while lowering: value names → node ids; dimension names → Dims of the cell. */
interface Env {
  readonly values: Map<string, number>;
  readonly primes: Map<string, number>;
  readonly dims: ReadonlyMap<string, Dim>;
}

/**
 * Lowers a checked cell to the IR: one step of one example. `let` is just a name for a node,
 * `split` becomes slices, `softmax` its stable composition, and user functions are inlined
 * with their dimensions bound as the checker inferred them at the call.
 */
export function lowerCell(cell: CheckedCell, checked: CheckResult, file: string): Graph {
  const b = new GraphBuilder();
  const env: Env = { values: new Map(), primes: new Map(), dims: new Map(cell.dims.map((d) => [d, Dim.name(d)])) };
  const leaf = (kind: "input" | "state" | "param", d: CheckedCell["inputs"][number]): LeafDecl => {
    const node = b.leaf(kind, d.name, d.shape, d.decl.name.span);
    env.values.set(d.name, node);
    return { name: d.name, shape: d.shape, node, span: d.decl.span };
  };
  const inputs = cell.inputs.map((d) => leaf("input", d));
  const stateLeaves = cell.states.map((d) => leaf("state", d));
  const params: ParamDecl[] = cell.params.map((p) => ({ ...leaf("param", p), init: p.init }));

  const lower = new ExprLowering(b, checked);
  const outputs: OutputDecl[] = [];
  for (const s of cell.def.body) lowerStatement(s, env, lower, outputs);

  const states: StateDecl[] = stateLeaves.map((s) => ({ ...s, next: env.primes.get(s.name)! }));
  const graph: Graph = { cell: cell.def.name.name, file, dims: cell.dims, inputs, states, params, outputs, nodes: b.nodes };
  verifyGraph(graph, "lowering");
  return graph;
}

function lowerStatement(s: Stmt, env: Env, lower: ExprLowering, outputs: OutputDecl[]): void {
  switch (s.kind) {
    case "let": {
      if (s.destructure && s.value.kind === "call") {
        const parts = lower.split(s.value, env);
        s.names.forEach((n, i) => {
          env.values.set(n.name, parts[i]!);
          lower.b.name(parts[i]!, n.name);
        });
      } else {
        const id = lower.expr(s.value, env);
        env.values.set(s.names[0]!.name, id);
        lower.b.name(id, s.names[0]!.name);
      }
      return;
    }
    case "update": {
      const id = lower.expr(s.value, env);
      env.primes.set(s.name.name, id);
      lower.b.name(id, `${s.name.name}'`);
      return;
    }
    case "output": {
      const id = s.value ? lower.expr(s.value, env) : s.prime ? env.primes.get(s.name.name)! : env.values.get(s.name.name)!;
      if (s.value) env.values.set(s.name.name, id);
      lower.b.name(id, s.name.name);
      outputs.push({ name: s.name.name, node: id, span: s.span });
      return;
    }
    case "return":
    case "decl":
      return;
  }
}

class ExprLowering {
  private dropouts = 0;

  constructor(
    readonly b: GraphBuilder,
    private readonly checked: CheckResult,
  ) {}

  expr(e: Expr, env: Env): number {
    switch (e.kind) {
      case "number":
        return this.b.const(e.value, e.span);
      case "name": {
        const id = e.prime ? env.primes.get(e.name) : env.values.get(e.name);
        if (id === undefined) throw new Error(`internal: unresolved name ${e.name} after checking`);
        return id;
      }
      case "neg": {
        const v = literalValue(e);
        if (v !== undefined) return this.b.const(v, e.span);
        return this.b.add("neg", [this.expr(e.operand, env)], {}, e.span);
      }
      case "binary": {
        const l = this.expr(e.left, env);
        const r = this.expr(e.right, env);
        const op = ({ "+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul" } as const)[e.op];
        return this.b.add(op, [l, r], {}, e.span);
      }
      case "slice": {
        const t = this.expr(e.target, env);
        return this.b.add("slice", [t], { start: this.dim(e.start, env), end: this.dim(e.end, env) }, e.span);
      }
      case "call":
        return this.call(e, env);
    }
  }

  private dim(d: DimExpr, env: Env): Dim {
    const v = evalDimExpr(d, new Set(env.dims.keys()), "", () => {
      throw new Error("internal: dimension expression failed after checking");
    }, () => "");
    return v!.substitute(env.dims);
  }

  private call(e: Call, env: Env): number {
    const name = e.callee.name;
    const fn = this.checked.fns.get(name);
    if (fn) return this.inline(e, env);
    const args = () => e.args.map((a) => this.expr(a, env));
    switch (name) {
      case "sum": case "mean":
        return this.b.add(name, args(), {}, e.span);
      case "max": case "min": {
        const [a, b] = args();
        if (b !== undefined) return this.b.add(name === "max" ? "maximum" : "minimum", [a!, b], {}, e.span);
        if (name === "max") return this.b.add("max", [a!], {}, e.span);
        // min(v) = −max(−v): one reduction op, and its derivative (the first minimum) with it.
        return this.b.add("neg", [this.b.add("max", [this.b.add("neg", [a!], {}, e.span)], {}, e.span)], {}, e.span);
      }
      case "clamp":
        return this.b.add("clamp", [this.expr(e.args[0]!, env)], { lo: literalValue(e.args[1]!)!, hi: literalValue(e.args[2]!)! }, e.span);
      case "dropout":
        // Each dropout is its own mask, numbered in the order the lowering meets them (a function
        // inlined twice gets two).
        return this.b.add("dropout", [this.expr(e.args[0]!, env)], { p: literalValue(e.args[1]!)!, site: this.dropouts++ }, e.span);
      case "pow":
        return this.b.add("pow", [this.expr(e.args[0]!, env)], { exponent: literalValue(e.args[1]!)! }, e.span);
      case "softmax": {
        // softmax(v) = exp(v - max v) / sum(exp(v - max v)): the shift keeps exp finite and
        // cancels in the derivative, so the gradient through max is exactly zero.
        const v = this.expr(e.args[0]!, env);
        const m = this.b.add("max", [v], {}, e.span);
        const ex = this.b.add("exp", [this.b.add("sub", [v, m], {}, e.span)], {}, e.span);
        return this.b.add("div", [ex, this.b.add("sum", [ex], {}, e.span)], {}, e.span);
      }
      case "concat":
        return this.b.add("concat", args(), {}, e.span);
      case "leaky_relu": case "elu": {
        const alpha = e.args[1] ? literalValue(e.args[1])! : UNARY_DEFAULT_ALPHA[name]!;
        return this.b.add(name, [this.expr(e.args[0]!, env)], { alpha }, e.span);
      }
      default:
        return this.b.add(name as UnaryOp, [this.expr(e.args[0]!, env)], {}, e.span);
    }
  }

  split(e: Call, env: Env): number[] {
    const v = this.expr(e.args[0]!, env);
    const k = literalValue(e.args[1]!)!;
    const part = this.b.nodes[v]!.shape[0]!.div(k);
    return Array.from({ length: k }, (_, i) => this.b.add("slice", [v], { start: part.scale(i), end: part.scale(i + 1) }, e.span));
  }

  /** Inlines a user function: its parameters bound to the argument nodes, its dimensions to the call's binding. */
  private inline(e: Call, env: Env): number {
    const fn = this.checked.fns.get(e.callee.name)!;
    const binding = this.checked.callBindings.get(e)!;
    const inner: Env = {
      values: new Map(fn.params.map((p, i) => [p.name, this.expr(e.args[i]!, env)])),
      primes: new Map(),
      dims: new Map([...binding].map(([n, d]) => [n, d.substitute(env.dims)])),
    };
    for (const s of fn.def.body) {
      if (s.kind === "return") return this.expr(s.value, inner);
      lowerStatement(s, inner, this, []);
    }
    throw new Error(`internal: function ${fn.def.name.name} has no return after checking`);
  }
}
