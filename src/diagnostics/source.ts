/**
 * A line index over one source text: turns UTF-16 offsets (what spans hold) into 1-based
 * line and column numbers and gives back the text of a line.
 *
 * Conventions, chosen so every stage and every tool agrees:
 * - A line ends at `\n`, at `\r\n` (one terminator, not two) or at a lone `\r`. The terminator
 *   belongs to the line it ends but is not part of its text.
 * - A column is the number of UTF-16 code units from the start of the line, plus one. A tab is
 *   one column; a character outside the Basic Multilingual Plane (two code units) is two.
 *   This is what the LSP protocol and most editors' "character offset" mean, so `file:line:col`
 *   output can be fed straight back into them.
 * - Offsets are clamped to `[0, text.length]`, so a span past the end (e.g. an "unexpected end of
 *   file" span) resolves to the last line instead of reading out of bounds. Non-integers are floored.
 * - An empty text has exactly one (empty) line; a text ending in a terminator has a last empty line.
 *
 * Construction is one linear scan; lookups are a binary search over line starts, so a 1 MB file
 * (or a 1 MB single line) costs nothing special.
 */
export class LineIndex {
  /** Offset of the first code unit of each line; `lineStarts[0]` is always 0. */
  private readonly lineStarts: number[];
  /** Offset one past the last code unit of each line's text (i.e. where its terminator starts). */
  private readonly lineEnds: number[];

  constructor(readonly text: string) {
    const starts = [0];
    const ends: number[] = [];
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) {
        ends.push(i);
        starts.push(i + 1);
      } else if (c === 13 /* \r */) {
        ends.push(i);
        if (i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    ends.push(n);
    this.lineStarts = starts;
    this.lineEnds = ends;
  }

  /** Number of lines (at least 1). */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Clamps any number to a valid offset in `[0, text.length]`. */
  clampOffset(offset: number): number {
    if (!Number.isFinite(offset)) return offset > 0 ? this.text.length : 0;
    return Math.min(Math.max(Math.floor(offset), 0), this.text.length);
  }

  /** The 0-based index of the line containing `offset` (after clamping). */
  lineIndexOf(offset: number): number {
    const o = this.clampOffset(offset);
    // Largest i with lineStarts[i] <= o.
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 1-based line and column of `offset` (see the class comment for what a column is). */
  position(offset: number): { line: number; column: number } {
    const o = this.clampOffset(offset);
    const i = this.lineIndexOf(o);
    return { line: i + 1, column: o - this.lineStarts[i]! + 1 };
  }

  /** Offset where 1-based line `line` starts; lines outside the file are clamped. */
  lineStart(line: number): number {
    return this.lineStarts[this.clampLine(line) - 1]!;
  }

  /** Offset where the text of 1-based line `line` ends (its terminator, or the end of file). */
  lineEnd(line: number): number {
    return this.lineEnds[this.clampLine(line) - 1]!;
  }

  /** The text of 1-based line `line`, without its terminator; lines outside the file are clamped. */
  lineText(line: number): string {
    const l = this.clampLine(line);
    return this.text.slice(this.lineStarts[l - 1]!, this.lineEnds[l - 1]!);
  }

  private clampLine(line: number): number {
    if (!Number.isFinite(line)) return line > 0 ? this.lineStarts.length : 1;
    return Math.min(Math.max(Math.floor(line), 1), this.lineStarts.length);
  }
}
