import { diag } from "../diagnostics/codes.js";
import { primary, secondary } from "../diagnostics/diagnostic.js";
import type { ParamRef, TieStmt } from "../syntax/ast.js";
import { shapesEqual, shapeToString, type Shape } from "../core/dims.js";
import { qualified } from "../core/names.js";
import { closestName } from "../core/suggest.js";
import type { CheckedParam } from "./checker.js";
import type { ModelLayer, ModelTie } from "./model-types.js";
import type { ModelCx } from "./model-scope.js";

/**
 * Tied weights (`tie readout.W = embed.W`, Press & Wolf 2017): the param on the left is replaced
 * by the one on the right, its owner, so one array is stored (under the owner's name) and read by
 * both layers, and its gradient is the sum of both uses'. A tie is a declaration, like a layer:
 * checked before the wiring, in any order. The rules: both sides name a layer's param; the two
 * shapes are equal for every value of the dimensions, each under its layer's binding; a param is
 * replaced at most once; ties form no cycle (a param tied to itself is the shortest). A chain
 * `a.W = b.W`, `b.W = c.W` is resolved to its root: both a.W and b.W are c.W.
 */

/** A side of a tie, resolved: the layer, the cell's param and its shape in the model's dimensions. */
interface Resolved {
  readonly ref: ParamRef;
  readonly layer: ModelLayer;
  readonly param: CheckedParam;
  readonly shape: Shape;
  readonly key: string;
}

/** Checks the model's `tie` lines and returns the ties, each resolved to the root of its chain. */
export function checkTies(cx: ModelCx, ties: readonly TieStmt[]): ModelTie[] {
  const owners = new Map<string, { tie: TieStmt; param: Resolved; owner: Resolved }>();
  for (const s of ties) {
    const param = resolve(cx, s.param);
    const owner = resolve(cx, s.owner);
    // The owner's layer is read through the tie even if it is never applied: removing it would break the tie.
    const ownerEntry = cx.scope.get(s.owner.layer.name);
    if (ownerEntry?.kind === "layer") ownerEntry.used = true;
    if (!param || !owner) continue;
    const prior = owners.get(param.key);
    if (prior) {
      cx.report(
        diag("RNN4016", { name: param.key }, {
          labels: [primary(s.param.span, `tied again here, to \`${owner.key}\``), secondary(prior.tie.param.span, `first tied here, to \`${prior.owner.key}\``)],
          notes: ["a tie replaces a param by another: it can be replaced once"],
          helps: ["keep one of the two ties (to share one array among several layers, tie each of them to the same owner)"],
        }),
      );
      continue;
    }
    if (!shapesEqual(param.shape, owner.shape)) {
      reportShapes(cx, s, param, owner);
      continue;
    }
    owners.set(param.key, { tie: s, param, owner });
  }
  return resolveChains(cx, owners);
}

/** `layer.param` → the layer and the cell's param, or undefined after reporting why not. */
function resolve(cx: ModelCx, ref: ParamRef): Resolved | undefined {
  const name = ref.layer.name;
  const entry = cx.scope.get(name);
  const text = `${name}.${ref.param.name}`;
  if (!entry) {
    if (cx.recovered || cx.env.unparsed.has(name)) return undefined;
    const layers = [...cx.scope].filter(([, e]) => e.kind === "layer").map(([k]) => k);
    const near = closestName(name, layers);
    cx.report(diag("RNN2001", { name }, { labels: [primary(ref.layer.span, "no layer with this name in this model")], ...(near ? { helps: [`did you mean \`${near}\`?`] } : {}) }));
    return undefined;
  }
  if (entry.kind !== "layer") {
    cx.report(
      diag("RNN2011", { ref: text, reason: `\`${name}\` is ${entry.kind === "input" ? "an input" : `a ${entry.kind}`}, not a layer` }, {
        labels: [primary(ref.layer.span, `not a layer`), secondary(entry.span, `\`${name}\` defined here`)],
        notes: ["a tie names a param of a layer as `layer.param`"],
      }),
    );
    return undefined;
  }
  // A layer that did not check was reported at its own line.
  const layer = entry.layer;
  if (!layer) return undefined;
  const cell = layer.cell.cell;
  const param = cell.params.find((p) => p.name === ref.param.name);
  if (!param) {
    const names = cell.params.map((p) => p.name);
    const near = closestName(ref.param.name, names);
    const cellName = cell.def.name.name;
    cx.report(
      diag("RNN2011", { ref: text, reason: `layer \`${name}\` (cell \`${cellName}\`) has no param \`${ref.param.name}\`` }, {
        labels: [primary(ref.param.span, "no such param"), secondary(cell.def.name.span, names.length === 0 ? `\`${cellName}\` has no params` : `\`${cellName}\` has params ${names.map((n) => `\`${n}\``).join(", ")}`)],
        ...(near ? { helps: [`did you mean \`${name}.${near}\`?`] } : {}),
      }),
    );
    return undefined;
  }
  return { ref, layer, param, shape: param.shape.map((d) => d.substitute(layer.binding)), key: qualified(name, param.name) };
}

