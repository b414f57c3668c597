import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { diag } from "../diagnostics/codes.js";
import { primary, type Diagnostic } from "../diagnostics/diagnostic.js";
import { findUtf8Error } from "./utf8.js";
import { stdSource } from "../std/library.js";

/**
 * A source file as the compiler will see it, or the diagnostic that says why it cannot be.
 * For a file that is not UTF-8, `text` is still given (decoded with U+FFFD replacements) so the
 * renderer can show the line around the bad byte; the compiler must not be run on it.
 */
export type SourceFile =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly diagnostic: Diagnostic; readonly text?: string };

/** Reads `file` (the path exactly as the user wrote it) and decodes it as strict UTF-8. */
export async function readSourceFile(file: string): Promise<SourceFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return { ok: false, diagnostic: diag("RNN6001", { file, reason: describeReadError(error) }) };
  }
  return decodeSource(file, bytes);
}

/** Decodes bytes as UTF-8 (a leading byte-order mark is dropped, as TextDecoder does). */
export function decodeSource(file: string, bytes: Uint8Array): SourceFile {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const error = findUtf8Error(bytes);
    // TextDecoder and findUtf8Error implement the same table; if they ever disagree, that is a bug.
    if (error === undefined) throw new Error(`internal: TextDecoder rejected ${file} but no invalid UTF-8 byte was found`);
    const lossy = new TextDecoder("utf-8").decode(bytes);
    // Everything before the bad sequence is well-formed, so its decoded length is where the
    // U+FFFD for the bad sequence sits in `lossy`.
    const at = new TextDecoder("utf-8").decode(bytes.subarray(0, error.offset)).length;
    const diagnostic = diag("RNN1004", { offset: error.offset }, {
      labels: [primary({ file, start: at, end: at + 1 }, "not UTF-8")],
      notes: [error.reason],
      helps: ["rnnc reads source files as UTF-8; re-save the file in that encoding"],
    });
    return { ok: false, diagnostic, text: lossy };
  }
}

/** The strict UTF-8 text of a file, or `undefined` if it cannot be read or decoded (for showing source lines only). */
export function readTextIfPossible(file: string): string | undefined {
  const std = stdSource(file);
  if (std !== undefined) return std;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** A short reason for a failed read, without Node's errno prefix or a stack. */
function describeReadError(error: unknown): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENAMETOOLONG":
      return "the file name is too long";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
