import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileGraph, compileModel, definesModel } from "../compiler.js";
import { compileToTypeScript } from "../backends/ts/compile.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import type { CellKernel, ModelKernel } from "./contract.js";
import { gradcheck, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";
import { gradcheckModel } from "./model-gradcheck.js";
import { bindDimValues } from "../core/dim-values.js";
import { paramShapes } from "../weights/graph-params.js";
import { modelParamShapes } from "../weights/model-params.js";

export interface GradcheckSourceOptions extends Omit<GradcheckOptions, "dims"> {
  /** Which cell or model of the file (default: the first model of a file that defines one, else the first cell). */
  readonly cell?: string;
  /** Dimension values; any not given gets a small default (3, 4, 5, … in declaration order). */
  readonly dims?: Readonly<Record<string, number>>;
}

export interface GradcheckSourceResult {
  readonly report?: GradcheckReport;
  readonly diagnostics: Diagnostic[];
}

type Factory<K> = (dims: Record<string, number>, o: { dtype: "float64" }) => K;

/**
 * Each dimension its given value, or 3, 4, 5, … by its position in the declaration; a given name
 * that is not a dimension is refused (`DimValueError`), as are sizes too large to allocate.
 */
function defaultDims(owner: string, names: readonly string[], given: Readonly<Record<string, number>> | undefined): Record<string, number> {
  return bindDimValues(owner, names, given, (_name, i) => 3 + i);
}

/**
 * Compiles a cell or a model to its TypeScript module and checks the module's float64
 * gradients (finite differences and the tfjs oracle): the library side of `rnnc gradcheck`.
 * A file that defines a model is checked as a model (see `definesModel`), unless `cell`
 * names one of its cells.
 */
export async function gradcheckSource(file: string, text: string, options: GradcheckSourceOptions = {}): Promise<GradcheckSourceResult> {
  if (definesModel(file, text, options.cell)) return gradcheckModelSource(file, text, options);
  const lowered = compileGraph(file, text, options.cell);
  if (!lowered.graph) return { diagnostics: lowered.diagnostics };
  const graph = lowered.graph;
  const compiled = compileToTypeScript(file, text, graph.cell);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const dims = defaultDims(`cell ${graph.cell}`, graph.dims, options.dims);
  paramShapes(graph, dims);
  const factory = module[graph.cell] as Factory<CellKernel>;
  const report = await gradcheck(graph, factory(dims, { dtype: "float64" }), { ...options, dims });
  return { report, diagnostics: lowered.diagnostics };
}

/** The model path of `gradcheckSource`: the model's module, checked by `gradcheckModel`. */
async function gradcheckModelSource(file: string, text: string, options: GradcheckSourceOptions): Promise<GradcheckSourceResult> {
  const checked = compileModel(file, text, options.cell);
  if (!checked.model) return { diagnostics: checked.diagnostics };
  const model = checked.model;
  const compiled = compileToTypeScript(file, text, model.name);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const dims = defaultDims(`model ${model.name}`, model.dims, options.dims);
  modelParamShapes(model, dims);
  const factory = module[model.name] as Factory<ModelKernel>;
  const report = await gradcheckModel(model, factory(dims, { dtype: "float64" }), { ...options, dims });
  return { report, diagnostics: checked.diagnostics };
}
