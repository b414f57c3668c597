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

/** A sink that stages report into instead of throwing. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error").length;
  }
}

export function primary(span: Span, message = ""): Label {
  return { span, message, primary: true };
}

export function secondary(span: Span, message: string): Label {
  return { span, message, primary: false };
}
