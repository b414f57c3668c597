import { Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { integerOption, parseDimsOption } from "../options.js";
import { readSourceOrReport, reportDiagnostics } from "../report.js";

interface InitOptionValues extends DiagnosticOptionValues {
  readonly output: string;
  readonly dims: Record<string, number>;
  readonly seed: number;
  readonly cell?: string;
  readonly dtype: "float32" | "float64";
}

/** `rnnc init FILE --dims … --seed N -o W.safetensors`: params from the cell's initializers, for both back ends. */
export function registerInit(program: Command, context: CliContext): void {
  const command = program
    .command("init")
    .description("draw a cell's (or a model's) params from the declared initializers and write them as safetensors")
    .argument("<file>", "the .rnn source file")
    .requiredOption("-o, --output <file.safetensors>", "where to write the weights")
    .requiredOption("--dims <I=32,H=64>", "a size for every dimension of the cell or model", parseDimsOption)
    .option("--seed <N>", "the seed (the same seed gives the same weights as the generated module's init)", integerOption("--seed", 0), 0)
    .option("--cell <name>", "the cell or model (default: the file's first model, else its first cell)")
    .addOption(new Option("--dtype <dtype>", "element type of the tensors").choices(["float32", "float64"]).default("float32"));
  addDiagnosticOptions(command)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`)
    .action(async (file: string, options: InitOptionValues) => {
      const text = await readSourceOrReport(context, file, options);
      if (text === undefined) return;
      const { compileGraph, compileModel, definesModel } = await import("../../compiler.js");
      const { bindDimValues } = await import("../../core/dim-values.js");
      const { writeWeightsFile } = await import("../../weights/index.js");
      if (definesModel(file, text, options.cell)) {
        // A model's params are its layers', named `layer.param`, with the module's init(seed) values.
        const { model, diagnostics, sources } = compileModel(file, text, options.cell);
        if (diagnostics.length > 0) reportDiagnostics(context, diagnostics, sources, options);
        if (!model) return context.fail(EXIT.errors);
        const dims = bindDimValues(`model ${model.name}`, model.dims, options.dims);
        const { initModelParams, modelParamShapes } = await import("../../weights/model-params.js");
        const shapes = modelParamShapes(model, dims);
        writeWeightsFile(options.output, initModelParams(model, dims, options.seed, options.dtype), shapes);
        return;
      }
      const result = compileGraph(file, text, options.cell);
      if (result.diagnostics.length > 0) reportDiagnostics(context, result.diagnostics, new Map([[file, text]]), options);
      if (!result.graph) return context.fail(EXIT.errors);
      const dims = bindDimValues(`cell ${result.graph.cell}`, result.graph.dims, options.dims);
      const { initGraphParams, paramShapes } = await import("../../weights/index.js");
      const shapes = paramShapes(result.graph, dims);
      writeWeightsFile(options.output, initGraphParams(result.graph, dims, options.seed, options.dtype), shapes);
    });
}
