import type { Command } from "commander";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../diagnostics/render.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, resolveDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { readSourceFile, readTextIfPossible } from "../read-source.js";

/** `rnnc check FILE…`: parse and shape-check each file, print every diagnostic, compile nothing. */
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
      const diagnostics = await checkFiles(files);
      const { format, color } = resolveDiagnosticOptions(options, context.io);
      const sources = new Map(diagnostics.sources);
      // A label may point into a file the user did not name (an imported library): read it then.
      const lookup = (file: string) => sources.get(file) ?? readTextIfPossible(file);
      context.io.stdout(renderDiagnostics(diagnostics.all, lookup, { format, color }));
      if (diagnostics.all.some((d) => d.severity === "error")) context.fail(EXIT.errors);
    });
}

/** Reads and checks files in command-line order; returns all diagnostics and the texts they point into. */
async function checkFiles(files: readonly string[]): Promise<{ all: Diagnostic[]; sources: Array<[string, string]> }> {
  const all: Diagnostic[] = [];
  const sources: Array<[string, string]> = [];
  for (const file of files) {
    const source = await readSourceFile(file);
    if (source.text !== undefined) sources.push([file, source.text]);
    if (!source.ok) {
      all.push(source.diagnostic);
      continue;
    }
    // Imported on first use so `rnnc --help` does not load the whole compiler.
    const { checkSource } = await import("../../compiler.js");
    all.push(...checkSource(file, source.text).diagnostics);
  }
  return { all, sources };
}
