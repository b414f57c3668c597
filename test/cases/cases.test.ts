import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
import { readTextFile } from "../../src/imports/resolve.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";

/**
 * The specification by counter-example: every `NNN-short-name.rnn` here is a small program that
 * is wrong in one way (or, for the syntax cases, in several ways at once), and its
 * `NNN-short-name.baseline.txt` holds the diagnostics the compiler must give, one
 * `file:line:col: severity RNNxxxx: message` line each. A few cases also commit the rich
 * rendering (`NNN-short-name.rendered.txt`). Regenerate with
 *   UPDATE_BASELINES=1 npx vitest run test/cases
 * and read the diff: a baseline is a statement about the language.
 *
 * Only the `.rnn` files directly in this folder are cases. Files that cases import live in
 * imports/; an import path is relative to the importing file, here resolved against this folder,
 * and diagnostics in an imported file are shown with its path (`imports/…`).
 */

const here = dirname(fileURLToPath(import.meta.url));
const cases = readdirSync(here).filter((f) => f.endsWith(".rnn")).sort();
const update = process.env.UPDATE_BASELINES === "1";

/** Cases whose full rendering (source lines, labels, notes, helps) is committed too. */
const RENDERED = [
  "002-missing-closing-paren",
  "005-several-syntax-errors",
  "027-prime-read-before-defined",
  "040-elementwise-shape-mismatch",
  "042-split-not-divisible",
  "043-matmul-inner-mismatch",
  "045-state-update-wrong-shape",
  "082-fn-dimension-bound-inconsistently",
  "089-fn-dimension-not-inferable",
  "100-layer-fed-wrong-width",
  "101-bidirectional-concat-wrong-width",
  "102-ids-of-wrong-vocabulary",
  "104-import-cycle",
  "107-target-per-step-and-per-sequence",
  "140-max-of-different-shapes",
  "142-clamp-bounds-reversed",
  "146-dropout-probability-out-of-range",
  "150-pooling-a-per-sequence-value",
  "153-number-as-layer-argument",
  "155-elementwise-max-of-different-widths",
  "160-layer-given-too-few-arguments",
  "162-argument-of-the-wrong-width",
  "171-model-dropout-of-ids",
  "180-tie-of-different-shapes",
  "181-tie-equal-only-for-some-dims",
  "190-keyword-as-name",
];

function expectFile(path: string, actual: string): void {
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`${path} is missing; run UPDATE_BASELINES=1 npx vitest run test/cases`);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

function run(file: string) {
  const text = readFileSync(join(here, file), "utf8");
  const result = checkSource(file, text, { read: (path) => readTextFile(join(here, path)) });
  return { diagnostics: result.diagnostics, source: (f: string) => result.sources.get(f) };
}

describe("malformed programs and their diagnostics", () => {
  it("has at least 40 cases, numbered uniquely", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const numbers = cases.map((f) => f.slice(0, 3));
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const f of cases) expect(f).toMatch(/^\d{3}-[a-z0-9]+(-[a-z0-9]+)*\.rnn$/);
  });

  for (const file of cases) {
    const name = basename(file, ".rnn");
    it(name, () => {
      const { diagnostics, source } = run(file);
      // Every case is there to show at least one diagnostic.
      expect(diagnostics.length).toBeGreaterThan(0);
      const short = renderDiagnostics(diagnostics, source, { format: "short" });
      expectFile(join(here, `${name}.baseline.txt`), short);
    });
  }

  for (const name of RENDERED) {
    it(`${name} (rendered)`, () => {
      const file = `${name}.rnn`;
      const { diagnostics, source } = run(file);
      const rich = renderDiagnostics(diagnostics, source, { format: "rich", color: false });
      expectFile(join(here, `${name}.rendered.txt`), rich);
    });
  }

  it("has no stale baselines", () => {
    const stems = new Set(cases.map((f) => basename(f, ".rnn")));
    const stale = readdirSync(here)
      .filter((f) => f.endsWith(".baseline.txt") || f.endsWith(".rendered.txt"))
      .filter((f) => !stems.has(f.replace(/\.(baseline|rendered)\.txt$/, "")));
    expect(stale).toEqual([]);
  });
});
