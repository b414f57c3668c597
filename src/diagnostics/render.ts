import type { Diagnostic, Label, Severity } from "./diagnostic.js";
import { LineIndex } from "./source.js";

/**
 * The one renderer of diagnostics (codespan-reporting style). Diagnostics are data; this file
 * turns them into
 *   - `rich` text for people (source lines, `^^^` under the primary label, `---` under secondary
 *     ones, `= note:` / `= help:` lines),
 *   - `short` text for tools, one `file:line:col: error RNNxxxx: message` line per diagnostic,
 *   - `json`, a stable array for editors and scripts.
 * Source texts come through a callback, so the renderer never touches the file system; a file the
 * callback does not know is still named, just without source lines.
 *
 * Columns in `file:line:col` are 1-based UTF-16 code units with a tab as one column (see
 * `LineIndex`); only the drawing of source lines measures in terminal cells (tabs as four
 * spaces, wide characters as two) so underlines stay under what they mark.
 */

/** Gives the text of a file, or `undefined` when it is not available. */
export type SourceLookup = (file: string) => string | undefined;

export type DiagnosticFormat = "rich" | "short" | "json";

export const DIAGNOSTIC_FORMATS: readonly DiagnosticFormat[] = ["rich", "short", "json"];

export interface RenderOptions {
  /** Defaults to `rich`. */
  readonly format?: DiagnosticFormat;
  /** ANSI colours (rich format only). Defaults to false; callers decide (TTY, NO_COLOR). */
  readonly color?: boolean;
  /** Rich format only: end with the `error: N errors emitted` line. Defaults to true. */
  readonly summary?: boolean;
}

/** One label as it appears in the JSON output. Line and column fields are null when the source is unknown. */
export interface JsonLabel {
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  /** Position just past the span (exclusive end), as in LSP ranges. */
  readonly endLine: number | null;
  readonly endColumn: number | null;
  /** UTF-16 offsets of the half-open span `[startOffset, endOffset)`. */
  readonly startOffset: number;
  readonly endOffset: number;
  readonly message: string;
  readonly primary: boolean;
}

/** One diagnostic as it appears in the JSON output; key order is fixed so output is byte-stable. */
export interface JsonDiagnostic {
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly labels: readonly JsonLabel[];
  readonly notes: readonly string[];
  readonly helps: readonly string[];
}

/** Lines longer than this (in UTF-16 code units) are shown as a window around each label. */
const LONG_LINE = 200;
/** Code units of context shown before a label in a long line. */
const WINDOW_BEFORE = 40;
/** Code units shown per window of a long line. */
const WINDOW_LENGTH = 160;
/** Display width of a tab in drawn source lines. */
const TAB_WIDTH = 4;

// ---- the entry point ------------------------------------------------------------------------

/** Renders a list of diagnostics in the chosen format; the result ends with a newline unless empty. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  options: RenderOptions = {},
): string {
  const cache = new SourceCache(sources);
  const format = options.format ?? "rich";
  if (format === "json") return JSON.stringify(diagnosticsToJson(diagnostics, cache), null, 2) + "\n";
  if (format === "short") return diagnostics.map((d) => renderShortLine(d, cache) + "\n").join("");
  const color = options.color ?? false;
  const blocks = diagnostics.map((d) => renderRich(d, cache, color));
  const summary = options.summary === false ? "" : renderSummary(diagnostics, color);
  if (summary !== "") blocks.push(summary + "\n");
  return blocks.join("\n");
}

// ---- source cache -----------------------------------------------------------------------------

/** Builds each file's `LineIndex` once per render, however many labels point into it. */
export class SourceCache {
  private readonly indexes = new Map<string, LineIndex | undefined>();
  constructor(private readonly lookup: SourceLookup) {}

  get(file: string): LineIndex | undefined {
    if (!this.indexes.has(file)) {
      const text = this.lookup(file);
      this.indexes.set(file, text === undefined ? undefined : new LineIndex(text));
    }
    return this.indexes.get(file);
  }
}

function asCache(sources: SourceLookup | SourceCache): SourceCache {
  return sources instanceof SourceCache ? sources : new SourceCache(sources);
}

