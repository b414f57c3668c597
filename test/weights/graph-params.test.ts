import { describe, expect, it } from "vitest";
import { Dim } from "../../src/core/dims.js";
import { syntheticSpan } from "../../src/diagnostics/span.js";
import type { Graph, ParamDecl } from "../../src/ir/graph.js";
import { initParams } from "../../src/runtime/random.js";
import { initGraphParams, paramShapes, paramSpecs } from "../../src/weights/index.js";
import { errorOf } from "./bytes.js";

const H = Dim.name("H");
const I = Dim.name("I");
const param = (name: string, shape: Dim[], init: ParamDecl["init"]): ParamDecl => ({ name, shape, init, node: 0, span: syntheticSpan() });

/** An Elman cell's params, as lowering would declare them: `W: [H, I] ~ glorot`, `U: [H, H]`, `b: [2H] = 0`. */
const graph: Pick<Graph, "cell" | "dims" | "params"> = {
  cell: "elman",
  dims: ["H", "I"],
  params: [
    param("W", [H, I], { kind: "glorot" }),
    param("U", [H, H], {
      kind: "uniform",
      low: { kind: "bin", op: "/", left: { kind: "neg", operand: { kind: "num", value: 1 } }, right: { kind: "sqrt", operand: { kind: "dim", name: "H" } } },
      high: { kind: "bin", op: "/", left: { kind: "num", value: 1 }, right: { kind: "sqrt", operand: { kind: "dim", name: "H" } } },
    }),
    param("b", [H.scale(2)], { kind: "const", value: { kind: "num", value: 0 } }),
  ],
};

describe("params of a graph", () => {
  it("evaluates the symbolic shapes in declaration order", () => {
    expect(paramSpecs(graph, { H: 4, I: 3 }).map((p) => [p.name, p.shape])).toEqual([
      ["W", [4, 3]],
      ["U", [4, 4]],
      ["b", [8]],
    ]);
    expect(paramShapes(graph, { H: 4, I: 3 })).toEqual({ W: [4, 3], U: [4, 4], b: [8] });
  });

  it("initializes exactly as the runtime does from the same specs", () => {
    const dims = { H: 4, I: 3 };
    const fromGraph = initGraphParams(graph, dims, 17, "float32");
    expect(fromGraph).toEqual(initParams(paramSpecs(graph, dims), dims, 17, "float32"));
    expect(Array.from(fromGraph.b!)).toEqual(Array(8).fill(0));
    expect(fromGraph.U!.every((v) => Math.abs(v) <= 0.5)).toBe(true);
  });

  it("names the cell and the dimension when a value is missing or not a count", () => {
    expect(errorOf(() => paramSpecs(graph, { H: 4 }))).toBe("cell elman: dimension I has no value");
    expect(errorOf(() => paramSpecs(graph, { H: 4, I: 2.5 }))).toBe(
      "cell elman: dimension I must be a non-negative integer, found 2.5",
    );
  });
});
