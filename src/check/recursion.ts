import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Expr, FnDef } from "../syntax/ast.js";

interface Call {
  readonly callee: number;
  readonly span: Span;
}

/**
 * Functions are expanded at every call, so a cycle of calls (a function calling itself, directly
 * or through others) could never be expanded. Each cycle is reported once, at the call that
 * closes it. The strongly connected components of the call graph are found with Tarjan's
 * algorithm written without recursion, so a chain of thousands of functions costs linear time
 * and no stack.
 */
export function checkRecursion(defs: readonly FnDef[], report: (d: Diagnostic) => void): void {
  const index = new Map<string, number>();
  defs.forEach((d, i) => {
    if (!index.has(d.name.name)) index.set(d.name.name, i);
  });
  const calls: Call[][] = defs.map((d) => callsIn(d, index));

  for (const component of stronglyConnected(calls)) {
    const start = smallest(component);
    const members = new Set(component);
    const selfLoop = calls[start]!.some((c) => c.callee === start);
    if (component.length === 1 && !selfLoop) continue;
    const cycle = shortestCycle(start, calls, members);
    const names = [...cycle.path, start].map((i) => `\`${defs[i]!.name.name}\``).join(" → ");
    report(diag("RNN5005", { fn: defs[start]!.name.name, path: names }, { labels: [primary(cycle.closing, "the call that closes the cycle")] }));
  }
}

function callsIn(def: FnDef, index: ReadonlyMap<string, number>): Call[] {
  const found: Call[] = [];
  const stack: Expr[] = [];
  for (const s of def.body) if (s.kind !== "decl" && s.value) stack.push(s.value);
  // Walk in source order: the stack is filled right to left.
  stack.reverse();
  while (stack.length > 0) {
    const e = stack.pop()!;
    const next: Expr[] = [];
    if (e.kind === "call") {
      const callee = index.get(e.callee.name);
      if (callee !== undefined) found.push({ callee, span: e.callee.span });
      next.push(...e.args);
    } else if (e.kind === "binary") next.push(e.left, e.right);
    else if (e.kind === "neg") next.push(e.operand);
    else if (e.kind === "slice") next.push(e.target);
    for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]!);
  }
  return found;
}

/** Tarjan's strongly connected components, iteratively; components in order of discovery. */
function stronglyConnected(calls: readonly Call[][]): number[][] {
  const n = calls.length;
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      const edges = calls[v]!;
      if (i < edges.length) {
        frame[1] = i + 1;
        const w = edges[i]!.callee;
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[v]!);
      if (low[v] === order[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        components.push(component);
      }
    }
  }
  return components.sort((a, b) => smallest(a) - smallest(b));
}

/** The shortest path of calls from `start` back to itself inside one component (breadth first). */
function shortestCycle(start: number, calls: readonly Call[][], members: ReadonlySet<number>): { path: number[]; closing: Span } {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const c of calls[v]!) {
      if (c.callee === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return { path, closing: c.span };
      }
      if (!members.has(c.callee) || parent.has(c.callee)) continue;
      parent.set(c.callee, v);
      queue.push(c.callee);
    }
  }
  throw new Error("internal: a strongly connected component without a cycle");
}

function smallest(xs: readonly number[]): number {
  return xs.reduce((m, x) => (x < m ? x : m), Infinity);
}
