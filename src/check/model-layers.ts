import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { LayerDecl, ModelDecl } from "../syntax/ast.js";
import { STD_NAMES } from "../std/library.js";
import type { evalDimExpr } from "./dim-exprs.js";
import type { Dim } from "../core/dims.js";
import type { ModelLayer, ModelType, ResolvedCell } from "./model-types.js";
import type { ModelEnv } from "./model-scope.js";
import { closestName } from "../core/suggest.js";

/**
 * The declarations of a model, checked before its wiring: the types of its input and targets
 * (`[N]`, `index(N)`), and each `layer` line — the cell it instantiates and the binding of the
 * cell's dimensions to the model's.
 */

type EvalDim = (e: Parameters<typeof evalDimExpr>[0]) => Dim | undefined;

/** The type of an `input` or `target` declaration, or undefined after reporting why it has none. */
export function declType(s: ModelDecl, evalDim: EvalDim, report: (d: Diagnostic) => void): ModelType | undefined {
  const t = s.type;
  if (t.kind === "index") {
    if (t.word.name !== "index") {
      report(
        diag("RNN3020", { found: t.word.name }, {
          labels: [primary(t.word.span, "not a type")],
          helps: ["write `index(N)` for integer ids below N, or a shape such as `[N]` for a vector"],
        }),
      );
      return undefined;
    }
    const size = evalDim(t.size);
    if (!size) return undefined;
    if (!size.provablyPositive) {
      report(diag("RNN3011", { expr: size.toString() }, { labels: [primary(t.size.span, "an id range must hold at least one id")] }));
      return undefined;
    }
    return { kind: "index", size };
  }
  const dims = t.shape.dims;
  if (dims.length !== 1) {
    report(
      diag("RNN3005", { fn: s.role, expected: "a vector shape `[N]`", found: `a shape of rank ${dims.length}` }, {
        labels: [primary(t.shape.span, `rank ${dims.length}`)],
        notes: ["a model's inputs and targets hold one vector per step (or per sequence); the time axis is implied"],
      }),
    );
    return undefined;
  }
  const width = evalDim(dims[0]!);
  if (!width) return undefined;
  if (!width.provablyPositive) {
    report(diag("RNN3011", { expr: width.toString() }, { labels: [primary(dims[0]!.span, "may be zero or negative")] }));
    return undefined;
  }
  return { kind: "vector", width };
}

/** Resolves a `layer` line: the cell, and its dimensions bound by position or by name. */
export function checkLayer(s: LayerDecl, env: ModelEnv, evalDim: EvalDim, report: (d: Diagnostic) => void): ModelLayer | undefined {
  const resolved = env.cells.get(s.cell.name);
  if (!resolved) {
    if (env.unparsed.has(s.cell.name)) return undefined;
    const near = closestName(s.cell.name, env.cells.keys());
    const fromStd = STD_NAMES.includes(s.cell.name);
    report(
      diag("RNN2001", { name: s.cell.name }, {
        labels: [primary(s.cell.span, "no cell with this name here")],
        helps: fromStd ? [`import it from the standard library: \`import ${s.cell.name} from std\``] : near ? [`did you mean \`${near}\`?`] : [],
      }),
    );
    return undefined;
  }
  const cell = resolved.cell;
  const cellName = cell.def.name.name;
  if (cell.outputs.size === 0) {
    // Applying it would give no value: the line wiring it would have nothing to report on.
    report(
      diag("RNN6004", { backend: "model", what: `a layer of a cell without outputs (\`${cellName}\`)` }, {
        labels: [primary(s.cell.span, `\`${cellName}\` has no \`output\``), secondary(cell.def.name.span, `\`${cellName}\` defined here`)],
        helps: ["add an output to the cell, such as `output h'` to read its state at every step"],
      }),
    );
    return undefined;
  }
  const binding = new Map<string, Dim>();
  let ok = true;
  const positional = s.args.filter((a) => !a.name);
  const named = s.args.filter((a) => a.name);
  if (positional.length > 0 && named.length > 0) {
    report(diag("RNN5001", { fn: cellName, expected: `all ${cell.dims.length} dimensions by position or all by name`, found: "both" }, { labels: [primary(s.span, "mixed positional and named dimensions")] }));
    return undefined;
  }
  if (named.length === 0) {
    if (positional.length !== cell.dims.length) {
      report(
        diag("RNN5001", { fn: cellName, expected: cell.dims.length, found: positional.length }, {
          labels: [primary(s.span, `given ${positional.length} ${positional.length === 1 ? "dimension" : "dimensions"}`), secondary(cell.def.name.span, `\`${cellName}(${cell.dims.join(", ")})\` defined here`)],
        }),
      );
      return undefined;
    }
    positional.forEach((a, i) => {
      const d = evalDim(a.value);
      if (d) binding.set(cell.dims[i]!, d);
      else ok = false;
    });
  } else {
    for (const a of named) {
      const name = a.name!.name;
      if (!cell.dims.includes(name)) {
        report(diag("RNN2003", { name, owner: `cell \`${cellName}\`` }, { labels: [primary(a.name!.span, `\`${cellName}\` has dimensions ${cell.dims.join(", ")}`)] }));
        ok = false;
        continue;
      }
      if (binding.has(name)) {
        report(diag("RNN2002", { name, scope: "layer's dimension list" }, { labels: [primary(a.name!.span, "given twice")] }));
        ok = false;
        continue;
      }
      const d = evalDim(a.value);
      if (d) binding.set(name, d);
      else ok = false;
    }
    const missing = cell.dims.filter((d) => !binding.has(d));
    if (ok && missing.length > 0) {
      report(diag("RNN5001", { fn: cellName, expected: cell.dims.length, found: binding.size }, { labels: [primary(s.span, `no value for ${missing.map((m) => `\`${m}\``).join(", ")}`)] }));
      ok = false;
    }
  }
  if (!ok) return undefined;
  for (const a of s.args) {
    const name = a.name?.name ?? cell.dims[s.args.indexOf(a)]!;
    const d = binding.get(name)!;
    if (!d.provablyPositive) {
      report(diag("RNN3011", { expr: `${name} = ${d}` }, { labels: [primary(a.value.span, "a cell's dimensions must be at least 1")] }));
      ok = false;
    }
  }
  if (!ok) return undefined;
  return { name: s.name.name, cell: resolved, binding, recurrent: cell.states.length > 0, span: s.span };
}
