/**
 * Exit codes of `rnnc`, one meaning each, so scripts and CI can tell a user's mistake in the
 * program (1) from a mistake on the command line (2) from a bug in rnnc (70, EX_SOFTWARE in
 * BSD sysexits.h).
 */
export const EXIT = {
  /** Everything checked; warnings at most. */
  ok: 0,
  /** At least one error diagnostic (including a file that cannot be read or decoded). */
  errors: 1,
  /** The command line itself is wrong: unknown command or option, missing argument, bad option value. */
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
  1   at least one error, including a file that cannot be read (RNN6001) or is not UTF-8 (RNN1004)
  2   usage error: unknown command or option, missing file argument, bad option value
  70  internal compiler error (a bug in rnnc; please report it)`;
