import { expect } from "vitest";
import { checkSource, type CheckSourceResult } from "../../src/compiler.js";

/**
 * Tiny helpers so a check test is three lines (Langium style): check a source text and assert
 * it is clean, or that it yields exactly the listed diagnostic codes.
 */
export function checkText(text: string, file = "test.rnn"): CheckSourceResult {
  return checkSource(file, text);
}

/** Asserts no errors and no warnings, showing the messages if there are any. */
export function expectNoIssues(text: string): CheckSourceResult {
  const r = checkText(text);
  expect(r.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return r;
}

/** Asserts the exact list of diagnostic codes, in order. */
export function expectCodes(text: string, codes: string[]): CheckSourceResult {
  const r = checkText(text);
  expect(r.diagnostics.map((d) => d.code)).toEqual(codes);
  return r;
}

/** Wraps equations in a cell `C(I, H)` with `input x: [I]` and `state h: [H]`. */
export function cell(body: string, dims = "I, H"): string {
  return `cell C(${dims}) {\n  input x: [I]\n  state h: [H]\n${body}\n}\n`;
}
