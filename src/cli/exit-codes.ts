/**
 * Exit codes of `rnnc`, one meaning each, so scripts and CI can tell a user's mistake in the
 * program (1) from a mistake on the command line (2) from a bug in rnnc (70, EX_SOFTWARE in
 * BSD sysexits.h).
 */
export const EXIT = {
  /** Everything checked; warnings at most. */
  ok: 0,
  /** At least one error (a diagnostic, a file that cannot be read or written, a request the program cannot honour). */
  errors: 1,
  /** The command line does not parse: unknown command or option, missing or extra argument, malformed option value. */
  usage: 2,
  /** An unexpected exception inside rnnc: a compiler bug. */
  internal: 70,
  /** Stopped by Ctrl-C (128 + SIGINT, the shell's convention); `rnnc train` saves first. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The text `--help` shows about exit codes (kept beside the codes so they cannot drift apart). */
export const EXIT_CODES_HELP = `Exit codes:
  0   no errors (warnings do not fail)
  1   at least one error, including a file that cannot be read (RNN6001) or is not UTF-8 (RNN1004),
      an output that cannot be written, and a valid command line the program cannot honour
      (--dims that do not match its dimensions, a form it has no export for)
  2   usage error: the command line does not parse (unknown command or option, a missing or
      extra argument, a malformed option value such as --dims I=-1)
  70  internal compiler error (a bug in rnnc; please report it)`;
