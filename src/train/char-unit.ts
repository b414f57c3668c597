import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { TrainInputError } from "./errors.js";
import type { CharStreams } from "./char-streams.js";
import type { Chunk, FloatArray, NamedArrays, TrainableCell } from "./trainer.js";
import { compileTrainUnit, plainName, typeText, type TrainUnit, type UnitSignature } from "./unit.js";

/**
 * A unit that is a character-level language model, and how to feed it: a model (examples/
 * char_model.rnn: ids in, a per-step cross-entropy against the next character's id) or a cell
 * (examples/char_lstm.rnn: x holds the current and the next character one-hot, the loss is its
 * per-step output `nll`).
 */
export interface CharUnit {
  readonly unit: TrainUnit;
  /** The dimension values the vocabulary fixes. */
  readonly fixed: Readonly<Record<string, number>>;
  /** Throws TrainInputError when the unit is not a character model at these sizes. */
  check(dims: Readonly<Record<string, number>>): void;
  chunk(streams: CharStreams, n: number): Chunk;
  /** The logits after reading `ids` from `state` (batch 1), and the state after them. */
  read(cell: TrainableCell, params: NamedArrays, ids: Int32Array, state: NamedArrays | undefined): { logits: FloatArray; state: NamedArrays };
}

export async function compileCharUnit(file: string, source: string, name: string | undefined, vocabSize: number, needLogits: boolean): Promise<{ unit?: CharUnit; diagnostics: Diagnostic[] }> {
  const { unit, diagnostics } = await compileTrainUnit(file, source, name);
  if (!unit) return { diagnostics };
  return { unit: unit.signature.kind === "model" ? modelCharUnit(unit, vocabSize, needLogits) : cellCharUnit(unit, vocabSize, needLogits), diagnostics };
}

function modelCharUnit(unit: TrainUnit, V: number, needLogits: boolean): CharUnit {
  // Training on a text needs the next-character loss; sampling only a distribution over the input's ids.
  const spec: { vocabDim: string; output: string; target?: string } = needLogits ? samplingSpec(unit.signature) : { ...charModelSpec(unit.signature, false), output: "logits" };
  return {
    unit,
    fixed: { [spec.vocabDim]: V },
    check: () => {},
    chunk: (streams, n) => streams.idChunk(n, spec.target ?? ""),
    read: (cell, params, ids, state) => {
      const run = cell.forward(params, ids, { batch: 1, steps: ids.length, ...(state ? { initial: state } : {}) });
      const scores = run.outputs[spec.output]!;
      const W = scores.length / ids.length;
      return { logits: scores.subarray((ids.length - 1) * W, ids.length * W), state: run.final };
    },
  };
}

/**
 * What sampling needs of a model: it reads ids `index(V)` and has a per-step output of V scores — a
 * distribution over the input's ids, fed back as the next input. The output is `logits` when there
 * is such an output of that name, else the only one of that type.
 */
export function samplingSpec(sig: UnitSignature): { vocabDim: string; output: string } {
  const where = `model ${sig.name}`;
  const vocabDim = plainName(sig.input.size);
  if (sig.input.kind !== "index" || vocabDim === undefined) {
    throw new TrainInputError(`${where}: sampling feeds each drawn id back as the next input, so the model must read ids, \`input ${sig.input.name}: index(V)\`; its input is ${typeText(sig.input)}`);
  }
  const fits = sig.outputs.filter((o) => o.timing === "step" && o.kind === "vector" && plainName(o.size) === vocabDim);
  const output = fits.find((o) => o.name === "logits") ?? (fits.length === 1 ? fits[0] : undefined);
  if (output === undefined) {
    throw new TrainInputError(
      `${where}: sampling draws the next id from a per-step output of ${vocabDim} scores (a distribution over the input's ids); ` +
        (fits.length === 0 ? `its outputs are ${sig.outputs.map((o) => `${o.name}: ${typeText(o)}${o.timing === "once" ? " per sequence" : ""}`).join(", ") || "none"}` : `name the one to use \`logits\` (${fits.map((o) => o.name).join(", ")} all fit)`),
    );
  }
  return { vocabDim, output: output.name };
}

