/**
 * What both recurrence forms compute before the recurrence, in the main graph: the batch and
 * time sizes read from the input, the params-only values (once), the input-only values for
 * all steps at once on the input flattened to [T·B, …] (one Gemm for `W_ih @ x`), those of
 * them the steps read reshaped to [T, B, …], the initial states expanded to [B, …] and the
 * per-example lengths expanded to [B].
 */
import { inertText } from "../../core/inert-text.js";
import type { Graph, Node } from "../../ir/graph.js";
import type { GraphBuilder } from "./builder.js";
import { emitNode } from "./ops.js";
import { idFedInputs } from "../../ir/id-inputs.js";
import type { Plan } from "./plan.js";
import { attr } from "./proto.js";
import { Region, type Val } from "./region.js";
import { BATCH, initialName, SEQUENCE_LENS } from "./signature.js";

export interface Prelude {
  /** Params and once-computed values, by IR node id (readable from any later region). */
  readonly once: ReadonlyMap<number, Val>;
  /** For each boundary node: a [T, B, …] tensor. */
  readonly boundary: ReadonlyMap<number, string>;
  /** The state values entering step 0, [B, …], in `graph.states` order. */
  readonly initialStates: readonly Val[];
  /** `sequence_lens` expanded to [B], int32; undefined when every example runs all steps. */
  readonly lengths: string | undefined;
  /** Shape(first input): [T, B, …] as int64. */
  readonly inputShape: string;
  /** [B] as int64, the batch size in the main graph. */
  readonly batchSize: string;
  /** The main graph's region for once-per-call framework nodes. */
  readonly main: Region;
}

const perExample = (node: Node, dims: Readonly<Record<string, number>>): number[] => node.shape.map((d) => d.evaluate(dims));

