import { check, type CheckResult, type ImportedItems } from "../check/checker.js";
import type { ResolvedCell } from "../check/model-types.js";
import type { FnSignature } from "../check/scope.js";
import { closestName } from "../core/suggest.js";
import { diag } from "../diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { ImportDecl, Program } from "../syntax/ast.js";
import { parse } from "../syntax/parse.js";
import { STD_NAMES, stdFileOf, stdSource } from "../std/library.js";
import { readHostText } from "../core/host.js";
import { dirnameOf, joinPath, normalizePath } from "./paths.js";

/**
 * Imports: each file is parsed and checked on its own, once, with its own imports resolved
 * first; its checked cells and functions are then visible by name in the importing file. A
 * path is relative to the importing file; `std` is the standard library in src/std. A file
 * that cannot be read, a name the file does not define, and a cycle of imports are each
 * reported at the import line.
 */

/** Reads a file as text, or returns why it cannot be (a short reason, no stack). */
export type ReadText = (path: string) => { text: string } | { error: string };

export interface CheckedFile {
  readonly file: string;
  readonly program: Program;
  readonly text: string;
  readonly checked: CheckResult;
}

export interface ImportSession {
  readonly read: ReadText;
  /** Files checked so far, by absolute path (std files by display name). */
  readonly files: Map<string, CheckedFile>;
  /** Every source read, by display name: for the renderer to show imported lines. */
  readonly sources: Map<string, string>;
  /** Diagnostics of imported files, each file's once. */
  readonly diagnostics: Diagnostic[];
}

let scopedRead: ReadText | undefined;

/**
 * Runs `run` with `read` as the reader of every import session it opens without one of its own
 * (the library API's in-memory or caller-supplied files). The reader applies while `run` runs
 * synchronously: every entry point reads all its sources before its first `await`.
 */
export function withReader<T>(read: ReadText, run: () => T): T {
  const prior = scopedRead;
  scopedRead = read;
  try {
    return run();
  } finally {
    scopedRead = prior;
  }
}

/** A session reading imports with `read`, else the scoped reader (`withReader`), else the host's disk. */
export function newImportSession(read?: ReadText): ImportSession {
  return { read: read ?? scopedRead ?? readHostText, files: new Map(), sources: new Map(), diagnostics: [] };
}

/** Reads a file from the host's disk (Node), as imports are read by default. */
export const readTextFile: ReadText = readHostText;

/** Checks a file whose text is known (the file named on the command line), resolving its imports. */
export function checkFileWithImports(file: string, text: string, session: ImportSession, stack: readonly string[] = []): CheckedFile {
  const parsed = parse(file, text);
  session.sources.set(file, text);
  const key = keyOf(file);
  const imported = resolveImports(parsed.program, file, session, [...stack, key]);
  const checked = check(parsed.program, text, imported.items);
  const result: CheckedFile = { file, program: parsed.program, text, checked: { ...checked, diagnostics: [...parsed.diagnostics, ...imported.diagnostics, ...checked.diagnostics] } };
  session.files.set(key, result);
  return result;
}

function keyOf(display: string): string {
  return display.startsWith("std/") ? display : normalizePath(display);
}

interface Resolution {
  readonly items: ImportedItems;
  /** Diagnostics at this file's import lines. */
  readonly diagnostics: Diagnostic[];
}