function cellCharUnit(unit: TrainUnit, V: number, needLogits: boolean): CharUnit {
  const sig = unit.signature;
  return {
    unit,
    fixed: sig.dims.includes("V") ? { V } : {},
    check: (dims) => checkCharCell(sig, dims, V, needLogits),
    chunk: (streams, n) => streams.chunk(n),
    read: (cell, params, ids, state) => {
      const T = ids.length;
      const x = new Float32Array(T * 2 * V);
      ids.forEach((id, t) => (x[t * 2 * V + id] = 1));
      const run = cell.forward(params, x, { batch: 1, steps: T, ...(state ? { initial: state } : {}) });
      return { logits: run.outputs["logits"]!.subarray((T - 1) * V, T * V), state: run.final };
    },
  };
}

/**
 * A cell is a character model when its input per step is two one-hot vectors of the vocabulary
 * size V — the current character, then the next one (the target) — and it has a scalar output
 * `nll` (this step's cross-entropy) and, for sampling, an output `logits` of V numbers.
 */
function checkCharCell(sig: UnitSignature, dims: Readonly<Record<string, number>>, V: number, needLogits: boolean): void {
  const n = sig.input.size.evaluate(dims);
  if (n !== 2 * V) {
    throw new TrainInputError(
      `cell ${sig.name}: input \`${sig.input.name}\` has ${n} numbers per step, but a character model reads two one-hot vectors of the vocabulary's ${V} characters (${2 * V}); declare it as [2V] with V the vocabulary size`,
    );
  }
  const size = (name: string) => sig.outputs.find((o) => o.name === name)?.size.evaluate(dims);
  const loss = size("nll");
  if (loss !== 1) {
    throw new TrainInputError(
      loss === undefined
        ? `cell ${sig.name} has no output \`nll\` (its outputs are ${sig.outputs.map((o) => o.name).join(", ") || "none"}); training minimises a per-step scalar \`output nll = …\``
        : `cell ${sig.name}: output \`nll\` must be a scalar per step, found ${loss} numbers`,
    );
  }
  if (needLogits) {
    const logits = size("logits");
    if (logits !== V) {
      throw new TrainInputError(
        logits === undefined
          ? `cell ${sig.name} has no output \`logits\`; sampling draws the next character from \`output logits\` (one score per vocabulary character)`
          : `cell ${sig.name}: output \`logits\` has ${logits} numbers per step, expected one per vocabulary character (${V})`,
      );
    }
  }
}

/** How a model is a character-level language model: which dimension is V, which target is the next character. */
export interface CharModelSpec {
  readonly vocabDim: string;
  readonly target: string;
}

/**
 * A model is a character-level language model when it reads ids `index(V)` with V one of its
 * dimensions, and its one loss is a per-step cross-entropy against a target of ids below V (the
 * next character). Sampling also needs a per-step output `logits` of V numbers.
 */
export function charModelSpec(sig: UnitSignature, needLogits: boolean): CharModelSpec {
  const where = `model ${sig.name}`;
  const vocabDim = plainName(sig.input.size);
  if (sig.input.kind !== "index" || vocabDim === undefined) {
    throw new TrainInputError(`${where}: a character model reads ids, \`input ${sig.input.name}: index(V)\` with V one of its dimensions; its input is ${typeText(sig.input)}`);
  }
  const ce = sig.losses.find((l) => l.kind === "cross_entropy" && sig.targets.find((t) => t.name === l.target)?.timing === "step");
  const target = ce && sig.targets.find((t) => t.name === ce.target);
  if (!ce || !target || plainName(target.size) !== vocabDim || target.kind !== "index") {
    throw new TrainInputError(`${where}: a character model's loss is \`loss cross_entropy(logits, next)\` per step, with \`target next: index(${vocabDim})\``);
  }
  if (sig.losses.length !== 1) throw new TrainInputError(`${where}: a character model has one loss, the next character's cross-entropy; it has ${sig.losses.length}`);
  if (needLogits) {
    const out = sig.outputs.find((o) => o.name === "logits");
    if (!out || out.timing !== "step" || plainName(out.size) !== vocabDim) {
      throw new TrainInputError(`${where}: sampling draws the next character from a per-step \`output logits\` of ${vocabDim} scores`);
    }
  }
  return { vocabDim, target: target.name };
}
