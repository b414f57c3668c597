import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler.js";
import { CODES, type Code } from "../../src/diagnostics/codes.js";
import { renderDiagnostics } from "../../src/diagnostics/render.js";

/**
 * Hygiene of the one table of diagnostic codes (src/diagnostics/codes.ts): no code twice, no
 * code that nothing produces, and a documentation page for every code whose example output is
 * exactly what the compiler prints. Refresh the example outputs with
 *   UPDATE_DOCS=1 npx vitest run test/diagnostics/codes.test.ts
 */

const ROOT = join(import.meta.dirname, "../..");
const DOCS = join(ROOT, "docs/diagnostics");
const codes = Object.keys(CODES) as Code[];

/** Codes produced while reading files or by back ends, not by `checkSource`: their pages show CLI sessions. */
const CLI_ONLY = new Set(["RNN1004", "RNN6001", "RNN6002", "RNN6003", "RNN6004"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Source text without comments, so a code mentioned in a comment does not count as used. */
function withoutComments(ts: string): string {
  return ts.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("the diagnostics table", () => {
  it("spells every code RNN and four digits, in the bands of its comment", () => {
    for (const c of codes) expect(c).toMatch(/^RNN[1-6]\d{3}$/);
  });

  it("has no code twice (a JS object silently keeps the last duplicate key, so read the source)", () => {
    const text = readFileSync(join(ROOT, "src/diagnostics/codes.ts"), "utf8");
    const keys = [...text.matchAll(/^\s*(RNN\d{4})\s*:/gm)].map((m) => m[1]!);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(twice).toEqual([]);
    expect(keys.sort()).toEqual([...codes].sort());
  });

  it("has one-line templates that stand on their own (no trailing period, no newline)", () => {
    for (const c of codes) {
      const t = CODES[c].template;
      expect(t, c).not.toMatch(/[\n.]$/);
      expect(t.length, c).toBeGreaterThan(10);
    }
  });

  it("uses every code somewhere in src/ (outside the table and comments)", () => {
    const sources = sourceFiles(join(ROOT, "src"))
      .filter((f) => !f.endsWith(join("diagnostics", "codes.ts")))
      .map((f) => withoutComments(readFileSync(f, "utf8")))
      .join("\n");
    const unused = codes.filter((c) => !sources.includes(`"${c}"`));
    expect(unused).toEqual([]);
  });
});

describe("docs/diagnostics", () => {
  const pages = readdirSync(DOCS).filter((f) => /^RNN\d{4}\.md$/.test(f));

  it("has a page for every code and no page for a code that does not exist", () => {
    expect(pages.map((p) => p.slice(0, 7)).sort()).toEqual([...codes].sort());
  });

  it("lists every page in its index and in the language reference", () => {
    const index = readFileSync(join(DOCS, "README.md"), "utf8");
    const language = readFileSync(join(ROOT, "docs/language.md"), "utf8");
    for (const c of codes) {
      expect(index, c).toContain(`(${c}.md)`);
      expect(language, c).toContain(`(diagnostics/${c}.md)`);
    }
  });

  for (const code of codes) {
    it(`${code}: title, meaning, example with its exact output, fix`, () => {
      const path = join(DOCS, `${code}.md`);
      const page = readFileSync(path, "utf8");
      expect(page.startsWith(`# ${code}: `)).toBe(true);
      expect(page).toContain(`**${CODES[code].severity}**`);
      for (const heading of ["## What it means", "## Example", "## How to fix"]) expect(page, heading).toContain(heading);

      if (CLI_ONLY.has(code)) {
        // A recorded command-line session; it must at least show this code.
        expect(page).toMatch(new RegExp("```console\\n\\$ [^]*?error\\[" + code + "\\][^]*?```"));
        return;
      }
      const m = /```rnn\n([^]*?)```\n([^]*?)```text\n([^]*?)```/.exec(page);
      expect(m, "an ```rnn example followed by a ```text output").not.toBeNull();
      const [whole, program, between, shown] = m!;
      const file = "example.rnn";
      const { diagnostics, sources } = checkSource(file, program!);
      expect(diagnostics.map((d) => d.code)).toContain(code);
      // Labels in imported files (the standard library) show their lines, as `rnnc check` prints them.
      const output = renderDiagnostics(diagnostics, (f) => (f === file ? program : sources.get(f)), { format: "rich", color: false });
      if (process.env.UPDATE_DOCS === "1") {
        // A function replacer: a string one would interpret `$` patterns in the output.
        writeFileSync(path, page.replace(whole, () => "```rnn\n" + program + "```\n" + between + "```text\n" + output + "```"));
        return;
      }
      expect(shown, `${relative(ROOT, path)} is stale; run UPDATE_DOCS=1 npx vitest run test/diagnostics/codes.test.ts`).toBe(output);
    });
  }
});
