import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { Expr } from "../syntax/ast.js";
import { Dim, shapeToString, type Shape } from "../core/dims.js";
import { typeOf, withOrigins, type Typed } from "./expressions.js";
import { BUILTINS } from "./builtins.js";
import type { ExprContext, FnSignature } from "./scope.js";
import { closestName } from "../core/suggest.js";

type Call = Extract<Expr, { kind: "call" }>;

/**
 * A call of a user function. The function is polymorphic in the dimension names of its
 * parameter shapes; at the call they are inferred from the arguments' shapes (a parameter
 * dimension `N` binds to the argument's dimension, `2N` to half of it when provably even),
 * and the result shape is the declared one with the binding substituted.
 */
export function checkFnCall(call: Call, cx: ExprContext): Typed | undefined {
  const fn = cx.fns.get(call.callee.name);
  if (!fn) {
    const b = cx.scope.get(call.callee.name);
    if (b) {
      b.used = true;
      cx.report(diag("RNN2010", { name: call.callee.name }, { labels: [primary(call.callee.span, `\`${b.name}\` is a ${b.kind}`)] }));
    } else if (!cx.recovered && !cx.unparsed.has(call.callee.name)) {
      const near = closestName(call.callee.name, [...BUILTINS.keys(), ...cx.fns.keys()]);
      cx.report(
        diag("RNN2001", { name: call.callee.name }, {
          labels: [primary(call.callee.span, "no function with this name")],
          helps: near ? [`did you mean \`${near}\`?`] : [],
        }),
      );
    }
    for (const a of call.args) typeOf(a, cx);
    return undefined;
  }
  const args = call.args.map((a) => typeOf(a, cx));
  if (args.length !== fn.params.length) {
    cx.report(
      diag("RNN5001", { fn: fn.def.name.name, expected: fn.params.length, found: args.length }, {
        labels: [primary(call.span, `called with ${args.length} argument(s)`), secondary(fn.def.name.span, "function defined here")],
      }),
    );
    return undefined;
  }
  if (args.some((a) => a === undefined)) return undefined;
  const binding = inferBinding(fn, args as Typed[], call, cx);
  if (!binding) return undefined;
  // The function was checked for dimensions ≥ 1; a call may not bind one to zero or less.
  for (const [name, value] of binding) {
    if (value.provablyPositive) continue;
    const i = fn.params.findIndex((p) => p.shape.some((d) => d.names().includes(name)));
    const p = fn.params[i]!;
    const a = args[i]!;
    cx.report(
      diag("RNN5002", { param: p.name, fn: fn.def.name.name, expected: shapeToString(p.shape), found: shapeToString(a.shape) }, {
        labels: withOrigins(primary(call.args[i]!.span, `shape ${shapeToString(a.shape)}`), a).concat(secondary(p.span, `\`${p.name}\` declared ${shapeToString(p.shape)}`)),
        notes: [`here ${name} would be ${value}, which is not positive for every value of the dimensions`],
      }),
    );
    return undefined;
  }
  cx.callBindings.set(call, binding);
  return { shape: fn.result.map((d) => d.substitute(binding)) };
}

function inferBinding(fn: FnSignature, args: Typed[], call: Call, cx: ExprContext): Map<string, Dim> | undefined {
  const binding = new Map<string, Dim>();
  const bindingSource = new Map<string, number>();
  const fnName = fn.def.name.name;
  // Pass 1: a parameter dimension c·N + k with N still free binds N; pass 2 checks the rest.
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < fn.params.length; i++) {
      const p = fn.params[i]!;
      const a = args[i]!;
      if (a.shape.length !== p.shape.length) {
        if (pass === 0) continue;
        reportArg(fn, i, a, call, cx);
        return undefined;
      }
      for (let j = 0; j < p.shape.length; j++) {
        const pd = p.shape[j]!;
        const ad = a.shape[j]!;
        const free = pd.names().filter((n) => !binding.has(n));
        if (pass === 0 && free.length === 1) {
          const n = free[0]!;
          const coef = pd.terms.find(([x]) => x === n)![1];
          const rest = ad.sub(pd.substitute(new Map([[n, Dim.const(0)]])).substitute(binding));
          if (rest.divisibleBy(coef)) {
            binding.set(n, rest.div(coef));
            bindingSource.set(n, i);
          }
          continue;
        }
        if (pass === 1 && !pd.substitute(binding).equals(ad)) {
          const free1 = pd.names().find((n) => bindingSource.has(n) && bindingSource.get(n) !== i);
          if (free1 !== undefined && pd.names().length === 1) {
            const src = bindingSource.get(free1)!;
            cx.report(
              diag("RNN5003", { dim: free1, fn: fnName, first: binding.get(free1)!.toString(), second: ad.toString() }, {
                labels: withOrigins(primary(call.args[i]!.span, `here ${free1} would be ${ad}`), args[src], a).concat(
                  secondary(call.args[src]!.span, `here ${free1} is ${binding.get(free1)}`),
                ),
              }),
            );
          } else {
            reportArg(fn, i, a, call, cx, binding);
          }
          return undefined;
        }
      }
    }
  }
  return binding;
}

function reportArg(fn: FnSignature, i: number, a: Typed, call: Call, cx: ExprContext, binding?: Map<string, Dim>): void {
  const p = fn.params[i]!;
  const expected: Shape = binding ? p.shape.map((d) => d.substitute(binding)) : p.shape;
  const notes: string[] = [];
  if (expected.length === a.shape.length) {
    const j = expected.findIndex((d, k) => !d.equals(a.shape[k]!));
    const want = expected[j];
    const got = a.shape[j];
    if (want && got && want.names().some((n) => !binding?.has(n))) {
      notes.push(`no whole value of ${want.names().filter((n) => !binding?.has(n)).join(", ")} makes ${want} equal to ${got} for every value of the dimensions`);
    }
  }
  cx.report(
    diag("RNN5002", { param: p.name, fn: fn.def.name.name, expected: shapeToString(expected), found: shapeToString(a.shape) }, {
      labels: withOrigins(primary(call.args[i]!.span, `shape ${shapeToString(a.shape)}`), a).concat(secondary(p.span, `\`${p.name}\` declared ${shapeToString(p.shape)}`)),
      notes,
    }),
  );
}