/** RNN3027: both shapes in the model's dimensions, and where each param is declared and its layer bound. */
function reportShapes(cx: ModelCx, s: TieStmt, param: Resolved, owner: Resolved): void {
  const both = [param, owner];
  const labels = [
    primary(s.param.span, `\`${param.key}\` is ${shapeToString(param.shape)}`),
    primary(s.owner.span, `\`${owner.key}\` is ${shapeToString(owner.shape)}`),
    // One label for a param both sides share the declaration of (two layers of one cell).
    ...both.filter((r, i) => i === 0 || r.param.decl !== param.param.decl).map((r) => secondary(r.param.decl.shape.span, `\`${r.param.name}\` declared ${shapeToString(r.param.shape)} in cell \`${r.layer.cell.cell.def.name.name}\``)),
    ...both.filter((r, i) => i === 0 || r.layer !== param.layer).map((r) => secondary(r.layer.span, `\`${r.layer.name}\` binds ${[...r.layer.binding].map(([k, v]) => `${k} = ${v}`).join(", ")}`)),
  ];
  cx.report(
    diag("RNN3027", { param: param.key, owner: owner.key, left: shapeToString(param.shape), right: shapeToString(owner.shape) }, {
      labels,
      notes: ["tied params are one array: their shapes must be equal for every value of the model's dimensions"],
    }),
  );
}

/** Every replaced param with the root of its chain; a cycle (a param tied to itself at its shortest) is refused. */
function resolveChains(cx: ModelCx, owners: ReadonlyMap<string, { tie: TieStmt; param: Resolved; owner: Resolved }>): ModelTie[] {
  const out: ModelTie[] = [];
  const inCycle = new Set<string>();
  for (const [key, first] of owners) {
    const path = [key];
    let at = first.owner.key;
    while (owners.has(at) && !path.includes(at)) {
      path.push(at);
      at = owners.get(at)!.owner.key;
    }
    if (path.includes(at)) {
      // Reported once, at the tie that closes the cycle in source order.
      const cycle = path.slice(path.indexOf(at));
      if (!cycle.some((k) => inCycle.has(k))) reportCycle(cx, cycle.map((k) => owners.get(k)!.tie));
      cycle.forEach((k) => inCycle.add(k));
      continue;
    }
    const root = owners.get(path[path.length - 1]!)!.owner;
    out.push({ layer: first.param.layer.name, param: first.param.param.name, owner: { layer: root.layer.name, param: root.param.name }, span: first.tie.span });
  }
  return out.filter((t) => !inCycle.has(qualified(t.layer, t.param)));
}

function reportCycle(cx: ModelCx, ties: readonly TieStmt[]): void {
  const ordered = [...ties].sort((a, b) => a.span.start - b.span.start);
  const text = (r: ParamRef) => `${r.layer.name}.${r.param.name}`;
  const last = ordered[ordered.length - 1]!;
  const path = [text(ties[0]!.param), ...ties.map((t) => text(t.owner))].join(" → ");
  cx.report(
    diag("RNN4017", { name: text(last.param), path }, {
      labels: [primary(last.span, ties.length === 1 ? "a param tied to itself" : "this tie closes the cycle"), ...ordered.slice(0, -1).map((t) => secondary(t.span, "part of the cycle"))],
      notes: ["each tie says the param on the left is stored as the one on the right: following them must end at a param that is stored"],
      helps: [ties.length === 1 ? "remove this tie: a param is stored as itself without one" : "remove one of these ties: the param it replaced then stores the array"],
    }),
  );
}

/** The key a layer's param is stored under: `layer.param`, or its owner's when a tie replaces it. */
export function storedParam(model: { readonly ties: readonly ModelTie[] }, layer: string, param: string): string {
  const tie = model.ties.find((t) => t.layer === layer && t.param === param);
  return tie ? qualified(tie.owner.layer, tie.owner.param) : qualified(layer, param);
}
