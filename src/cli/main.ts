import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { UserError } from "../core/user-error.js";
import { COMMANDS } from "./commands/index.js";
import { CliContext, type RegisterCommand } from "./context.js";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.js";
import { processIO, type CliIO } from "./io.js";
import { RNNC_VERSION } from "../core/version.js";

/**
 * The `rnnc` command line: argument parsing and exit codes only; every subcommand lives in its
 * own file under `commands/` and calls into the compiler.
 */

/** Builds the commander program with every subcommand registered. */
export function buildProgram(context: CliContext, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const { io } = context;
  const program = new Command("rnnc")
    .description("rnnc compiles recurrent neural network cells written as equations (.rnn files)")
    .version(RNNC_VERSION, "-V, --version", "print the version of rnnc")
    .helpOption("-h, --help", "show help for rnnc or a command (rnnc check --help)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    // Commander must never call process.exit or print a stack: errors come back as exceptions
    // that `main` turns into exit codes.
    .exitOverride()
    // Every argument must mean something: `rnnc compile a.rnn b.rnn` is refused, not half done.
    .allowExcessArguments(false)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`);
  for (const register of commands) register(program, context);
  return program;
}

/**
 * Runs `rnnc` with `argv` (as in `process.argv`: node, script, arguments…) and returns the exit
 * code. Never throws: a usage error is exit 2, any unexpected exception an internal compiler
 * error (exit 70). `commands` is there for tests; the real program uses all of `COMMANDS`.
 */
export async function main(
  argv: readonly string[],
  io: CliIO = processIO(),
  commands: readonly RegisterCommand[] = COMMANDS,
): Promise<number> {
  const context = new CliContext(io);
  try {
    await buildProgram(context, commands).parseAsync([...argv]);
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help/version it was asked for).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UserError) {
      // A file that cannot be written, a dimension that matches nothing: the user's to fix, exit 1.
      io.stderr(`error: ${error.message}\n`);
      return Math.max(context.exitCode, EXIT.errors);
    }
    io.stderr(describeInternalError(error, io));
    return EXIT.internal;
  }
}

function describeInternalError(error: unknown, io: CliIO): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = [
    `internal compiler error: ${message}`,
    "note: this is a bug in rnnc, not in your program; please report it with the command line and the input files",
  ];
  if (io.env.RNNC_BACKTRACE === "1" && error instanceof Error && error.stack) lines.push(error.stack);
  else lines.push("note: run with RNNC_BACKTRACE=1 to include the stack trace in the report");
  return lines.join("\n") + "\n";
}

/** Runs `main` for the real process; used by bin/rnnc.js and when this file is run directly. */
export async function run(): Promise<void> {
  // `rnnc check x.rnn | head` closes stdout early: stop quietly instead of crashing on EPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT.ok);
    process.stderr.write(`internal compiler error: cannot write to stdout: ${error.message}\n`);
    process.exit(EXIT.internal);
  });
  // Set the code and let Node exit by itself, so piped output is flushed completely.
  process.exitCode = await main(process.argv);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
