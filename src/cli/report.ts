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

/**
 * Writes a command's output file, or reports why it cannot (RNN6008, exit 1) through the same
 * channel as every other mistake: a user's bad path is a diagnostic, never an exception.
 */
export function writeOutputOrReport(context: CliContext, path: string, write: (path: string) => void, options: DiagnosticOptionValues): boolean {
  try {
    write(path);
    return true;
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    // The weights writer says `<path>: <reason>`; Node says `ENOENT: no such file or directory, open '<path>'`.
    const reason = (raw.startsWith(`${path}: `) ? raw.slice(path.length + 2) : nodeReason(e) ?? raw).replace(/^cannot write the file: /, "");
    reportDiagnostics(context, [diag("RNN6008", { file: path, reason })], new Map(), options);
    return false;
  }
}

function nodeReason(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (!(e instanceof Error) || typeof code !== "string" || !e.message.startsWith(`${code}: `)) return undefined;
  return `${e.message.slice(code.length + 2).split(", ")[0]} (${code})`;
}