// ---- summary ----------------------------------------------------------------------------------

/** `error: 3 errors and 1 warning emitted`, `warning: 2 warnings emitted`, or "" when clean. */
export function renderSummary(diagnostics: readonly Diagnostic[], color = false): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const paint = painter(color);
  if (errors > 0) {
    const tail = warnings > 0 ? ` and ${count(warnings, "warning")}` : "";
    return `${paint(BOLD + RED, "error")}${paint(BOLD, `: ${count(errors, "error")}${tail} emitted`)}`;
  }
  if (warnings > 0) return `${paint(BOLD + YELLOW, "warning")}${paint(BOLD, `: ${count(warnings, "warning")} emitted`)}`;
  return "";
}

// ---- short ------------------------------------------------------------------------------------

function renderShortLine(d: Diagnostic, cache: SourceCache): string {
  const body = `${d.severity} ${d.code}: ${oneLine(d.message)}`;
  const main = mainLabel(d.labels);
  if (main === undefined) return body;
  const index = cache.get(main.span.file);
  if (index === undefined) return `${shown(main.span.file)}: ${body}`;
  const { line, column } = index.position(main.span.start);
  return `${shown(main.span.file)}:${line}:${column}: ${body}`;
}

// ---- json -------------------------------------------------------------------------------------

/** The JSON form of diagnostics (stringify it with any indentation; key order is fixed). */
export function diagnosticsToJson(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup | SourceCache,
): JsonDiagnostic[] {
  const cache = asCache(sources);
  return diagnostics.map((d) => ({
    severity: d.severity,
    code: d.code,
    message: d.message,
    labels: d.labels.map((l) => labelToJson(l, cache)),
    notes: [...d.notes],
    helps: [...d.helps],
  }));
}

function labelToJson(label: Label, cache: SourceCache): JsonLabel {
  const index = cache.get(label.span.file);
  const start = index ? index.clampOffset(label.span.start) : label.span.start;
  const end = index ? index.clampOffset(Math.max(label.span.start, label.span.end)) : label.span.end;
  const from = index?.position(start);
  const to = index?.position(end);
  return {
    file: label.span.file,
    line: from?.line ?? null,
    column: from?.column ?? null,
    endLine: to?.line ?? null,
    endColumn: to?.column ?? null,
    startOffset: start,
    endOffset: end,
    message: label.message,
    primary: label.primary,
  };
}

// ---- rich -------------------------------------------------------------------------------------

/** One diagnostic in the rich form, ending with a newline. */
export function renderRich(diagnostic: Diagnostic, sources: SourceLookup | SourceCache, color = false): string {
  const cache = asCache(sources);
  const paint = painter(color);
  const d = diagnostic;
  const severityColor = d.severity === "error" ? RED : YELLOW;
  const out: string[] = [`${paint(BOLD + severityColor, `${d.severity}[${d.code}]`)}${paint(BOLD, `: ${oneLine(d.message)}`)}`];

  const groups = groupByFile(d.labels, cache);
  const width = Math.max(1, ...groups.flatMap((g) => g.labels.map((l) => String(l.line).length)));
  const pad = " ".repeat(width + 1);
  const bar = `${" ".repeat(width)} │`;
  const main = mainLabel(d.labels);

  for (const group of groups) {
    if (group.index === undefined) {
      out.push(`${pad}┌─ ${shown(group.file)} (source not available)`);
      for (const l of group.unresolved) {
        const mark = l.primary ? "^" : "-";
        const text = `${mark} offsets ${l.span.start}..${l.span.end}${l.message ? `: ${oneLine(l.message)}` : ""}`;
        out.push(`${bar} ${paint(l.primary ? severityColor : BLUE, text)}`);
      }
      continue;
    }
    if (main !== undefined && group.file === main.span.file) {
      const { line, column } = group.index.position(main.span.start);
      out.push(`${pad}┌─ ${shown(group.file)}:${line}:${column}`);
    } else {
      out.push(`${pad}┌─ ${shown(group.file)}`);
    }
    for (const [line, labels] of byLine(group.labels)) {
      for (const win of windowsFor(group.index, line, labels)) {
        const seg = drawSegment(group.index.text, win.from, win.to);
        const prefix = win.from > group.index.lineStart(line) ? "…" : "";
        const suffix = win.to < group.index.lineEnd(line) ? "…" : "";
        out.push(`${String(line).padStart(width)} │ ${prefix}${seg.text}${suffix}`);
        for (const l of win.labels) {
          const start = Math.min(Math.max(l.start, win.from), win.to);
          const end = Math.min(Math.max(l.end, start), win.to);
          const col = seg.columnAt(start);
          const marks = (l.primary ? "^" : "-").repeat(Math.max(1, seg.columnAt(end) - col));
          const text = l.message ? `${marks} ${oneLine(l.message)}` : marks;
          out.push(`${bar} ${" ".repeat(prefix.length + col)}${paint(l.primary ? severityColor : BLUE, text)}`);
        }
      }
    }
  }
  for (const note of d.notes) out.push(...noteLines(pad, "note", note));
  for (const help of d.helps) out.push(...noteLines(pad, "help", help));
  return out.map((s) => s.trimEnd()).join("\n") + "\n";
}

