/**
 * Params become initializers, named exactly like the param (`W_ih`), stored as declared
 * (row-major [rows, cols]); the transposition the batched product needs is Gemm's transB, so
 * the stored tensor reads the same in Netron as in the .rnn source. The default values of the
 * optional inputs (zero initial states, full-length sequence_lens) are initializers too.
 */
import type { Graph } from "../../ir/graph.js";
import { shapeToString, type Dim } from "../../core/dims.js";
import type { ModelBuilder } from "./builder.js";
import { OnnxExportError } from "./errors.js";
import { floatTensor, int32Tensor } from "./proto.js";
import { initialName, SEQUENCE_LENS } from "./signature.js";

/** Checks that every param has values of the right size and nothing else is given. */
export function checkParams(graph: Graph, dims: Readonly<Record<string, number>>, params: Readonly<Record<string, Float32Array>>): void {
  checkParamValues(`cell ${graph.cell}`, graph.params, dims, params);
}

/**
 * The same check for any owner (`cell LSTM`, `model BiGRU`): `declared` lists each param's name
 * and symbolic shape, evaluated with `dims`.
 */
export function checkParamValues(
  owner: string,
  declared: readonly { readonly name: string; readonly shape: readonly Dim[] }[],
  dims: Readonly<Record<string, number>>,
  params: Readonly<Record<string, Float32Array>>,
): void {
  const names = new Set(declared.map((p) => p.name));
  for (const p of declared) {
    const values = Object.prototype.hasOwnProperty.call(params, p.name) ? params[p.name] : undefined;
    const shape = p.shape.map((d) => d.evaluate(dims));
    const size = shape.reduce((a, b) => a * b, 1);
    if (values === undefined) {
      throw new OnnxExportError(`no values for param \`${p.name}\` of ${owner}: expected ${size} numbers (shape ${shapeToString(p.shape)} = [${shape.join(", ")}])`);
    }
    if (!(values instanceof Float32Array)) {
      throw new OnnxExportError(`param \`${p.name}\` must be a Float32Array, found ${Object.prototype.toString.call(values)}`);
    }
    if (values.length !== size) {
      throw new OnnxExportError(`param \`${p.name}\` has ${values.length} numbers, but its shape ${shapeToString(p.shape)} = [${shape.join(", ")}] needs ${size}`);
    }
  }
  const unknown = Object.keys(params).filter((k) => !names.has(k)).sort();
  if (unknown.length > 0) {
    const list = declared.map((p) => `\`${p.name}\``).join(", ") || "none";
    throw new OnnxExportError(`${owner} has no param ${unknown.map((k) => `\`${k}\``).join(", ")}; its params are ${list}`);
  }
}

/** Adds the used params, in declaration order. */
export function addInitializers(model: ModelBuilder, graph: Graph, params: Readonly<Record<string, Float32Array>>, usedParams: ReadonlySet<string>): void {
  for (const p of graph.params) {
    if (!usedParams.has(p.name)) continue;
    const shape = p.shape.map((d) => d.evaluate(model.dims));
    model.addInitializer(floatTensor(p.name, shape, params[p.name]!, `param ${p.name}: ${shapeToString(p.shape)} (${model.locateSpan(p.span)})`));
  }
}

/**
 * Defaults for the optional inputs: one row of zeros per state ([1, …], expanded to the batch)
 * and one length for every example ([1], expanded).
 */
export function addInputDefaults(model: ModelBuilder, graph: Graph, defaultLength: number, variableLengths = true): void {
  const states = graph.states.map((s) => ({ input: initialName(s.name), state: s.name, shape: s.shape.map((d) => d.evaluate(model.dims)) }));
  addStateDefaults(model, states, variableLengths ? defaultLength : undefined);
}

/** The same for any list of states: `input` is the initial-state input's name, `shape` per example. */
/** `defaultLength` undefined: the model has no `sequence_lens` input. */
export function addStateDefaults(model: ModelBuilder, states: readonly { readonly input: string; readonly state: string; readonly shape: readonly number[] }[], defaultLength: number | undefined): void {
  for (const s of states) {
    const shape = [1, ...s.shape];
    const size = shape.reduce((a, b) => a * b, 1);
    model.addInitializer(floatTensor(s.input, shape, new Float32Array(size), `default: state ${s.state} starts at zero`));
  }
  if (defaultLength !== undefined) model.addInitializer(int32Tensor(SEQUENCE_LENS, [1], [defaultLength]));
}
