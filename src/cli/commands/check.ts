import type { Command } from "commander";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT_CODES_HELP } from "../exit-codes.js";
import { readSourceFile } from "../read-source.js";
import { reportDiagnostics } from "../report.js";

/** `rnnc check FILE…`: parse and shape-check each file, print every diagnostic, write nothing. */
export function registerCheck(program: Command, context: CliContext): void {
  const command = program
    .command("check")
    .description("parse and shape-check .rnn files and report every diagnostic; writes no output files")
    .argument("<files...>", ".rnn source files (paths are shown in diagnostics exactly as written)");
  addDiagnosticOptions(command)
    .addHelpText(
      "after",
      `\nA file that cannot be read is reported as error RNN6001 and the other files are still checked.\n\n${EXIT_CODES_HELP}`,
    )
    .action(async (files: string[], options: DiagnosticOptionValues) => {
      const diagnostics: Diagnostic[] = [];
      const sources = new Map<string, string>();
      for (const file of files) {
        const source = await readSourceFile(file);
        if (source.text !== undefined) sources.set(file, source.text);
        if (!source.ok) {
          diagnostics.push(source.diagnostic);
          continue;
        }
        // Imported on first use so `rnnc --help` does not load the parser and checker.
        const { checkSource } = await import("../../compiler.js");
        diagnostics.push(...checkSource(file, source.text).diagnostics);
      }
      reportDiagnostics(context, diagnostics, sources, options);
    });
}