/** `= note: text`, with later lines of a multi-line note aligned under the text. */
function noteLines(pad: string, kind: string, text: string): string[] {
  const head = `${pad}= ${kind}: `;
  return text.split(/\r\n|\r|\n/).map((line, i) => (i === 0 ? head : " ".repeat(head.length)) + line);
}

/** A label resolved against its file: the line it starts on and its extent within that line. */
interface PlacedLabel {
  readonly line: number;
  /** Offsets into the file text, both within the label's first line. */
  readonly start: number;
  readonly end: number;
  readonly primary: boolean;
  readonly message: string;
  /** Position in the diagnostic's label list: the last tie-breaker, for determinism. */
  readonly order: number;
}

interface FileGroup {
  readonly file: string;
  readonly index: LineIndex | undefined;
  readonly labels: PlacedLabel[];
  /** Labels of a file whose source is unknown, in their original order. */
  readonly unresolved: Label[];
}

/** The label the location line names: the first primary label, else the first label. */
function mainLabel(labels: readonly Label[]): Label | undefined {
  return labels.find((l) => l.primary) ?? labels[0];
}

/** Groups labels by file: the main label's file first, then others in order of first mention. */
function groupByFile(labels: readonly Label[], cache: SourceCache): FileGroup[] {
  const main = mainLabel(labels);
  const files: string[] = [];
  if (main !== undefined) files.push(main.span.file);
  for (const l of labels) if (!files.includes(l.span.file)) files.push(l.span.file);
  return files.map((file) => {
    const index = cache.get(file);
    const own = labels.map((l, order) => ({ l, order })).filter(({ l }) => l.span.file === file);
    const placed = index === undefined ? [] : own.map(({ l, order }) => placeLabel(l, order, index));
    placed.sort(
      (a, b) =>
        a.line - b.line ||
        a.start - b.start ||
        a.end - b.end ||
        Number(b.primary) - Number(a.primary) ||
        a.order - b.order,
    );
    return { file, index, labels: placed, unresolved: index === undefined ? own.map(({ l }) => l) : [] };
  });
}

/** Clamps a label into its file and cuts a multi-line span at the end of its first line. */
function placeLabel(label: Label, order: number, index: LineIndex): PlacedLabel {
  const start = index.clampOffset(label.span.start);
  const end = index.clampOffset(Math.max(label.span.start, label.span.end));
  const line = index.position(start).line;
  const lineEnd = index.lineEnd(line);
  // An offset inside a `\r\n` terminator lies past the line's text: pull it back to the text's end.
  const startOnLine = Math.min(start, lineEnd);
  return { line, start: startOnLine, end: Math.max(startOnLine, Math.min(end, lineEnd)), primary: label.primary, message: label.message, order };
}

/** Labels of one file, bunched by line, lines ascending (labels are already sorted). */
function byLine(labels: readonly PlacedLabel[]): Array<[number, PlacedLabel[]]> {
  const lines: Array<[number, PlacedLabel[]]> = [];
  for (const l of labels) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last[0] === l.line) last[1].push(l);
    else lines.push([l.line, [l]]);
  }
  return lines;
}

