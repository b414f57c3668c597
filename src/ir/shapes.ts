import { SCALAR, shapeToString, shapesEqual, type Shape } from "../core/dims.js";
import type { NodeAttrs } from "./graph.js";
import { isBinary, isReduce, isUnary, type OpKind } from "./ops.js";

/**
 * The IR's own shape rules, one per op. The builder uses them to give every node its shape
 * and the verifier re-derives them after every pass: a disagreement is a compiler bug, so
 * this returns a message instead of a shape.
 */
export function inferShape(op: OpKind, inputs: readonly Shape[], attrs: NodeAttrs): Shape | string {
  const [a, b] = inputs;
  if (isUnary(op) || op === "max_mask") return arity(1) ?? a!;
  if (isBinary(op)) {
    const bad = arity(2);
    if (bad) return bad;
    if (a!.length === 0) return b!;
    if (b!.length === 0 || shapesEqual(a!, b!)) return a!;
    return `${op}: ${shapeToString(a!)} vs ${shapeToString(b!)}`;
  }
  // The language sums vectors; the IR's `sum` also takes a matrix (gradients of broadcast scalars).
  if (isReduce(op)) return arity(1) ?? (a!.length === 1 || (op === "sum" && a!.length === 2) ? SCALAR : `${op} of ${shapeToString(a!)}`);
  switch (op) {
    case "input": case "state": case "param": case "seed": case "const":
      return `leaf ${op} has no inferred shape`;
    case "matmul": {
      const bad = arity(2);
      if (bad) return bad;
      const left = attrs.transA ? [...a!].reverse() : a!;
      const right = attrs.transB ? [...b!].reverse() : b!;
      if (left.length === 0 || right.length === 0 || (left.length === 1 && right.length === 1)) return `matmul of ${shapeToString(left)} and ${shapeToString(right)}`;
      if (!left[left.length - 1]!.equals(right[0]!)) return `matmul inner ${shapeToString(left)} @ ${shapeToString(right)}`;
      return [...left.slice(0, -1), ...right.slice(1)];
    }
    case "outer":
      return arity(2) ?? (a!.length === 1 && b!.length === 1 ? [a![0]!, b![0]!] : `outer of ${shapeToString(a!)} and ${shapeToString(b!)}`);
    case "broadcast":
      return arity(1) ?? (a!.length === 0 && attrs.shape ? attrs.shape : "broadcast needs a scalar and attrs.shape");
    case "slice": {
      const bad = arity(1);
      if (bad) return bad;
      if (!attrs.start || !attrs.end || a!.length === 0) return "slice needs start, end and a non-scalar";
      return [attrs.end.sub(attrs.start), ...a!.slice(1)];
    }
    case "pad": {
      const bad = arity(1);
      if (bad) return bad;
      if (!attrs.start || !attrs.end || !attrs.shape || attrs.shape.length !== a!.length) return "pad needs start, end and a shape of the input's rank";
      if (!attrs.end.sub(attrs.start).equals(a![0]!)) return `pad of ${shapeToString(a!)} into rows [${attrs.start}:${attrs.end}]`;
      return attrs.shape;
    }
    case "concat": {
      if (inputs.length < 1 || inputs.some((s) => s.length === 0)) return "concat needs non-scalar inputs";
      let rows = a![0]!;
      for (const s of inputs.slice(1)) {
        if (s.length !== a!.length || !shapesEqual(s.slice(1), a!.slice(1))) return `concat of ${shapeToString(a!)} and ${shapeToString(s)}`;
        rows = rows.add(s[0]!);
      }
      return [rows, ...a!.slice(1)];
    }
    default:
      return `unknown op ${op}`;
  }

  function arity(n: number): string | undefined {
    return inputs.length === n ? undefined : `${op} takes ${n} input(s), got ${inputs.length}`;
  }
}
