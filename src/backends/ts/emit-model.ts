import type { CheckedModel } from "../../check/model-types.js";
import type { Statements } from "./emit.js";
import { modelHasDropout, modelNames, modelPlan } from "./model.js";

/**
 * A model: its plan as a constant, typed interfaces with the model's own param, state, output
 * and target names, and a factory that hands the plan and the cell factories to the driver.
 */
export function emitModel(file: Statements, model: CheckedModel): void {
  const M = model.name;
  const plan = modelPlan(model);
  file.addStatements([
    `// Model ${M}: layers ${model.layers.map((l) => `${l.name} = ${l.cell.cell.def.name.name}(${[...l.binding].map(([k, v]) => `${k} = ${v}`).join(", ")})`).join("; ")}.`,
    ...(model.ties.length > 0 ? [`// Tied params (one array, stored under the owner's name; gradients summed): ${model.ties.map((t) => `${t.layer}.${t.param} = ${t.owner.layer}.${t.owner.param}`).join("; ")}.`] : []),
    `const PLAN_${M}: ModelPlan = ${JSON.stringify(plan)};`,
  ]);
  emitDataTypes(file, model);
  emitCallTypes(file, model);
  emitModelType(file, model);
  emitFactory(file, model);
}

/** What the parts of a model's module share: its name, inputs and the texts describing them. */
function modelContext(model: CheckedModel) {
  const M = model.name;
  const several = model.inputs.length > 1;
  const first = model.inputs[0]!;
  const nodeShape = (id: number) => {
    const n = model.nodes[id]!;
    return `${n.timing === "once" ? "[B" : "[T, B"}, ${n.type.kind === "vector" ? n.type.width : n.type.size}]`;
  };
  const inputTextOf = (i: CheckedModel["inputs"][number]) => {
    const lead = i.timing === "once" ? "[B" : "[T, B";
    return i.type.kind === "vector" ? `${lead}, ${i.type.width}] numbers` : `${lead}] integer ids below ${i.type.size}`;
  };
  return {
    M,
    names: modelNames(model),
    quote: (s: string) => JSON.stringify(s),
    several,
    first,
    vectorInput: first.type.kind === "vector",
    dropout: modelHasDropout(model),
    cells: [...new Set(model.layers.map((l) => l.cell.cell.def.name.name))],
    nodeShape,
    inputTextOf,
    inputText: inputTextOf(first),
    // One input: an array, as always; several: an object keyed by their names.
    inputParam: several ? { name: "inputs", type: `${M}Inputs` } : { name: first.name, type: "ArrayLike<number>" },
  };
}

/** The model's dimensions, params, states, outputs, targets and (several) inputs, as interfaces. */
function emitDataTypes(file: Statements, model: CheckedModel): void {
  const { M, names, quote, several, nodeShape, inputTextOf } = modelContext(model);
  file.addInterface({ isExported: true, name: `${M}Dims`, docs: [`The dimensions of model ${M}: positive integers.`], properties: model.dims.map((d) => ({ name: d, type: "number" })) });
  const record = (name: string, docs: string, props: readonly { name: string; shape: string }[]) =>
    file.addInterface({
      isExported: true,
      name,
      typeParameters: [{ name: "A", default: "Float32Array | Float64Array" }],
      docs: [docs],
      properties: props.map((p) => ({ name: quote(p.name), type: "A", docs: [`shape ${p.shape}`] })),
    });
  // A tied param has no key of its own: its owner's says who else reads it.
  const readers = (name: string) => model.ties.filter((t) => `${t.owner.layer}.${t.owner.param}` === name).map((t) => `${t.layer}.${t.param}`);
  const params = names.params.map((p) => (readers(p.name).length > 0 ? { ...p, shape: `${p.shape}; also ${readers(p.name).join(", ")} (tied: one array, gradients summed)` } : p));
  record(`${M}Params`, "One array per param (`layer.param`), row-major.", params);
  record(`${M}States`, "One array per layer state (`layer.state`), [B, …].", names.states.map((s) => ({ name: s.name, shape: s.shape.replace("[", "[B, ") })));
  record(`${M}Outputs`, "One array per output: [T, B, …] per step, [B, …] per sequence.", model.outputs.map((o) => ({ name: o.name, shape: nodeShape(o.node) })));
  file.addInterface({
    isExported: true,
    name: `${M}Targets`,
    docs: ["The targets of the losses: class ids (integers) or vectors; [T, B, …] per step, [B, …] per sequence."],
    properties: model.targets.map((t) => ({
      name: quote(t.name),
      type: "ArrayLike<number>",
      docs: [`${t.timing === "once" ? "[B" : "[T, B"}${t.type.kind === "vector" ? `, ${t.type.width}] numbers` : `] class ids below ${t.type.size}`}`],
    })),
  });
  if (several) {
    file.addInterface({
      isExported: true,
      name: `${M}Inputs`,
      docs: ["The model's inputs by name, time-major: [T, B, …] per step, [B, …] per sequence (one value per example)."],
      properties: model.inputs.map((i) => ({ name: quote(i.name), type: "ArrayLike<number>", docs: [inputTextOf(i)] })),
    });
  }
}

