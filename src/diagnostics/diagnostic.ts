import type { Span } from "./span.js";

export type Severity = "error" | "warning";

/** A span with a short text: the primary label gets carets (^^^), secondary ones dashes (---). */
export interface Label {
  readonly span: Span;
  readonly message: string;
  readonly primary: boolean;
}

/**
 * A diagnostic is data. Stages create them through `diag()` (codes.ts) and return them;
 * rendering to text or JSON happens in one place (render.ts).
 */
export interface Diagnostic {
  readonly severity: Severity;
  /** e.g. "RNN3004" */
  readonly code: string;
  /** One line that stands on its own: what was found and what was expected. */
  readonly message: string;
  readonly labels: readonly Label[];
  /** `= note: …` lines. */
  readonly notes: readonly string[];
  /** `= help: …` lines: only when the user can act on them. */
  readonly helps: readonly string[];
}

export function primary(span: Span, message = ""): Label {
  return { span, message, primary: true };
}

export function secondary(span: Span, message: string): Label {
  return { span, message, primary: false };
}
