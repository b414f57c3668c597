import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { readSourceOrReport, reportDiagnostics } from "../report.js";

interface IrOptionValues extends DiagnosticOptionValues {
  readonly cell?: string;
  readonly grad?: boolean;
}

/** `rnnc ir FILE`: print the lowered step graph (and with --grad its backward step) in the stable text form. */
export function registerIr(program: Command, context: CliContext): void {
  const command = program
    .command("ir")
    .description("print a cell's IR: one step for one example, as the back ends see it (for a model file: the model's dataflow)")
    .argument("<file>", "the .rnn source file")
    .option("--cell <name>", "the cell or model to print (default: the file's first model, else its first cell)")
    .option("--grad", "also print the backward step (the gradient graph backprop through time runs)");
  addDiagnosticOptions(command)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`)
    .action(async (file: string, options: IrOptionValues) => {
      const text = await readSourceOrReport(context, file, options);
      if (text === undefined) return;
      const { compileUnit } = await import("../../compiler.js");
      const { printUnit, lineLookup } = await import("../../ir/print-unit.js");
      const { unit, diagnostics, sources } = compileUnit(file, text, options.cell);
      if (diagnostics.length > 0) reportDiagnostics(context, diagnostics, sources, options);
      if (!unit) return context.fail(EXIT.errors);
      let gradient;
      if (options.grad) {
        const { unitStepGradient } = await import("../../autodiff/unit.js");
        gradient = unitStepGradient(unit);
        if (!gradient) {
          context.io.stderr(`error: --grad prints a cell's gradient graph; a model's backward pass runs each layer's (print a layer's cell with \`rnnc ir\` on its file)\n`);
          return context.fail(EXIT.errors);
        }
      }
      context.io.stdout(printUnit(unit, sources));
      if (gradient) {
        const { printStepGradient } = await import("../../autodiff/print.js");
        const lineOf = lineLookup(sources);
        context.io.stdout("\n" + printStepGradient(gradient, (offset, f) => lineOf(offset, f) ?? 0));
      }
    });
}
