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
      const { compileGraph, compileModel, definesModel } = await import("../../compiler.js");
      const { printGraph } = await import("../../ir/print.js");
      const { printStepGradient } = await import("../../autodiff/print.js");
      const { LineIndex } = await import("../../diagnostics/source.js");
      if (definesModel(file, text, options.cell)) {
        const { printModel } = await import("../../ir/print-model.js");
        const { model, diagnostics, sources } = compileModel(file, text, options.cell);
        if (diagnostics.length > 0) reportDiagnostics(context, diagnostics, sources, options);
        if (!model) return context.fail(EXIT.errors);
        if (options.grad) {
          context.io.stderr(`error: --grad prints a cell's gradient graph; a model's backward pass runs each layer's (print a layer's cell with \`rnnc ir\` on its file)\n`);
          return context.fail(EXIT.errors);
        }
        const indexes = new Map<string, InstanceType<typeof LineIndex>>();
        const lineOf = (f: string, offset: number) => {
          const source = sources.get(f);
          if (source === undefined) return f;
          let index = indexes.get(f);
          if (!index) indexes.set(f, (index = new LineIndex(source)));
          return `${f}:${index.position(offset).line}`;
        };
        context.io.stdout(printModel(model, lineOf));
        return;
      }
      const result = compileGraph(file, text, options.cell);
      if (result.diagnostics.length > 0) reportDiagnostics(context, result.diagnostics, new Map([[file, text]]), options);
      if (!result.graph) return context.fail(EXIT.errors);
      const index = new LineIndex(text);
      const lineOf = (offset: number) => index.position(offset).line;
      context.io.stdout(printGraph(result.graph, lineOf));
      if (options.grad) {
        const { differentiateStep } = await import("../../autodiff/reverse.js");
        context.io.stdout("\n" + printStepGradient(differentiateStep(result.graph), lineOf));
      }
    });
}
