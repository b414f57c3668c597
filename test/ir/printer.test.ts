import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { differentiateStep } from "../../src/autodiff/reverse.js";
import { RULES } from "../../src/autodiff/rules.js";
import { Dim } from "../../src/core/dims.js";
import { compileGraph } from "../../src/compiler.js";
import { LineIndex } from "../../src/diagnostics/source.js";
import type { Graph } from "../../src/ir/graph.js";
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "../../src/ir/ops.js";
import { printStepGradient } from "../../src/autodiff/print.js";
import { printGraph } from "../../src/ir/print.js";
import { verifyGraph } from "../../src/ir/verify.js";
import { ROOT } from "../helpers/generated.js";

/** `rnnc ir` output is committed: a change to lowering or differentiation shows up as a diff. */
function golden(name: string, actual: string): void {
  const file = join(ROOT, "test/ir/golden", name);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function lower(path: string): { graph: Graph; lineOf: (o: number) => number } {
  const text = readFileSync(join(ROOT, path), "utf8");
  const { graph, diagnostics } = compileGraph(path, text);
  expect(diagnostics).toEqual([]);
  const index = new LineIndex(text);
  return { graph: graph!, lineOf: (o) => index.position(o).line };
}

describe("the IR printer", () => {
  it.each(["lstm", "gru", "layernorm_lstm", "indrnn"])("prints %s's step graph", (name) => {
    const { graph, lineOf } = lower(`examples/${name}.rnn`);
    golden(`${name}.ir.txt`, printGraph(graph, lineOf));
  });

  it.each(["lstm", "elman"])("prints %s's backward step", (name) => {
    const { graph, lineOf } = lower(`examples/${name}.rnn`);
    golden(`${name}.grad.txt`, printStepGradient(differentiateStep(graph), lineOf));
  });
});

describe("the IR verifier", () => {
  const { graph } = lower("examples/lstm.rnn");

  it("accepts what lowering and differentiation produce", () => {
    expect(() => verifyGraph(graph, "test")).not.toThrow();
    expect(() => verifyGraph({ ...graph, nodes: differentiateStep(graph).nodes }, "test")).not.toThrow();
  });

  it("refuses a node whose recorded shape disagrees with its op", () => {
    const nodes = graph.nodes.map((n) => (n.op === "matmul" ? { ...n, shape: [Dim.name("H")] } : n));
    expect(() => verifyGraph({ ...graph, nodes }, "a broken pass")).toThrow(/IR verifier after a broken pass: node %7 has shape \[H\] but its op gives \[4H\]/);
  });

  it("refuses a node that reads a later node", () => {
    const nodes = graph.nodes.map((n) => (n.id === 8 ? { ...n, inputs: [9, 5] } : n));
    expect(() => verifyGraph({ ...graph, nodes }, "reordering")).toThrow(/node %8 reads %9, which is not before it/);
  });
});

describe("the derivative table", () => {
  it("has a rule for every differentiable op", () => {
    const ops = [...UNARY_OPS, ...BINARY_OPS, ...REDUCE_OPS, "matmul", "outer", "slice", "pad", "concat", "broadcast", "max_mask"];
    expect(ops.filter((op) => RULES[op as keyof typeof RULES] === undefined)).toEqual([]);
  });
});