/** The types of a forward pass's options and result, and of a backward pass's seeds and result. */
function emitCallTypes(file: Statements, model: CheckedModel): void {
  const { M, quote, several, first, vectorInput, dropout, inputText } = modelContext(model);
  file.addInterface({
    isExported: true,
    name: `${M}ForwardOptions`,
    properties: [
      { name: "batch", type: "number", docs: ["B: the number of examples."] },
      { name: "steps", type: "number", docs: ["T: the number of time steps."] },
      { name: "initial", hasQuestionToken: true, type: `Partial<${M}States<ArrayLike<number>>>`, docs: ["Initial layer states [B, …]; zeros when omitted."] },
      { name: "lengths", hasQuestionToken: true, type: "ArrayLike<number>", docs: ["Per-example lengths (0…T): past its length an example's steps do not exist (outputs zero, states held, reversal within the length)."] },
      ...(model.losses.length > 0 ? [{ name: "targets", hasQuestionToken: true, type: `${M}Targets`, docs: ["With targets, the run has `loss` and backward() differentiates it."] }] : []),
      ...(dropout
        ? [
            { name: "training", hasQuestionToken: true, type: "boolean", docs: ["Apply dropout: the model's own with a fresh mask per step and example, its layers' cells' with one mask per example for the sequence; otherwise dropout is the identity. trainStep trains with it unless `false`."] },
            { name: "seed", hasQuestionToken: true, type: "number", docs: ["The seed of every dropout mask; required in training. The same seed gives the same masks."] },
          ]
        : []),
      { name: "tape", hasQuestionToken: true, type: "boolean", docs: ["false: inference only — each layer's tape memory is reused at once, and backward() refuses this run. Default true."] },
    ],
  });
  file.addInterface({
    isExported: true,
    name: `${M}Run`,
    typeParameters: [{ name: "A", constraint: "Float32Array | Float64Array" }],
    docs: ["The result of a forward pass; pass it to `backward`."],
    properties: [
      { name: "outputs", isReadonly: true, type: `${M}Outputs<A>` },
      { name: "final", isReadonly: true, type: `${M}States<A>`, docs: ["Each layer's states after its last step (each example's own last step)."] },
      { name: "loss", isReadonly: true, hasQuestionToken: true, type: "number", docs: ["The sum of the loss terms (each a mean), when targets were given."] },
      { name: "batch", isReadonly: true, type: "number" },
      { name: "steps", isReadonly: true, type: "number" },
      { name: "tape", isReadonly: true, type: "unknown", docs: ["What the backward pass needs; internal."] },
    ],
  });
  file.addInterface({
    isExported: true,
    name: `${M}Seeds`,
    docs: ["Gradients with respect to the forward results; any omitted is zero. The loss's gradient is `loss` (default 1) when the run has a loss."],
    properties: [
      { name: "outputs", hasQuestionToken: true, type: `Partial<${M}Outputs<ArrayLike<number>>>` },
      { name: "final", hasQuestionToken: true, type: `Partial<${M}States<ArrayLike<number>>>` },
      { name: "loss", hasQuestionToken: true, type: "number" },
    ],
  });
  file.addInterface({
    isExported: true,
    name: `${M}Gradients`,
    typeParameters: [{ name: "A", constraint: "Float32Array | Float64Array" }],
    properties: [
      { name: "params", isReadonly: true, type: `${M}Params<A>` },
      ...(several
        ? [{ name: "inputs", isReadonly: true, type: `{ ${model.inputs.filter((i) => i.type.kind === "vector").map((i) => `readonly ${quote(i.name)}: A`).join("; ")} }`, docs: ["The gradient of each vector input, by name, shaped as the input (ids have none)."] }]
        : vectorInput ? [{ name: "x", isReadonly: true, type: "A", docs: [`The gradient of the input \`${first.name}\`, ${inputText.replace(" numbers", "")} (always called x).`] }] : []),
      { name: "initial", isReadonly: true, type: `${M}States<A>` },
    ],
  });
}

