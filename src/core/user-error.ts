/**
 * The base of the errors that are the user's mistake, not rnnc's: a file that cannot be read or
 * written, a dimension value that matches nothing. Their message stands on its own; the CLI prints
 * it as `error: <message>` and exits 1, never as an internal compiler error.
 */
export class UserError extends Error {
  override readonly name: string = "UserError";
}
