import type { CheckedModel, ModelType } from "../check/model-types.js";
import { compileModel } from "../compiler.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileToTypeScript } from "../compiler.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import type { Dtype } from "./cell.js";
import { TrainInputError } from "./errors.js";
import type { TrainableCell } from "./trainer.js";

/** A model compiled to its TypeScript module and loaded, ready to be instantiated for sizes. */
export interface CompiledModel {
  readonly model: CheckedModel;
  /** `Model(dims, { dtype })` of the generated module (same training contract as a cell, plus targets). */
  readonly instantiate: (dims: Readonly<Record<string, number>>, dtype: Dtype) => TrainableCell;
}

/** Compiles a model file's model (the first, or `name`) and loads its module in this process. */
export async function compileModelUnit(file: string, text: string, name?: string): Promise<{ model?: CompiledModel; diagnostics: Diagnostic[] }> {
  const { model, diagnostics } = compileModel(file, text, name);
  if (!model) return { diagnostics };
  const compiled = compileToTypeScript(file, text, model.name);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const factory = module[model.name] as (dims: Readonly<Record<string, number>>, options: { dtype: Dtype }) => TrainableCell;
  return { model: { model, instantiate: (dims, dtype) => factory(dims, { dtype }) }, diagnostics };
}

/** How a model is a character-level language model: which dimension is V, which target is the next character. */
export interface CharModelSpec {
  /** The dimension the vocabulary's size fixes (`V` in `input tokens: index(V)`). */
  readonly vocabDim: string;
  /** The target the loss compares with: the next character, per step. */
  readonly target: string;
}

/**
 * A model is a character-level language model when it reads ids `index(V)` with V one of its
 * dimensions, and its loss is a per-step cross-entropy against a target of ids below V (the next
 * character). Sampling also needs a per-step output `logits` of V numbers.
 */
export function charModelSpec(model: CheckedModel, needLogits: boolean): CharModelSpec {
  const where = `model ${model.name}`;
  const input = model.input.type;
  const vocabDim = plainName(input);
  if (input.kind !== "index" || vocabDim === undefined) {
    throw new TrainInputError(`${where}: a character model reads ids, \`input ${model.input.name}: index(V)\` with V one of its dimensions; its input is ${typeText(input)}`);
  }
  const ce = model.losses.find((l) => l.kind === "cross_entropy" && model.targets.find((t) => t.name === l.target)?.timing === "step");
  const target = ce && model.targets.find((t) => t.name === ce.target);
  if (!ce || !target || plainName(target.type) !== vocabDim || target.type.kind !== "index") {
    throw new TrainInputError(`${where}: a character model's loss is \`loss cross_entropy(logits, next)\` per step, with \`target next: index(${vocabDim})\``);
  }
  if (model.losses.length !== 1) throw new TrainInputError(`${where}: a character model has one loss, the next character's cross-entropy; it has ${model.losses.length}`);
  if (needLogits) {
    const out = model.outputs.find((o) => o.name === "logits");
    const node = out && model.nodes[out.node];
    if (!node || node.timing !== "step" || plainName(node.type) !== vocabDim) {
      throw new TrainInputError(`${where}: sampling draws the next character from a per-step \`output logits\` of ${vocabDim} scores`);
    }
  }
  return { vocabDim, target: target.name };
}

function plainName(t: ModelType): string | undefined {
  const d = t.kind === "index" ? t.size : t.width;
  return d.terms.length === 1 && d.terms[0]![1] === 1 && d.constant === 0 ? d.terms[0]![0] : undefined;
}

function typeText(t: ModelType): string {
  return t.kind === "index" ? `index(${t.size})` : `[${t.width}]`;
}
