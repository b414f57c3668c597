import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
import { readTextFile as readTextFileFromDisk, type ReadText } from "../../src/imports/resolve.js";
import { CODES } from "../../src/diagnostics/codes.js";
import { rnnLexer } from "../../src/syntax/tokens.js";
import { mutate, mutation, nearlyWellFormed, tokenSoup, TOKEN_IMAGES } from "./generators.js";

/**
 * No input makes the compiler throw. Every generated text goes through `checkSource`, which
 * must return diagnostics (possibly none) — each with a code from the table and spans inside
 * the text — and never raise. Seeds are fixed, so a failure reproduces; fast-check prints the
 * seed and the shrunk counterexample.
 */

const SEED = 20_261_122;
let inputs = 0;

/**
 * The files generated programs may import (PATHS in generators.ts), served from memory so a run
 * never depends on the disk: a library, a file with a model, one that imports the fuzzed file
 * back (a cycle), one with syntax and shape errors, and a directory. Anything else is missing.
 */
const FILES: Record<string, string> = {
  "lib.rnn": "fn helper(v: [N]) -> [N] {\n  return tanh(v)\n}\ncell Mine(I, H) {\n  input x: [I]\n  state h: [H]\n  param W: [H, I]\n  h' = helper(W @ x + h)\n  output h'\n}\n",
  "model.rnn": "import LSTM from std\ncell C(I) {\n  input x: [I]\n  output y = x\n}\nmodel Tagger(I, H) {\n  input x: [I]\n  layer l1 = LSTM(I, H)\n  output h = l1(x)\n}\n",
  "cycle.rnn": 'import "fuzz.rnn"\nimport Mine from "lib.rnn"\n',
  "broken.rnn": "cell Mine(I, H) {\n  input x: [I]\n  state h: [H\n  h' = x\n}\ncell D(I) { input x: [I] output y = x @ x }\n",
};
const readFromMemory: ReadText = (path) => (path in FILES ? { text: FILES[path]! } : path.endsWith("/") ? { error: "it is a directory" } : { error: "no such file" });

function mustNotThrow(text: string, read: ReadText = readFromMemory): void {
  inputs++;
  const r = checkSource("fuzz.rnn", text, { read });
  for (const d of r.diagnostics) {
    if (!(d.code in CODES)) throw new Error(`unknown diagnostic code ${d.code}`);
    for (const l of d.labels) {
      // A label may be in an imported file: its span is inside that file's text.
      const source = l.span.file === "fuzz.rnn" ? text : r.sources.get(l.span.file);
      if (source === undefined) throw new Error(`${d.code} has a label in ${l.span.file}, a file that was not read`);
      if (!(l.span.start >= 0 && l.span.start <= l.span.end && l.span.end <= source.length)) {
        throw new Error(`${d.code} has a label span ${l.span.start}..${l.span.end} outside ${l.span.file} (length ${source.length})`);
      }
    }
  }
}

const EXAMPLES = join(import.meta.dirname, "../../examples");
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".rnn"))
  .sort()
  .map((f) => readFileSync(join(EXAMPLES, f), "utf8"));
const exampleRanges = examples.map((t) => rnnLexer.tokenize(t).tokens.map((tok) => [tok.startOffset, tok.endOffset! + 1] as [number, number]));
const lossy = new TextDecoder("utf-8", { fatal: false });

