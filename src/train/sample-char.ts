import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { createRng, nextFloat64 } from "../weights/index.js";
import { compileCharUnit, type CharUnit } from "./char-unit.js";
import { TrainInputError } from "./errors.js";
import type { FloatArray, NamedArrays, TrainableCell } from "./trainer.js";
import { sampleVocabulary } from "./sample-vocab.js";

export interface SampleCharOptions {
  /** The .rnn file (for messages) and its text. */
  readonly file: string;
  readonly source: string;
  /** Default: the cell named in the weights' metadata. */
  readonly cell?: string;
  /** The weights file's name (for messages) and bytes, as `rnnc train` wrote them. */
  readonly weightsFile: string;
  readonly weights: Uint8Array;
  /** Characters to generate after the prime. */
  readonly length: number;
  /** Divides the logits before the softmax; 0 picks the most likely character every time. */
  readonly temperature: number;
  /** Text the model reads first (default: a newline when the vocabulary has one, else its first character). */
  readonly prime?: string;
  readonly seed: number;
}

/**
 * Generates text with a trained character model: reads the prime one character per step (batch 1),
 * then repeatedly draws the next character from softmax(logits / temperature) and feeds it back,
 * carrying the state from step to step. The target half of x is zeros: the loss is not needed.
 * Returns the prime followed by the generated characters. The same weights, prime and seed give
 * the same text.
 */
export async function sampleCharModel(options: SampleCharOptions): Promise<{ text?: string; diagnostics: Diagnostic[] }> {
  if (!Number.isSafeInteger(options.length) || options.length < 0) throw new TrainInputError(`--length must be an integer ≥ 0, found ${options.length}`);
  if (!Number.isFinite(options.temperature) || options.temperature < 0) throw new TrainInputError(`--temperature must be a number ≥ 0, found ${options.temperature}`);
  const info = sampleVocabulary(options.weights, options.weightsFile);
  const { unit: compiled, diagnostics } = await compileCharUnit(options.file, options.source, options.cell ?? (info.cell || undefined), info.size, true);
  if (!compiled) return { diagnostics };
  const sig = compiled.unit.signature;
  const missing = sig.dims.filter((d) => info.dims[d] === undefined);
  if (missing.length > 0) throw new TrainInputError(`${options.weightsFile}: the saved dims ${JSON.stringify(info.dims)} do not give ${missing.join(", ")} of ${sig.kind} ${sig.name}`);
  compiled.check(info.dims);
  const cell = compiled.unit.instantiate(info.dims, { dtype: "float32" });
  let params: NamedArrays;
  try {
    params = cell.loadParams(options.weights);
  } catch (e) {
    throw new TrainInputError(`${options.weightsFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const prime = options.prime ?? info.defaultPrime;
  const primeIds = info.encode(prime);
  if (primeIds.length === 0) throw new TrainInputError("--prime must hold at least one token: the model predicts the next one from the ones it has read");
  const rng = createRng(options.seed);
  const stepper = new CharStepper(cell, params, compiled);
  let logits = stepper.read(primeIds);
  const drawn: number[] = [];
  for (let i = 0; i < options.length; i++) {
    const id = options.temperature === 0 ? argmax(logits) : draw(logits, options.temperature, nextFloat64(rng));
    drawn.push(id);
    if (i + 1 < options.length) logits = stepper.read(Int32Array.of(id));
  }
  const tail = info.decode(drawn);
  return { text: info.separator === "" || tail === "" ? prime + tail : `${prime}${info.separator}${tail}`, diagnostics };
}

/** Runs a character model over a stream, carrying its state, one forward call per read. */
class CharStepper {
  private state: NamedArrays | undefined;

  constructor(
    private readonly cell: TrainableCell,
    private readonly params: NamedArrays,
    private readonly unit: CharUnit,
  ) {}

  /** Reads characters; returns the logits after the last one. */
  read(ids: Int32Array): FloatArray {
    const { logits, state } = this.unit.read(this.cell, this.params, ids, this.state);
    this.state = state;
    return logits;
  }
}

function argmax(logits: FloatArray): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** Inverse-CDF draw from softmax(logits / temperature) with u uniform in [0, 1). */
export function draw(logits: FloatArray, temperature: number, u: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += p[i] = Math.exp((logits[i]! - max) / temperature);
  let acc = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i]! === 0) continue;
    acc += p[i]! / sum;
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding left acc a hair below 1: the last character that can occur.
}
