/**
 * A span is a half-open range of UTF-16 offsets `[start, end)` into one source file.
 * Every AST node, every checked type and every IR node carries one, so that any
 * stage can point back at the user's text.
 */
export interface Span {
  /** The path of the file as the user named it (used verbatim in diagnostics). */
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** A synthetic span for nodes the compiler makes up (e.g. gradient nodes); points at offset 0. */
export function syntheticSpan(file = "<generated>"): Span {
  return { file, start: 0, end: 0 };
}
