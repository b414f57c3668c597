/**
 * Everything the CLI touches in the outside world besides the files it reads, passed in so the
 * commands never reach for `process` themselves.
 */
export interface CliIO {
  /** Diagnostics and results go to stdout (so `rnnc check --json x.rnn > out.json` works). */
  readonly stdout: (text: string) => void;
  /** Usage errors, help requested in error, internal errors. */
  readonly stderr: (text: string) => void;
  readonly stdoutIsTTY: boolean;
  /** The terminal's width in columns when stdout is one (a progress bar fits in it). */
  readonly columns?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    ...(process.stdout.isTTY === true && process.stdout.columns > 0 ? { columns: process.stdout.columns } : {}),
    env: process.env,
  };
}

/**
 * Colour only for a person at a terminal: stdout is a TTY, `--no-color` was not given, and the
 * NO_COLOR convention (https://no-color.org: set and not empty) does not ask otherwise.
 */
export function wantsColor(io: CliIO, colorOption: boolean): boolean {
  const noColor = io.env.NO_COLOR;
  return colorOption && io.stdoutIsTTY && (noColor === undefined || noColor === "");
}