describe("no input makes the compiler throw", () => {
  it("random token sequences (3,000)", () => {
    fc.assert(fc.property(tokenSoup, (t) => mustNotThrow(t)), { seed: SEED, numRuns: 3000 });
  });

  it("nearly well-formed programs (3,000)", () => {
    fc.assert(fc.property(nearlyWellFormed, (t) => mustNotThrow(t)), { seed: SEED + 1, numRuns: 3000 });
  });

  it("examples with tokens deleted, duplicated, swapped, inserted, or the file truncated (3,000)", () => {
    const arb = fc.tuple(fc.nat({ max: examples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }));
    fc.assert(
      fc.property(arb, ([i, ms]) => mustNotThrow(mutate(examples[i]!, exampleRanges[i]!, ms))),
      { seed: SEED + 2, numRuns: 3000 },
    );
  });

  it("model files importing from disk: a missing file, a directory, the file itself, std names that do not exist", () => {
    const texts = [
      'import Peephole from "no/such/dir/peephole.rnn"\nmodel M(I, H) {\n  input x: [I]\n  layer l1 = Peephole(I, H)\n  output h = l1(x)\n}\n',
      'import "no-such-file.rnn"\nimport ".."\nimport "."\nimport Lstm, Nope from std\nmodel M(I) {\n  input x: [I]\n  layer l1 = Lstm(I, I)\n  output h = l1(x)\n}\n',
      'import "fuzz.rnn"\nimport X from "fuzz.rnn"\nmodel M(I) {\n  input x: [I]\n  layer l = X(I)\n  output y = l(x)\n}\n',
    ];
    // The default reader, relative to the working directory: "fuzz.rnn" does not exist there, but
    // the checker must see the import of the file being checked as a cycle before reading it.
    for (const t of texts) mustNotThrow(t, (path) => (path === "fuzz.rnn" ? { error: "no such file" } : readTextFileFromDisk(path)));
    const self = checkSource("fuzz.rnn", texts[2]!);
    expect(self.diagnostics.map((d) => d.code)).toContain("RNN6006");
  });

  it("random bytes, decoded leniently so invalid UTF-8 becomes U+FFFD (1,000)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => mustNotThrow(lossy.decode(bytes))), { seed: SEED + 3, numRuns: 1000 });
  });

  it("examples with a stretch of their bytes overwritten by random bytes (1,000)", () => {
    const arb = fc.tuple(fc.nat({ max: examples.length - 1 }), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 24 }));
    fc.assert(
      fc.property(arb, ([i, at, noise]) => {
        const bytes = new TextEncoder().encode(examples[i]!);
        const start = at % bytes.length;
        bytes.set(noise.subarray(0, bytes.length - start), start);
        mustNotThrow(lossy.decode(bytes));
      }),
      { seed: SEED + 4, numRuns: 1000 },
    );
  });

  describe("very long lines", () => {
    const MB = 1 << 20;
    const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const inCell = (line: string) => `cell C(I, H) { input x: [I] state h: [H] ${line} }`;
    // A megabyte on one line, of text the lexer skips, rejects, or reads as a few tokens or many.
    const megabyte: [string, string][] = [
      ["a comment", ("# " + fill("x")).slice(0, MB)],
      ["one identifier", fill("h")],
      ["one number", fill("9")],
      ["characters outside the language", fill("$\ufffd")],
      ["random tokens", fill(Array.from({ length: 4096 }, (_, i) => TOKEN_IMAGES[(i * 7919) % TOKEN_IMAGES.length]).join(" ") + " ")],
    ];
    // A quarter megabyte of structures that would recurse once per element, far past every limit.
    const Q = MB / 4;
    const deep: [string, string][] = [
      ["the examples again and again, without newlines", fill(examples.map((t) => t.replace(/#[^\n]*/g, "").replace(/\s+/g, " ")).join(" ") + " ", Q)],
      ["a sum of sixty thousand terms", inCell("h' = h" + fill(" + h", Q))],
      ["a chain of unary minus signs", inCell("h' = " + fill("-", Q) + "h")],
      ["brackets opened and never closed", inCell("h' = " + fill("(", Q))],
      ["twenty-five thousand statements", inCell(fill("let a = h ", Q))],
      ["seven thousand functions calling the next", fill("fn f(v: [N]) -> [N] { return f(v) } ", Q)],
      ["a dimension of sixty thousand terms", inCell("param W: [" + fill("H + ", Q) + "H, I]")],
    ];
    for (const [name, text] of megabyte) {
      it(`a megabyte: ${name}`, () => {
        expect(text.length).toBe(MB);
        expect(text).not.toMatch(/[\n\r]/);
        mustNotThrow(text);
      });
    }
    for (const [name, text] of deep) {
      it(name, () => mustNotThrow(text));
    }
  });

  afterAll(() => {
    // 11,000 generated inputs and the megabyte lines.
    expect(inputs).toBeGreaterThanOrEqual(11_000);
  });
});
