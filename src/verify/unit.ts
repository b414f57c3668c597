import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Unit } from "../check/unit.js";
import { compileUnit } from "../compiler.js";
import { emitUnits } from "../backends/ts/compile.js";
import { unitGraphs } from "../ir/unit.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import type { CellKernel, ModelKernel } from "./contract.js";
import { gradcheck, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";
import { gradcheckModel } from "./model-gradcheck.js";
import { bindDimValues } from "../core/dim-values.js";
import { unitParamShapes } from "../weights/unit-params.js";
import { modelHasDropout } from "../backends/ts/model.js";
import { VerifyInputError } from "./errors.js";

export interface GradcheckUnitOptions extends Omit<GradcheckOptions, "dims"> {
  /** Dimension values; any not given gets a small default (3, 4, 5, … in declaration order). */
  readonly dims?: Readonly<Record<string, number>>;
}

export interface GradcheckUnitResult {
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
 * Emits a unit's TypeScript module and checks its float64 gradients (finite differences and the
 * tfjs oracle): the library side of `rnnc gradcheck`. The module's whole forward and backward run
 * through the unit's kernels; only the reference (the step graph's oracle, or the model's) reads
 * the kernels' kind.
 */
export async function gradcheckUnit(unit: Unit, options: GradcheckUnitOptions = {}): Promise<GradcheckUnitResult> {
  if (options.training === true && !(unit.kind === "cell" ? unitGraphs(unit)[0]!.nodes.some((n) => n.op === "dropout") : modelHasDropout(unit.model))) {
    const where = unit.kind === "cell" ? `cell ${unit.name} has no \`dropout(…)\`` : `model ${unit.name} has no \`dropout(…)\`, in the model or its layers' cells`;
    throw new VerifyInputError(`the training option (--training) needs dropout, and ${where}: its training pass is its inference pass, so check it without the option`);
  }
  const compiled = emitUnits([unit], unit.file);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const dims = defaultDims(`${unit.kind} ${unit.name}`, unit.signature.dims, options.dims);
  unitParamShapes(unit, dims);
  const factory = module[unit.name] as Factory<CellKernel & ModelKernel>;
  const kernel = factory(dims, { dtype: "float64" });
  const checkOptions = { ...options, dims };
  const report = unit.kind === "cell" ? await gradcheck(unitGraphs(unit)[0]!, kernel, checkOptions) : await gradcheckModel(unit.model, kernel, checkOptions);
  return { report, diagnostics: [] };
}

export interface GradcheckSourceOptions extends GradcheckUnitOptions {
  /** Which cell or model of the file (default: the first model of a file that defines one, else the first cell). */
  readonly cell?: string;
}

/** Gradcheck of a file's unit (`cell`, or the default unit): `compileUnit` then `gradcheckUnit`, for tests and tools. */
export async function gradcheckSource(file: string, text: string, options: GradcheckSourceOptions = {}): Promise<GradcheckUnitResult> {
  const { unit, diagnostics } = compileUnit(file, text, options.cell);
  if (!unit) return { diagnostics };
  const { cell: _cell, ...rest } = options;
  const result = await gradcheckUnit(unit, rest);
  return { ...result, diagnostics: [...diagnostics, ...result.diagnostics] };
}
