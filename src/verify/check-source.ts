import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileGraph } from "../compiler.js";
import { compileToTypeScript } from "../backends/ts/compile.js";
import { loadGeneratedModule } from "../backends/ts/load.js";
import type { CellKernel } from "./contract.js";
import { gradcheck, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";

export interface GradcheckSourceOptions extends Omit<GradcheckOptions, "dims"> {
  /** Which cell of the file (default: the first). */
  readonly cell?: string;
  /** Dimension values; any not given gets a small default (3, 4, 5, … in declaration order). */
  readonly dims?: Readonly<Record<string, number>>;
}

export interface GradcheckSourceResult {
  readonly report?: GradcheckReport;
  readonly diagnostics: Diagnostic[];
}

/**
 * Compiles a cell to its TypeScript module and checks the module's float64 gradients
 * (finite differences and the tfjs oracle): the library side of `rnnc gradcheck`.
 */
export async function gradcheckSource(file: string, text: string, options: GradcheckSourceOptions = {}): Promise<GradcheckSourceResult> {
  const lowered = compileGraph(file, text, options.cell);
  if (!lowered.graph) return { diagnostics: lowered.diagnostics };
  const graph = lowered.graph;
  const compiled = compileToTypeScript(file, text, graph.cell);
  if (!compiled.code) return { diagnostics: compiled.diagnostics };
  const module = await loadGeneratedModule(compiled.code);
  const dims: Record<string, number> = {};
  graph.dims.forEach((d, i) => (dims[d] = options.dims?.[d] ?? 3 + i));
  const factory = module[graph.cell] as (dims: Record<string, number>, o: { dtype: "float64" }) => CellKernel;
  const report = await gradcheck(graph, factory(dims, { dtype: "float64" }), { ...options, dims });
  return { report, diagnostics: lowered.diagnostics };
}