export function emitPrelude(graph: Graph, plan: Plan, main: GraphBuilder, variableLengths = true, idInput?: string): Prelude {
  const model = main.model;
  const dims = model.dims;
  const firstInput = graph.inputs[0]!.name;
  const doc = (what: string): string => `${what} (${inertText(graph.file)})`;

  // Shape arithmetic on the first input: everything symbolic (batch, steps) comes from here.
  let batchSize = "";
  const mainRegion = new Region({ graph: main, prefix: "", known: new Map(), batchSize: () => batchSize, batchDim: BATCH, doc: doc("before the recurrence") });
  const inputShape = mainRegion.emitNamed("Shape", [firstInput], "prelude/input_shape", doc(`the shape [T, B, …] of ${firstInput}`));
  batchSize = mainRegion.emitNamed("Slice", [inputShape, model.int64([1]), model.int64([2]), model.int64([0])], "prelude/batch_size", doc("the batch size B, as [B]"));

  const params = new Map<number, Val>();
  for (const n of graph.nodes) {
    if (n.op === "param" && plan.usedParams.has(n.attrs.name!)) params.set(n.id, { name: n.attrs.name!, batched: false, shape: perExample(n, dims) });
  }

  const once = new Region({ graph: main, prefix: "once/", known: params, batchSize: () => batchSize, batchDim: BATCH, doc: doc("computed once from the params") });
  for (const n of plan.once) emitNode(once, n, graph.nodes, plan.gemmAdds);

  // The hoisted region sees the inputs flattened to [T·B, …]: its batch axis is T·B.
  const firstNode = graph.nodes[graph.inputs[0]!.node]!;
  const hoist = new Region({
    graph: main,
    prefix: "inputs/",
    known: once.values,
    batchDim: null,
    doc: doc("computed for every step at once from the input"),
    batchSize: (r) => r.emitNamed("Slice", [r.emitNamed("Shape", [r.value(firstNode).name], "flat_shape", doc("the shape of the flattened input")), model.int64([0]), model.int64([1]), model.int64([0])], "flat_size", doc("T·B, as [T·B]")),
    leaf: (r, node) => {
      const shape = perExample(node, dims);
      const name = r.emitNamed("Reshape", [node.attrs.name!, model.int64([-1, ...shape])], `${node.attrs.name!}_flat`, doc(`${node.attrs.name!} as [T·B, …]: every step at once`));
      return { name, batched: true, shape };
    },
  });
  // An input fed ids (a model's `onehot(ids)`): its products are Gathers of the weight's columns.
  const gathered = idInput === undefined ? new Set<number>() : emitIdGathers(hoist, graph, idInput, doc);
  const gemmAdds = new Map([...plan.gemmAdds].filter(([m]) => !gathered.has(m)));
  for (const n of plan.hoisted) if (!gathered.has(n.id)) emitNode(hoist, n, graph.nodes, gemmAdds);

  const timeBatch = plan.boundary.some((n) => n.op !== "input")
    ? main.add("Slice", [inputShape, model.int64([0]), model.int64([2]), model.int64([0])], "time_batch", { doc: doc("[T, B]") })
    : "";
  // One [T, B, …shape] target per distinct per-example shape.
  const targets = new Map<string, string>();
  const stepsShape = (shape: readonly number[]): string => {
    const key = shape.join("x");
    let name = targets.get(key);
    if (name === undefined) {
      name = shape.length === 0
        ? timeBatch
        : main.add("Concat", [timeBatch, model.int64(shape)], `time_batch_${key}`, { attrs: { axis: attr.int(0) }, doc: doc(`[T, B, ${shape.join(", ")}]`) });
      targets.set(key, name);
    }
    return name;
  };
  const boundary = new Map<number, string>();
  for (const n of plan.boundary) {
    if (n.op === "input") {
      boundary.set(n.id, n.attrs.name!);
      continue;
    }
    const target = stepsShape(perExample(n, dims));
    boundary.set(n.id, hoist.withNode(n, () => hoist.emit("Reshape", [hoist.value(n).name, target], {}, "steps")));
  }

  const initialStates = graph.states.map((s): Val => {
    const shape = s.shape.map((d) => d.evaluate(dims));
    const name = mainRegion.emitNamed("Expand", [initialName(s.name), mainRegion.batchShape(shape.length)], `initial/${s.name}`, doc(`state ${s.name} entering the first step, [B, …] (the default is one row of zeros)`));
    return { name, batched: true, shape };
  });
  const lengths = variableLengths
    ? mainRegion.emitNamed("Expand", [SEQUENCE_LENS, batchSize], "prelude/lengths", doc("sequence_lens as [B] (the default is one value for all)"))
    : undefined;

  return { once: once.values, boundary, initialStates, lengths, inputShape, batchSize, main: mainRegion };
}

/**
 * `W @ x` for x given as int64 ids [T, B] (each the index of x's one hot element), for every
 * step at once: Gather of W's columns at the ids flattened to [T·B] (axis 1, then transposed to
 * [T·B, E]), or of its rows for `Wᵀ @ x` and `x @ W` — O(E) per token, where the one-hot product
 * is O(V·E). Returns the products emitted (their values are set in the region).
 */
function emitIdGathers(hoist: Region, graph: Graph, idInput: string, doc: (what: string) => string): Set<number> {
  const uses = idFedInputs(graph).get(idInput);
  if (uses === undefined) throw new Error(`internal: input ${idInput} of cell ${graph.cell} is not fed by ids only`);
  const model = hoist.model;
  const flat = hoist.emitNamed("Reshape", [idInput, model.int64([-1])], `${idInput}_ids`, doc(`the ids of ${idInput} as [T·B]`));
  const done = new Set<number>();
  for (const u of uses) {
    const node = graph.nodes[u.node]!;
    const w = hoist.value(graph.nodes[node.inputs[u.left ? 1 : 0]!]!);
    const e = node.shape[0]!.evaluate(model.dims);
    const name = hoist.withNode(node, () =>
      u.transposed
        ? hoist.emit("Gather", [w.name, flat], { axis: attr.int(0) }, "rows")
        : hoist.emit("Transpose", [hoist.emit("Gather", [w.name, flat], { axis: attr.int(1) }, "columns")], { perm: attr.ints([1, 0]) }, "gathered"),
    );
    const v: Val = { name, batched: true, shape: [e] };
    hoist.values.set(node.id, v);
    hoist.declare(v);
    done.add(node.id);
  }
  return done;
}