function resolveImports(program: Program, file: string, session: ImportSession, stack: readonly string[]): Resolution {
  const cells = new Map<string, ResolvedCell>();
  const fns = new Map<string, FnSignature>();
  const spans = new Map<string, Span>();
  const unparsed = new Set<string>();
  const types = new Map();
  const callBindings = new Map();
  const diagnostics: Diagnostic[] = [];

  const take = (loaded: CheckedFile, name: string, span: Span, source: string): boolean => {
    const c = loaded.checked;
    const cell = c.cells.find((x) => x.def.name.name === name);
    const fn = c.fns.get(name);
    if (!cell && !fn) {
      if (loaded.program.items.some((i) => i.name.name === name) || loaded.program.unparsed?.some((u) => u.name === name)) {
        // Defined, but with errors (reported in its own file): uses of it stay quiet.
        unparsed.add(name);
        return true;
      }
      return false;
    }
    const prior = spans.get(name);
    if (prior) {
      diagnostics.push(diag("RNN2007", { kind: cell ? "cell" : "function", name }, { labels: [primary(span, "imported again here"), secondary(prior, "first imported here")] }));
      return true;
    }
    spans.set(name, span);
    if (cell) cells.set(name, { cell, checked: c, file: loaded.file });
    if (fn) fns.set(name, fn);
    for (const [k, v] of c.types) types.set(k, v);
    for (const [k, v] of c.callBindings) callBindings.set(k, v);
    void source;
    return true;
  };

  for (const imp of program.imports ?? []) {
    if (imp.from.kind === "std") {
      if (imp.names.length === 0) continue;
      for (const n of imp.names) {
        const display = stdFileOf(n.name);
        if (display === undefined) {
          // Its uses are explained by this diagnostic: they are not reported again.
          unparsed.add(n.name);
          const near = nearestName(n.name, STD_NAMES);
          diagnostics.push(
            diag("RNN6007", { name: n.name, source: "the standard library", available: STD_NAMES.map((s) => `\`${s}\``).join(", ") }, {
              labels: [primary(n.span, "not in std")],
              ...(near ? { helps: [`did you mean \`${near}\`?`] } : {}),
            }),
          );
          continue;
        }
        const loaded = load(display, () => ({ text: stdSource(display)! }), imp, session, stack, diagnostics);
        if (loaded) take(loaded, n.name, n.span, "the standard library");
      }
      continue;
    }
    const display = joinPath(dirnameOf(file), imp.from.path);
    const loaded = load(display, () => session.read(display), imp, session, stack, diagnostics);
    if (!loaded) {
      // The import line is reported; the names it would have brought are not reported again.
      for (const n of imp.names) unparsed.add(n.name);
      continue;
    }
    if (imp.names.length === 0) {
      for (const c of loaded.checked.cells) take(loaded, c.def.name.name, imp.from.span, display);
      for (const f of loaded.checked.fns.keys()) take(loaded, f, imp.from.span, display);
      for (const i of loaded.program.items) if (!spans.has(i.name.name) && i.kind !== "model") unparsed.add(i.name.name);
      continue;
    }
    for (const n of imp.names) {
      if (take(loaded, n.name, n.span, display)) continue;
      unparsed.add(n.name);
      const defined = [...loaded.checked.cells.map((c) => c.def.name.name), ...loaded.checked.fns.keys()];
      const near = nearestName(n.name, defined);
      const model = loaded.program.items.find((i) => i.kind === "model" && i.name.name === n.name);
      diagnostics.push(
        diag("RNN6007", { name: n.name, source: `\`${display}\``, available: defined.length > 0 ? defined.map((d) => `\`${d}\``).join(", ") : "no cells or functions" }, {
          labels: [primary(n.span, model ? "a model, which cannot be imported" : "not defined there")],
          ...(near ? { helps: [`did you mean \`${near}\`?`] } : model ? { notes: ["cells and functions can be imported; a model is compiled from its own file"] } : {}),
        }),
      );
    }
  }
  return { items: { cells, fns, spans, unparsed, types, callBindings }, diagnostics };
}

/** A name differing only in case (`Lstm` for `LSTM`) first, then the closest by edit distance. */
function nearestName(name: string, candidates: readonly string[]): string | undefined {
  return candidates.find((c) => c !== name && c.toLowerCase() === name.toLowerCase()) ?? closestName(name, candidates);
}

function load(
  display: string,
  read: () => { text: string } | { error: string },
  imp: ImportDecl,
  session: ImportSession,
  stack: readonly string[],
  diagnostics: Diagnostic[],
): CheckedFile | undefined {
  const key = keyOf(display);
  if (stack.includes(key)) {
    const cycle = [...stack.slice(stack.indexOf(key)), key].map((k) => `\`${displayOf(k, session, display)}\``).join(" → ");
    const itself = key === stack[stack.length - 1];
    diagnostics.push(
      diag("RNN6006", { path: cycle }, {
        labels: [primary(imp.from.span, itself ? "this file imports itself" : "imports a file that imports this one")],
        helps: [itself ? "remove this import: a file's own cells and functions are visible in all of it" : "move what both files need into a third file that imports neither"],
      }),
    );
    return undefined;
  }
  const done = session.files.get(key);
  if (done) return done;
  const r = read();
  if ("error" in r) {
    diagnostics.push(diag("RNN6005", { what: `\`${display}\``, reason: r.error }, { labels: [primary(imp.from.span, `looked for ${display}`)], notes: ["an import path is relative to the file that imports it"] }));
    return undefined;
  }
  const loaded = checkFileWithImports(display, r.text, session, stack);
  session.diagnostics.push(...loaded.checked.diagnostics);
  return loaded;
}

function displayOf(key: string, session: ImportSession, fallback: string): string {
  return session.files.get(key)?.file ?? (key.startsWith("std/") ? key : [...session.sources.keys()].find((f) => normalizePath(f) === key) ?? fallback);
}
