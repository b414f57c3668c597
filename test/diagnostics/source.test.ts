import { describe, expect, it } from "vitest";
import { LineIndex } from "../../src/diagnostics/source.js";

describe("LineIndex", () => {
  it("maps offsets to 1-based lines and columns across LF, CRLF and lone CR", () => {
    const index = new LineIndex("ab\ncd\r\nef\rgh");
    expect(index.lineCount).toBe(4);
    expect(index.position(0)).toEqual({ line: 1, column: 1 });
    expect(index.position(2)).toEqual({ line: 1, column: 3 }); // the \n itself
    expect(index.position(3)).toEqual({ line: 2, column: 1 });
    expect(index.position(5)).toEqual({ line: 2, column: 3 }); // the \r of \r\n
    expect(index.position(6)).toEqual({ line: 2, column: 4 }); // the \n of \r\n: same line, not a new one
    expect(index.position(7)).toEqual({ line: 3, column: 1 });
    expect(index.position(10)).toEqual({ line: 4, column: 1 });
    expect(index.position(12)).toEqual({ line: 4, column: 3 }); // end of file
    expect([1, 2, 3, 4].map((l) => index.lineText(l))).toEqual(["ab", "cd", "ef", "gh"]);
    expect([1, 2, 3, 4].map((l) => [index.lineStart(l), index.lineEnd(l)])).toEqual([[0, 2], [3, 5], [7, 9], [10, 12]]);
  });

  it("clamps offsets and lines outside the file instead of reading out of bounds", () => {
    const index = new LineIndex("x\ny\n");
    expect(index.lineCount).toBe(3); // the empty line after the last terminator
    expect(index.position(99)).toEqual({ line: 3, column: 1 });
    expect(index.position(-5)).toEqual({ line: 1, column: 1 });
    expect(index.position(Number.NaN)).toEqual({ line: 1, column: 1 });
    expect(index.position(Number.POSITIVE_INFINITY)).toEqual({ line: 3, column: 1 });
    expect(index.position(1.7)).toEqual({ line: 1, column: 2 });
    expect(index.lineText(0)).toBe("x");
    expect(index.lineText(42)).toBe("");
  });

  it("has one empty line for an empty file", () => {
    const index = new LineIndex("");
    expect(index.lineCount).toBe(1);
    expect(index.position(0)).toEqual({ line: 1, column: 1 });
    expect(index.position(3)).toEqual({ line: 1, column: 1 });
    expect(index.lineText(1)).toBe("");
  });

  it("counts a tab as one column and a non-BMP character as two", () => {
    const index = new LineIndex("\tx = 😀 + y");
    expect(index.position(1)).toEqual({ line: 1, column: 2 });
    expect(index.position("\tx = 😀 + ".length)).toEqual({ line: 1, column: 11 }); // 1+1+1+1+1+2+1+1+1 = 10 units before
  });

  it("indexes a 1 MB single line and many short lines", () => {
    const long = "a".repeat(1 << 20);
    const one = new LineIndex(long);
    expect(one.lineCount).toBe(1);
    expect(one.position(1 << 19)).toEqual({ line: 1, column: (1 << 19) + 1 });
    const many = new LineIndex("z\n".repeat(100_000));
    expect(many.lineCount).toBe(100_001);
    expect(many.position(2 * 54_321 + 1)).toEqual({ line: 54_322, column: 2 });
    expect(many.lineText(77_777)).toBe("z");
  });
});
