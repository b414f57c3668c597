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
      const { compileUnit } = await import("../../compiler.js");
      const { bindDimValues } = await import("../../core/dim-values.js");
      const { unit, diagnostics, sources } = compileUnit(file, text, options.cell);
      if (diagnostics.length > 0) reportDiagnostics(context, diagnostics, sources, options);
      if (!unit) return context.fail(EXIT.errors);
      const dims = bindDimValues(`${unit.kind} ${unit.name}`, unit.signature.dims, options.dims);
      // The unit's params by their qualified names (`layer.param` in a model), with the module's init(seed) values.
      const { writeWeightsFile } = await import("../../weights/index.js");
      const { initUnitParams, unitParamShapes } = await import("../../weights/unit-params.js");
      const shapes = unitParamShapes(unit, dims);
      writeWeightsFile(options.output, initUnitParams(unit, dims, options.seed, options.dtype), shapes);
    });
}
