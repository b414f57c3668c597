import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
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

function mustNotThrow(text: string): void {
  inputs++;
  const r = checkSource("fuzz.rnn", text);
  for (const d of r.diagnostics) {
    if (!(d.code in CODES)) throw new Error(`unknown diagnostic code ${d.code}`);
    for (const l of d.labels) {
      if (!(l.span.start >= 0 && l.span.start <= l.span.end && l.span.end <= text.length)) {
        throw new Error(`${d.code} has a label span ${l.span.start}..${l.span.end} outside the text (length ${text.length})`);
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
    fc.assert(fc.property(tokenSoup, mustNotThrow), { seed: SEED, numRuns: 3000 });
  });

  it("nearly well-formed programs (3,000)", () => {
    fc.assert(fc.property(nearlyWellFormed, mustNotThrow), { seed: SEED + 1, numRuns: 3000 });
  });

  it("examples with tokens deleted, duplicated, swapped, inserted, or the file truncated (3,000)", () => {
    const arb = fc.tuple(fc.nat({ max: examples.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }));
    fc.assert(
      fc.property(arb, ([i, ms]) => mustNotThrow(mutate(examples[i]!, exampleRanges[i]!, ms))),
      { seed: SEED + 2, numRuns: 3000 },
    );
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