/** The interface of an instance: its properties and methods. */
function emitModelType(file: Statements, model: CheckedModel): void {
  const { M, several, first, dropout, inputText, inputParam } = modelContext(model);
  file.addInterface({
    isExported: true,
    name: M,
    typeParameters: [{ name: "A", constraint: "Float32Array | Float64Array" }],
    docs: [`Model ${M}, instantiated with its dimensions and a dtype.`],
    properties: [
      { name: "dims", isReadonly: true, type: `Readonly<${M}Dims>` },
      { name: "dtype", isReadonly: true, type: "DType" },
      { name: "backend", isReadonly: true, type: `"wasm" | "js"`, docs: ["Where the layers' kernels run."] },
      { name: "simd", isReadonly: true, type: `"strict" | "relaxed" | "none"`, docs: ["The SIMD the layers' kernels use (see CellOptions.simd)."] },
      { name: "ready", isReadonly: true, type: "Promise<void>", docs: ["Resolves once the model's worker threads run (with `threads` > 1; its layers share one pool)."] },
      { name: "paramShapes", isReadonly: true, type: `{ readonly [K in keyof ${M}Params]: number[] }` },
    ],
    methods: [
      { name: "dispose", returnType: "void", docs: ["Releases the model's WebAssembly memory and worker threads (one arena, shared by its layers)."] },
      { name: "init", parameters: [{ name: "seed", type: "number" }], returnType: `${M}Params<A>`, docs: ["Params drawn from each layer's declared initializers; a pure function of the seed."] },
      {
        name: "forward",
        parameters: [
          { name: "params", type: `${M}Params<ArrayLike<number>>` },
          inputParam,
          { name: "options", type: `${M}ForwardOptions` },
        ],
        returnType: `${M}Run<A>`,
        docs: [several ? `Runs the model over a batch of sequences; \`inputs\` holds ${model.inputs.map((i) => `\`${i.name}\``).join(", ")} by name.` : `Runs the model over a batch of sequences; \`${first.name}\` is ${inputText}, time-major.`],
      },
      { name: "backward", parameters: [{ name: "run", type: `${M}Run<A>` }, { name: "seeds", type: `${M}Seeds`, hasQuestionToken: true }], returnType: `${M}Gradients<A>` },
      ...(model.losses.length > 0
        ? [
            {
              name: "trainStep",
              parameters: [
                { name: "params", type: `${M}Params<A>` },
                { name: "optimizer", type: "ParamOptimizer" },
                inputParam,
                { name: "options", type: `${M}ForwardOptions & { targets: ${M}Targets }` },
                { name: "clip", type: "{ clipNorm?: number; clipValue?: number }", hasQuestionToken: true },
              ],
              returnType: `{ loss: number; gradNorm: number; final: ${M}States<A> }`,
              docs: [
                `One training step (truncated BPTT when chunks follow each other): forward with the targets from \`options.initial\` (pass the last step's \`final\`), backward of the loss, clipping by value then by global norm, one optimizer step on \`params\` in place.${dropout ? " Dropout is on unless `options.training` is false: give a seed per step in `options.seed` (the step number will do)." : ""}`,
              ],
            },
          ]
        : []),
      { name: "loadParams", parameters: [{ name: "bytes", type: "Uint8Array" }, { name: "options", type: "{ allowNonFinite?: boolean }", hasQuestionToken: true }], returnType: `${M}Params<A>`, docs: ["Params from a safetensors file (tensor names = `layer.param`); NaN or infinite values are refused unless `allowNonFinite`."] },
      { name: "saveParams", parameters: [{ name: "params", type: `${M}Params<A>` }], returnType: "Uint8Array", docs: ["Params as a safetensors file."] },
    ],
  });
}

/** The factory: the plan and the cell factories handed to the model driver. */
function emitFactory(file: Statements, model: CheckedModel): void {
  const { M, cells } = modelContext(model);
  file.addFunction({
    isExported: true,
    name: M,
    typeParameters: [{ name: "D", constraint: "DType", default: `"float32"` }],
    parameters: [
      { name: "dims", type: `${M}Dims` },
      { name: "options", type: "CellOptions<D>", initializer: "{}" },
    ],
    returnType: `${M}<ArrayOf<D>>`,
    docs: [`Instantiates model ${M} for the given dimensions; dtype defaults to "float32". With \`checkFinite\`, every call refuses a NaN or an infinity in its arguments or results, naming the array and index.`],
    statements: [
      `const cells: Record<string, CellFactory> = { ${cells.map((c) => `${c}: ${c} as unknown as CellFactory`).join(", ")} };`,
      `return buildModel(PLAN_${M}, cells, dims, options) as unknown as ${M}<ArrayOf<D>>;`,
    ],
  });
}
