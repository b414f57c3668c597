import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { integerOption, parseDimsOption, parseLengthsOption } from "../options.js";
import { readSourceOrReport, reportDiagnostics } from "../report.js";

interface GradcheckOptionValues extends DiagnosticOptionValues {
  readonly cell?: string;
  readonly dims?: Record<string, number>;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly lengths?: number[] | "random";
  readonly oracle: boolean;
  readonly training?: boolean;
}

/** `--lengths 5,3,1`, or `--lengths random` (drawn from the seed, each in [1, steps]). */
function lengthsOption(text: string): number[] | "random" {
  return text.trim() === "random" ? "random" : parseLengthsOption(text);
}

/**
 * `rnnc gradcheck FILE`: proves the generated backward pass right on random data, against
 * float64 central differences and tfjs's autodiff of the IR. A file that defines a model is
 * checked as a model: its module's whole forward and backward (layers, reversal, concatenation,
 * last steps, losses) against the same two references. Exit 1 on any failure.
 */
export function registerGradcheck(program: Command, context: CliContext): void {
  const command = program
    .command("gradcheck")
    .description("check a cell's or a model's generated gradients against finite differences (float64) and tfjs autodiff")
    .argument("<file>", "the .rnn source file")
    .option("--cell <name>", "the cell or model to check (default: the file's first model, else its first cell)")
    .option("--dims <I=3,H=4>", "dimension sizes (default: 3, 4, 5, … in declaration order)", parseDimsOption)
    .option("--batch <B>", "examples per batch", integerOption("--batch", 1), 2)
    .option("--steps <T>", "time steps", integerOption("--steps", 1), 5)
    .option("--seed <N>", "seed of the params, inputs and loss weights (and of the dropout masks with --training)", integerOption("--seed", 0), 0)
    .option("--lengths <L,…>", "per-example lengths (a variable-length batch), or `random` to draw them from the seed", lengthsOption)
    .option("--training", "check the training pass: dropout masks drawn from --seed (the same in every run and in the oracle); without it dropout is the identity")
    .option("--no-oracle", "skip the tfjs autodiff comparison (finite differences only)");
  addDiagnosticOptions(command)
    .addHelpText(
      "after",
      `\nExamples:\n  rnnc gradcheck examples/lstm.rnn --dims I=3,H=4 --batch 2 --steps 5\n  rnnc gradcheck examples/bigru.rnn --batch 3 --lengths 5,3,1\n  rnnc gradcheck examples/vardrop_gru.rnn --training --seed 7\n\n${EXIT_CODES_HELP}`,
    )
    .action(async (file: string, options: GradcheckOptionValues) => {
      const text = await readSourceOrReport(context, file, options);
      if (text === undefined) return;
      const { tfjsMissing } = await import("../../verify/tfjs-available.js");
      const missing = await tfjsMissing();
      if (missing !== undefined) {
        context.io.stderr(`error: ${missing}\n`);
        return context.fail(EXIT.errors);
      }
      const { compileUnit } = await import("../../compiler.js");
      const { gradcheckUnit } = await import("../../verify/unit.js");
      const { renderGradcheckReport, gradcheckReportJson } = await import("../../verify/gradcheck-report.js");
      const { VerifyInputError } = await import("../../verify/errors.js");
      const { randomLengths } = await import("../../verify/random.js");
      const lengths = options.lengths === "random" ? randomLengths(options.batch, options.steps, options.seed) : options.lengths;
      const { unit, diagnostics, sources } = compileUnit(file, text, options.cell);
      if (!unit) return reportDiagnostics(context, diagnostics, sources, options);
      let result;
      try {
        result = await gradcheckUnit(unit, {
          ...(options.dims !== undefined ? { dims: options.dims } : {}),
          batch: options.batch,
          steps: options.steps,
          seed: options.seed,
          ...(lengths !== undefined ? { lengths } : {}),
          oracle: options.oracle,
          ...(options.training === true ? { training: true } : {}),
        });
      } catch (error) {
        if (!(error instanceof VerifyInputError)) throw error;
        context.io.stderr(`error: ${error.message}\n`);
        return context.fail(EXIT.errors);
      }
      const all = [...diagnostics, ...result.diagnostics];
      if (all.length > 0) reportDiagnostics(context, all, sources, options);
      if (!result.report) return context.fail(EXIT.errors);
      const json = options.json === true || options.format === "json";
      context.io.stdout(json ? JSON.stringify(gradcheckReportJson(result.report), null, 2) + "\n" : renderGradcheckReport(result.report));
      if (!result.report.pass) context.fail(EXIT.errors);
    });
}
