import { check, type CheckResult } from "./check/checker.js";
import type { Diagnostic } from "./diagnostics/diagnostic.js";
import type { Program } from "./syntax/ast.js";
import { parse } from "./syntax/parse.js";

/**
 * The compiler's library API: each function runs the pipeline as far as it needs and
 * returns its value with the diagnostics; none throws for a user's mistake.
 */

export interface CheckSourceResult {
  readonly program: Program;
  readonly checked?: CheckResult;
  readonly diagnostics: Diagnostic[];
}

/** Parse and check one file. The checker runs on what the parser recovered, so one run shows syntax and shape errors together. */
export function checkSource(file: string, text: string): CheckSourceResult {
  const parsed = parse(file, text);
  const checked = check(parsed.program, text);
  return { program: parsed.program, checked, diagnostics: [...parsed.diagnostics, ...checked.diagnostics] };
}