/** A stretch `[from, to)` of one line to draw, with the labels that start inside it. */
interface Window {
  readonly from: number;
  readonly to: number;
  readonly labels: PlacedLabel[];
}

/**
 * A short line is one window. A long line (a minified or generated file, a 1 MB single line) is
 * cut into windows around the labels, so the terminal gets a few hundred characters, not a
 * megabyte; labels far apart on the same line get a window each.
 */
function windowsFor(index: LineIndex, line: number, labels: PlacedLabel[]): Window[] {
  const lineStart = index.lineStart(line);
  const lineEnd = index.lineEnd(line);
  if (lineEnd - lineStart <= LONG_LINE) return [{ from: lineStart, to: lineEnd, labels }];
  const windows: Window[] = [];
  for (const l of labels) {
    const last = windows[windows.length - 1];
    if (last !== undefined && l.start >= last.from && (l.start < last.to || (l.start === lineEnd && last.to === lineEnd))) {
      last.labels.push(l);
      continue;
    }
    let from = Math.max(lineStart, l.start - WINDOW_BEFORE);
    let to = Math.min(lineEnd, from + WINDOW_LENGTH);
    // Never cut a surrogate pair in half: that would draw a lone surrogate.
    if (from > lineStart && isLowSurrogate(index.text.charCodeAt(from))) from--;
    if (to < lineEnd && isLowSurrogate(index.text.charCodeAt(to))) to++;
    windows.push({ from, to, labels: [l] });
  }
  return windows;
}

/** The drawn form of `text[from, to)`, and the display column of each offset in `[from, to]`. */
interface Segment {
  readonly text: string;
  columnAt(offset: number): number;
}

/**
 * Draws a stretch of a source line for the terminal: a tab becomes four spaces, wide characters
 * (CJK, emoji) take two columns, combining marks none, and control characters or lone
 * surrogates become `�`, so a stray escape byte in the user's file cannot repaint their terminal.
 */
function drawSegment(text: string, from: number, to: number): Segment {
  const columns = new Array<number>(to - from + 1);
  let drawn = "";
  let col = 0;
  for (let i = from; i < to; i++) {
    columns[i - from] = col;
    const c = text.charCodeAt(i);
    if (c === 9) {
      drawn += " ".repeat(TAB_WIDTH);
      col += TAB_WIDTH;
    } else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      drawn += "\uFFFD";
      col += 1;
    } else if (isHighSurrogate(c) && i + 1 < to && isLowSurrogate(text.charCodeAt(i + 1))) {
      drawn += text.slice(i, i + 2);
      columns[i + 1 - from] = col;
      col += displayWidth(text.codePointAt(i)!);
      i++;
    } else if (isHighSurrogate(c) || isLowSurrogate(c)) {
      drawn += "\uFFFD";
      col += 1;
    } else {
      drawn += text[i];
      col += displayWidth(c);
    }
  }
  columns[to - from] = col;
  return { text: drawn, columnAt: (offset) => columns[Math.min(Math.max(offset, from), to) - from]! };
}

/**
 * Terminal columns a code point takes: 2 for East Asian wide characters and emoji, 0 for
 * combining marks, else 1. A small table of the common ranges (after Unicode's
 * EastAsianWidth.txt), enough to keep underlines under comments written in CJK or with emoji.
 */
function displayWidth(cp: number): number {
  if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Messages are one line by contract; a stray line break would break the layout, so fold it. */
function oneLine(s: string): string {
  return shown(s.replace(/\r\n|\r|\n/g, " "));
}

/**
 * Text drawn on one line of the report — a file name, a message quoting one — with every other
 * control character (C0, DEL, C1) shown as `\uXXXX`: a file named with an escape sequence must
 * neither repaint the terminal nor pass for a different name.
 */
function shown(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// ---- colour -----------------------------------------------------------------------------------

const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";
const RED = "\x1b[31m";
const YELLOW = "\x1b[33m";
const BLUE = "\x1b[34m";

function painter(color: boolean): (style: string, text: string) => string {
  return color ? (style, text) => (text === "" ? "" : `${style}${text}${RESET}`) : (_style, text) => text;
}
