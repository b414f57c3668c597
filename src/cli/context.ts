import type { Command } from "commander";
import { EXIT, type ExitCode } from "./exit-codes.js";
import type { CliIO } from "./io.js";

/** What a command gets besides its options: the outside world and a place to put its exit code. */
export class CliContext {
  private code: ExitCode = EXIT.ok;
  constructor(readonly io: CliIO) {}

  /** The exit code so far; a later, milder outcome never hides an earlier, worse one. */
  get exitCode(): ExitCode {
    return this.code;
  }

  fail(code: ExitCode): void {
    if (code > this.code) this.code = code;
  }
}

/**
 * How a subcommand joins the program: one file per command under `commands/`, each exporting
 * one of these, listed in `commands/index.ts`. It must create its command with
 * `program.command(…)` so the command inherits the program's error handling (exit codes, no
 * stack traces).
 */
export type RegisterCommand = (program: Command, context: CliContext) => void;
