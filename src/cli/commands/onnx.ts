import { Option, type Command } from "commander";
import { writeFileAtomic } from "../../core/files.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { integerOption, parseDimsOption } from "../options.js";
import { readSourceOrReport, reportDiagnostics } from "../report.js";

interface OnnxOptionValues extends DiagnosticOptionValues {
  readonly output: string;
  readonly dims: Record<string, number>;
  readonly cell?: string;
  readonly steps?: number;
  readonly recurrence: "unroll" | "scan" | "native";
  readonly opset?: number;
  readonly weights?: string;
  readonly seed?: number;
  readonly requiredInputs?: boolean;
  readonly optionalInputs?: boolean;
  readonly fixedLength?: boolean;
  readonly allowNonFinite?: boolean;
}

/**
 * `rnnc onnx FILE --dims I=32,H=64 [--steps T] [--recurrence unroll|scan|native] -o model.onnx`:
 * compile one cell or model and write it as an ONNX model (src/backends/onnx does the work).
 */
export function registerOnnx(program: Command, context: CliContext): void {
  const command = program
    .command("onnx")
    .description("compile a cell or a model to an ONNX model (time-major input [T, batch, …], initial_<state> and sequence_lens)")
    .argument("<file>", "the .rnn source file")
    .requiredOption("-o, --output <model.onnx>", "where to write the model")
    .requiredOption("--dims <I=32,H=64>", "a size for every dimension of the cell or model", parseDimsOption)
    .option("--cell <name>", "the cell or model to export (default: the file's first model, or its first cell if it has no model)")
    .option("--steps <T>", "the number of steps T (required to unroll; the scan and native forms keep T symbolic without it)", integerOption("--steps", 1))
    .addOption(new Option("--recurrence <form>", "unroll: the step repeated T times; scan: one ONNX Scan node (per recurrent layer of a model); native: ONNX's own LSTM/GRU operator (fastest; only for a cell — or every recurrent layer of a model — that is the textbook LSTM or GRU of examples/lstm.rnn, examples/gru.rnn)").choices(["unroll", "scan", "native"]).default("unroll"))
    .option("--opset <N>", "the ONNX opset to target (default 17, at most 22)", integerOption("--opset", 1))
    .addOption(new Option("--weights <file.safetensors>", "take the params from a safetensors file (names and shapes are checked)").conflicts("seed"))
    .option("--seed <N>", "initialize the params from this seed by their declared initializers — for a model, the values of the generated module's init(seed) (default 0)", integerOption("--seed", 0))
    .option("--allow-non-finite", "export a --weights file holding NaN or infinite values (refused by default)")
    .option("--fixed-length", "every example runs all T steps: no sequence_lens input and no masking nodes (a smaller, faster graph; cells only)")
    .addOption(new Option("--required-inputs", "initial_<state> and sequence_lens are required inputs, fed by every ONNX Runtime binding (the default)").conflicts("optionalInputs"))
    .option("--optional-inputs", "give initial_<state> and sequence_lens defaults (zeros, full length) so callers may leave them out; CAUTION: onnxruntime-node silently ignores feeds for inputs that have a default (Python and C feed them)");
  addDiagnosticOptions(command)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`)
    .action(async (file: string, options: OnnxOptionValues) => {
      if (options.allowNonFinite === true && options.weights === undefined) {
        command.error("error: --allow-non-finite applies to the values of a --weights file, and none is given", { exitCode: EXIT.usage, code: "rnnc.onnx.options" });
      }
      // The form, the opset and the steps depend on the command line alone: a mistake there is a usage error (exit 2).
      const { checkForm } = await import("../../backends/onnx/options.js");
      const { DEFAULT_OPSET } = await import("../../backends/onnx/opsets.js");
      const { OnnxExportError } = await import("../../backends/onnx/errors.js");
      try {
        checkForm({ recurrence: options.recurrence, ...(options.steps !== undefined ? { steps: options.steps } : {}) }, options.opset ?? DEFAULT_OPSET);
      } catch (error) {
        if (!(error instanceof OnnxExportError)) throw error;
        command.error(`error: ${error.message}`, { exitCode: EXIT.usage, code: "rnnc.onnx.options" });
      }
      const text = await readSourceOrReport(context, file, options);
      if (text === undefined) return;
      // Imported on first use so `rnnc --help` does not load the compiler.
      const { compileUnit } = await import("../../compiler.js");
      const { onnxFromUnit } = await import("../../backends/onnx/from-unit.js");
      const { unit, diagnostics, sources } = compileUnit(file, text, options.cell);
      if (!unit) return reportDiagnostics(context, diagnostics, sources, options);
      const result = onnxFromUnit(unit, {
        dims: options.dims,
        recurrence: options.recurrence,
        sources,
        ...(options.steps !== undefined ? { steps: options.steps } : {}),
        ...(options.opset !== undefined ? { opset: options.opset } : {}),
        weights: options.weights !== undefined ? { file: options.weights, allowNonFinite: options.allowNonFinite === true } : { seed: options.seed ?? 0 },
        optionalInputs: options.optionalInputs === true,
        ...(options.fixedLength === true ? { variableLengths: false } : {}),
      });
      reportDiagnostics(context, [...diagnostics, ...result.diagnostics], sources, options);
      // The command line parsed; the program cannot honour it (dims that do not match, a cell with no native form): exit 1.
      if (result.optionError !== undefined) {
        context.io.stderr(`error: ${result.optionError}\n`);
        return context.fail(EXIT.errors);
      }
      if (result.bytes === undefined) return;
      writeFileAtomic(options.output, result.bytes);
    });
}
