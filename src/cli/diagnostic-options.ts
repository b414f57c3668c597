import { Option, type Command } from "commander";
import { DIAGNOSTIC_FORMATS, type DiagnosticFormat } from "../diagnostics/render.js";
import { wantsColor, type CliIO } from "./io.js";

/** The options every diagnostic-printing command shares, as commander parses them. */
export interface DiagnosticOptionValues {
  readonly format: DiagnosticFormat;
  readonly json?: boolean;
  /** `--no-color` sets this to false; it defaults to true. */
  readonly color: boolean;
}

/** Adds `--format rich|short|json`, `--json` and `--no-color` to a command. */
export function addDiagnosticOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--format <format>", "how to print diagnostics: rich (for people), short (one line each, for tools), json")
        .choices(DIAGNOSTIC_FORMATS)
        .default("rich"),
    )
    .addOption(new Option("--json", "shorthand for --format json").conflicts("format"))
    .addOption(new Option("--no-color", "never colour the output (colour is used only when stdout is a terminal and NO_COLOR is unset)"));
}

/** The format and colour to render with, from the parsed options and the terminal. */
export function resolveDiagnosticOptions(values: DiagnosticOptionValues, io: CliIO): { format: DiagnosticFormat; color: boolean } {
  const format = values.json === true ? "json" : values.format;
  return { format, color: format === "rich" && wantsColor(io, values.color) };
}
