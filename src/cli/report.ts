import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diag } from "../diagnostics/codes.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import type { CliContext } from "./context.js";
import { resolveDiagnosticOptions, type DiagnosticOptionValues } from "./diagnostic-options.js";
import { EXIT } from "./exit-codes.js";
import { readSourceFile, readTextIfPossible } from "./read-source.js";

/**
 * Prints diagnostics in the format the options ask for and records exit code 1 if any is an
 * error (warnings never fail). Every command that reports diagnostics goes through here, so
 * `check`, `compile`, `onnx` … print them identically.
 *
 * @param sources texts of the files already read, by the name used in their spans; a label in any
 *   other file (an imported library) is read from disk when printed, or shown without source lines.
 */
export function reportDiagnostics(
  context: CliContext,
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  options: DiagnosticOptionValues,
): void {
  const { format, color } = resolveDiagnosticOptions(options, context.io);
  const lookup = (file: string) => sources.get(file) ?? readTextIfPossible(file);
  context.io.stdout(renderDiagnostics(diagnostics, lookup, { format, color }));
  if (diagnostics.some((d) => d.severity === "error")) context.fail(EXIT.errors);
}

/**
 * Reads a source file for a command that compiles one file: its text, or undefined after
 * reporting why it cannot be read (RNN6001) or decoded (RNN1004).
 */
export async function readSourceOrReport(context: CliContext, file: string, options: DiagnosticOptionValues): Promise<string | undefined> {
  const source = await readSourceFile(file);
  if (source.ok) return source.text;
  reportDiagnostics(context, [source.diagnostic], new Map(source.text === undefined ? [] : [[file, source.text]]), options);
  return undefined;
}

