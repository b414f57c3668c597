import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagramsHtml } from "../../grammar/diagrams.js";
import { fromGast, parseEbnf, printEbnf, type Ebnf } from "../../grammar/ebnf.js";
import { rnnParser } from "../../src/syntax/parser.js";
import { ALL_TOKENS, Comment, Identifier, KEYWORDS, NumberLit, StringLit, WhiteSpace } from "../../src/syntax/tokens.js";

const GRAMMAR = join(import.meta.dirname, "../../grammar");
const LEXICAL = ["Name", "Number", "Digits", "Digit", "String", "WhiteSpace", "Comment"];

const parser = fromGast(rnnParser.getSerializedGastProductions());
const written = parseEbnf(readFileSync(join(GRAMMAR, "rnn.ebnf"), "utf8"));

function terminals(e: Ebnf): string[] {
  switch (e.k) {
    case "terminal":
      return e.charClass ? [] : [e.text];
    case "rule":
      return [];
    case "seq":
      return e.items.flatMap(terminals);
    case "alt":
      return e.alts.flatMap(terminals);
    default:
      return terminals(e.body);
  }
}

describe("grammar/rnn.ebnf is the parser's grammar", () => {
  it("has exactly the parser's rules, plus the lexical ones", () => {
    expect([...written.keys()].filter((n) => !LEXICAL.includes(n))).toEqual([...parser.keys()]);
    for (const n of LEXICAL) expect(written.has(n), n).toBe(true);
  });

  for (const [name, rule] of parser) {
    it(`rule ${name}`, () => {
      expect(printEbnf(written.get(name)!)).toBe(printEbnf(rule));
    });
  }

  it("uses every fixed token of the lexer, and no other", () => {
    const images = ALL_TOKENS.filter((t) => ![WhiteSpace, Comment, Identifier, NumberLit, StringLit].includes(t)).map((t) =>
      KEYWORDS.includes(t) ? t.name.toLowerCase() : String(t.PATTERN),
    );
    const used = new Set([...parser.keys()].flatMap((n) => terminals(written.get(n)!)));
    expect([...used].sort()).toEqual([...new Set(images)].sort());
  });
});

describe("grammar/diagrams.html", () => {
  it("is what the parser draws today (regenerate with npm run grammar)", () => {
    expect(readFileSync(join(GRAMMAR, "diagrams.html"), "utf8")).toBe(diagramsHtml());
  });
});

describe("grammar/rnn.tmLanguage.json (for editors)", () => {
  const tm = JSON.parse(readFileSync(join(GRAMMAR, "rnn.tmLanguage.json"), "utf8")) as {
    scopeName: string;
    repository: Record<string, { match?: string; patterns?: { match: string }[] }>;
  };
  const words = (re: string) => new Set(re.replace(/\\b/g, " ").match(/[a-z_]+/g) ?? []);

  it("highlights every keyword of the lexer", () => {
    const keywordRegexes = [tm.repository["definition"]!.match!, ...tm.repository["keyword"]!.patterns!.map((p) => p.match)].join(" ");
    for (const k of KEYWORDS) expect(words(keywordRegexes).has(k.name.toLowerCase()), k.name).toBe(true);
  });

  it("lists exactly the built-in functions of the checker", async () => {
    const { BUILTINS } = await import("../../src/check/builtins.js");
    const listed = tm.repository["builtin"]!.match!.match(/\(([a-z_|]+)\)/)![1]!.split("|");
    expect(listed.sort()).toEqual([...BUILTINS.keys()].sort());
  });

  it("lists exactly the model functions, losses and the `index` type of the model checker", async () => {
    const { LOSSES, MODEL_FUNCTIONS } = await import("../../src/check/models.js");
    const { BUILTINS } = await import("../../src/check/builtins.js");
    const listed = tm.repository["model-function"]!.match!.match(/\(([a-z_|]+)\)/)![1]!.split("|");
    // A model function that is also a built-in (`concat`) is highlighted as a built-in.
    const expected = [...MODEL_FUNCTIONS, ...LOSSES, "index"].filter((f) => !BUILTINS.has(f));
    expect(listed.sort()).toEqual(expected.sort());
  });

  it("its number pattern is the lexer's", () => {
    expect(new RegExp(tm.repository["number"]!.match!).source.replace("\\b", "")).toBe(NumberLit.PATTERN instanceof RegExp ? NumberLit.PATTERN.source : "");
  });
});
