import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diag } from "../../src/diagnostics/codes.js";
import { primary, secondary, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { Span } from "../../src/diagnostics/span.js";
import { diagnosticsToJson, renderDiagnostics, renderSummary, type SourceLookup } from "../../src/diagnostics/render.js";
import { expectGolden } from "./golden-file.js";

const goldenPath = (name: string) => fileURLToPath(new URL(`./golden/${name}.txt`, import.meta.url));

/** The span of the `occurrence`-th (1-based) `needle` in `text`; fails loudly if it is missing. */
function spanOf(file: string, text: string, needle: string, occurrence = 1): Span {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`test setup: ${JSON.stringify(needle)} #${occurrence} not in ${file}`);
  }
  return { file, start: at, end: at + needle.length };
}

function sourcesOf(files: Record<string, string>): SourceLookup {
  return (file) => (Object.hasOwn(files, file) ? files[file] : undefined);
}

/** All three forms in one golden file, so a review sees rich, short and JSON side by side. */
function allForms(diagnostics: Diagnostic[], sources: SourceLookup): string {
  return [
    renderDiagnostics(diagnostics, sources),
    "---- short ----\n",
    renderDiagnostics(diagnostics, sources, { format: "short" }),
    "---- json ----\n",
    renderDiagnostics(diagnostics, sources, { format: "json" }),
  ].join("");
}

// The cell behind the example in STYLE.md: line 3 declares W, line 4 x, line 12 uses W @ x.
const CELL = "examples/cell.rnn";
const cellText = [
  "# A cell whose W does not fit x.",
  "cell Broken(I, H, E) {",
  "param W: [H, I]",
  "input x: [E]",
  "state h: [H]",
  "param b: [H]",
  "",
  "let i = sigmoid(b)",
  "let f = sigmoid(b)",
  "let o = sigmoid(b)",
  "# the next line is wrong",
  "h' = o * tanh(W @ x)",
  "}",
  "",
].join("\n");

function styleExample(): Diagnostic {
  return diag(
    "RNN3004",
    { expr: "W @ x", left: "I", right: "E" },
    {
      labels: [
        primary(spanOf(CELL, cellText, "W @ x"), "`@` contracts the last dimension of `W` (I) with `x` (E)"),
        secondary(spanOf(CELL, cellText, "[H, I]"), "`W` has shape [H, I], declared here"),
        secondary(spanOf(CELL, cellText, "[E]"), "`x` has shape [E], declared here"),
      ],
      notes: ["I and E are different dimensions; nothing in this cell says they are equal"],
      helps: ["declare `W: [H, E]` if x feeds W directly"],
    },
  );
}

describe("rich rendering", () => {
  it("reproduces the example of STYLE.md character for character", () => {
    const expected = [
      "error[RNN3004]: matrix product `W @ x` has mismatched inner dimensions: I vs E",
      "   ┌─ examples/cell.rnn:12:15",
      " 3 │ param W: [H, I]",
      "   │          ------ `W` has shape [H, I], declared here",
      " 4 │ input x: [E]",
      "   │          --- `x` has shape [E], declared here",
      "12 │ h' = o * tanh(W @ x)",
      "   │               ^^^^^ `@` contracts the last dimension of `W` (I) with `x` (E)",
      "   = note: I and E are different dimensions; nothing in this cell says they are equal",
      "   = help: declare `W: [H, E]` if x feeds W directly",
      "",
    ].join("\n");
    const out = renderDiagnostics([styleExample()], sourcesOf({ [CELL]: cellText }), { summary: false });
    expect(out).toBe(expected);
    expectGolden(goldenPath("style-example"), allForms([styleExample()], sourcesOf({ [CELL]: cellText })));
  });

  it("colours only when asked: red error, blue secondary labels, bold message", () => {
    const sources = sourcesOf({ [CELL]: cellText });
    const plain = renderDiagnostics([styleExample()], sources);
    const coloured = renderDiagnostics([styleExample()], sources, { color: true });
    expect(plain).not.toContain("\x1b");
    // Stripping the escapes gives back the plain text exactly.
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, "")).toBe(plain);
    expectGolden(goldenPath("style-example-color"), coloured.replace(/\x1b/g, "␛"));
  });

  it("underlines a multi-line span on its first line only, to the end of that line", () => {
    const file = "multi.rnn";
    const text = "cell C(I, H) {\n  input x: [I]\n  state h: [H]\n  h' = tanh(\n    x\n  )\n}\n";
    const start = text.indexOf("tanh(");
    const end = text.indexOf(")\n}") + 1;
    const d = diag(
      "RNN3006",
      { name: "h", found: "[I]", expected: "[H]" },
      {
        labels: [
          primary({ file, start, end }, "this value has shape [I]"),
          secondary(spanOf(file, text, "[H]"), "`h` is declared [H] here"),
        ],
      },
    );
    const out = renderDiagnostics([d], sourcesOf({ [file]: text }));
    expect(out).toContain("\n4 │   h' = tanh(\n  │        ^^^^^ this value has shape [I]\n\n");
    expectGolden(goldenPath("multi-line-span"), allForms([d], sourcesOf({ [file]: text })));
  });

  it("gives each label on one line its own underline row, in column order", () => {
    const file = "same-line.rnn";
    const text = "cell C(I, H) {\n  output y = a + b * c\n}\n";
    const d = diag(
      "RNN3001",
      { op: "+", left: "[H]", right: "[I]" },
      {
        labels: [
          secondary(spanOf(file, text, "b * c"), "this has shape [I]"),
          primary(spanOf(file, text, "+"), ""),
          secondary(spanOf(file, text, "a"), "this has shape [H]"),
        ],
      },
    );
    const out = renderDiagnostics([d], sourcesOf({ [file]: text }), { summary: false });
    expect(out).toBe(
      [
        "error[RNN3001]: operator `+` needs operands of equal shape (or a scalar), found [H] and [I]",
        "  ┌─ same-line.rnn:2:16",
        "2 │   output y = a + b * c",
        "  │              - this has shape [H]",
        "  │                ^",
        "  │                  ----- this has shape [I]",
        "",
      ].join("\n"),
    );
  });

  it("gives labels in another file their own header", () => {
    const lib = "std/layernorm.rnn";
    const libText = "fn layernorm(v: [N], g: [N], b: [N]) -> [N] {\n  (v - mean(v)) * g + b\n}\n";
    const main = "model.rnn";
    const mainText = "cell C(I, H) {\n  input x: [I]\n  state h: [H]\n  param g: [H]\n  param b: [H]\n  h' = layernorm(x, g, b)\n}\n";
    const d = diag(
      "RNN5003",
      { dim: "N", fn: "layernorm", first: "I", second: "H" },
      {
        labels: [
          primary(spanOf(main, mainText, "layernorm(x, g, b)"), "`N` cannot be both I and H"),
          secondary(spanOf(main, mainText, "x", 2), "`v` gets `x`: [I], so N = I"),
          secondary(spanOf(main, mainText, "g", 2), "`g` gets [H], so N = H"),
          secondary(spanOf(lib, libText, "v: [N], g: [N]"), "both parameters use `N`"),
        ],
        notes: ["a dimension parameter takes one value per call"],
      },
    );
    const sources = sourcesOf({ [main]: mainText, [lib]: libText });
    const out = renderDiagnostics([d], sources);
    expect(out).toContain("  ┌─ model.rnn:6:8\n");
    expect(out).toContain("  ┌─ std/layernorm.rnn\n1 │ fn layernorm(");
    expectGolden(goldenPath("two-files"), allForms([d], sources));
  });

  it("reads CRLF and lone-CR sources with the same lines and columns as LF ones", () => {
    const file = "crlf.rnn";
    const lf = "cell C(I) {\n  input x: [I]\n  param w: [I]\n  output y = x @ w @ q\n}\n";
    const crlf = lf.replace(/\n/g, "\r\n");
    const cr = lf.replace(/\n/g, "\r");
    const make = (text: string) =>
      diag("RNN2001", { name: "q" }, {
        labels: [primary(spanOf(file, text, "q"), "not found in this cell"), secondary(spanOf(file, text, "[I]", 2), "")],
      });
    const fromLf = renderDiagnostics([make(lf)], sourcesOf({ [file]: lf }));
    const fromCrlf = renderDiagnostics([make(crlf)], sourcesOf({ [file]: crlf }));
    const fromCr = renderDiagnostics([make(cr)], sourcesOf({ [file]: cr }));
    expect(fromCrlf).toBe(fromLf);
    expect(fromCr).toBe(fromLf);
    expect(fromCrlf).not.toContain("\r");
    const jsonCrlf = diagnosticsToJson([make(crlf)], sourcesOf({ [file]: crlf }));
    expect(jsonCrlf[0]!.labels[0]).toMatchObject({ line: 4, column: 22, endLine: 4, endColumn: 23 });
    expectGolden(goldenPath("crlf"), allForms([make(crlf)], sourcesOf({ [file]: crlf })));
  });

  it("draws a zero-width span at the end of the file as one caret", () => {
    const file = "eof.rnn";
    const text = "cell C(I) {\n  input x: [I]";
    const d = diag("RNN1002", { expected: "`}`", found: "end of file" }, {
      labels: [primary({ file, start: text.length, end: text.length }, "the cell ends here"), secondary(spanOf(file, text, "{"), "unclosed `{`")],
    });
    const out = renderDiagnostics([d], sourcesOf({ [file]: text }), { summary: false });
    expect(out).toBe(
      [
        "error[RNN1002]: expected `}`, found end of file",
        "  ┌─ eof.rnn:2:15",
        "1 │ cell C(I) {",
        "  │           - unclosed `{`",
        "2 │   input x: [I]",
        "  │               ^ the cell ends here",
        "",
      ].join("\n"),
    );
    expectGolden(goldenPath("zero-width-eof"), allForms([d], sourcesOf({ [file]: text })));
  });

  it("shows a 1 MB single line as windows around its labels", () => {
    const file = "minified.rnn";
    const terms = "a + ".repeat(262_144); // 1 MiB of code units on one line
    const text = `cell C(H) { param a: [H] output y = ${terms}zz + a + q }\n`;
    expect(text.length).toBeGreaterThan(1_000_000);
    const d = diag("RNN2001", { name: "zz" }, {
      labels: [
        primary(spanOf(file, text, "zz"), "not found"),
        secondary(spanOf(file, text, "q"), "not found either"),
        secondary({ file, start: 500_000, end: 500_003 }, "a term in the middle"),
        secondary(spanOf(file, text, "a: [H]"), "declared here"),
      ],
    });
    const out = renderDiagnostics([d], sourcesOf({ [file]: text }));
    expect(out.length).toBeLessThan(2_000);
    expect(out).toContain(`  ┌─ minified.rnn:1:${text.indexOf("zz") + 1}\n`);
    expectGolden(goldenPath("long-line"), allForms([d], sourcesOf({ [file]: text })));
  });

  it("names an unknown file without source lines", () => {
    const d = diag("RNN2008", { name: "W_hy" }, {
      labels: [primary({ file: "gone.rnn", start: 120, end: 124 }, "declared here")],
      helps: ["use `W_hy` in an equation or remove it"],
    });
    const out = renderDiagnostics([d], () => undefined);
    expect(out.startsWith("warning[RNN2008]: param `W_hy` is never used\n  ┌─ gone.rnn (source not available)\n")).toBe(true);
    expect(renderDiagnostics([d], () => undefined, { format: "short" })).toBe(
      "gone.rnn: warning RNN2008: param `W_hy` is never used\n",
    );
    expectGolden(goldenPath("unknown-file"), allForms([d], () => undefined));
  });

  it("prints a diagnostic without labels as its header and notes", () => {
    const d = diag("RNN6003", { file: "empty.rnn" }, { notes: ["a file needs at least one `cell`"] });
    expect(renderDiagnostics([d], () => "", { summary: false })).toBe(
      "error[RNN6003]: empty.rnn defines no cell or model\n  = note: a file needs at least one `cell`\n",
    );
    expect(renderDiagnostics([d], () => "", { format: "short" })).toBe("error RNN6003: empty.rnn defines no cell or model\n");
  });

  it("draws tabs as four spaces and keeps underlines under the right characters", () => {
    const file = "tabs.rnn";
    const text = "cell C(I) {\n\tinput x: [I]\n\toutput y = x + zz\n}\n";
    const d = diag("RNN2001", { name: "zz" }, { labels: [primary(spanOf(file, text, "zz"), "")] });
    const out = renderDiagnostics([d], sourcesOf({ [file]: text }), { summary: false });
    // Columns count a tab as one; the drawing expands it.
    expect(out).toBe("error[RNN2001]: `zz` is not defined\n  ┌─ tabs.rnn:3:17\n3 │     output y = x + zz\n  │                    ^^\n");
  });
});

describe("drawing unusual characters", () => {
  it("gives wide characters two cells and shows control characters as U+FFFD", () => {
    const file = "wide.rnn";
    const text = "cell C(I) {\n  output y = zz + 1 # 重み 😀\x1b[2J zz\n}\n";
    const d = diag("RNN2001", { name: "zz" }, {
      labels: [primary(spanOf(file, text, "zz", 2), "after CJK, an emoji and an escape"), secondary(spanOf(file, text, "zz"), "")],
    });
    expect(renderDiagnostics([d], sourcesOf({ [file]: text }), { summary: false })).toBe(
      [
        "error[RNN2001]: `zz` is not defined",
        "  ┌─ wide.rnn:2:33", // 32 code units before `zz`: the emoji counts two, 重 and み one each
        "2 │   output y = zz + 1 # 重み 😀\uFFFD[2J zz",
        "  │              --",
        "  │                                   ^^ after CJK, an emoji and an escape",
        "",
      ].join("\n"),
    );
  });
  it("shows control characters in a file name, and in a message quoting it, as \\uXXXX in every text form", () => {
    const file = "evil\x1b[2J\x07.rnn";
    const text = "cell C(I) {\n  output y = zz\n}\n";
    const d = diag("RNN2001", { name: `zz\x1b` }, { labels: [primary(spanOf(file, text, "zz"), "here")] });
    const rich = renderDiagnostics([d], sourcesOf({ [file]: text }), { summary: false });
    const short = renderDiagnostics([d], sourcesOf({ [file]: text }), { format: "short" });
    const json = JSON.parse(renderDiagnostics([d], sourcesOf({ [file]: text }), { format: "json" }));
    expect(rich.split("\n").slice(0, 2)).toEqual(["error[RNN2001]: `zz\\u001b` is not defined", "  ┌─ evil\\u001b[2J\\u0007.rnn:2:14"]);
    expect(short).toBe("evil\\u001b[2J\\u0007.rnn:2:14: error RNN2001: `zz\\u001b` is not defined\n");
    // JSON is data: it keeps the name itself, escaped by JSON.
    expect(JSON.stringify(json)).toContain(JSON.stringify(file).slice(1, -1));
    for (const out of [rich, short]) expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe("summary line", () => {
  const err = diag("RNN2001", { name: "q" });
  // `name` and `what` both given: the table has used each for this template, and both read the same.
  const warn = diag("RNN2009", { name: "t", what: "`t`" });
  it("counts errors and warnings, or says nothing when clean", () => {
    expect(renderSummary([err, err, err, warn])).toBe("error: 3 errors and 1 warning emitted");
    expect(renderSummary([err])).toBe("error: 1 error emitted");
    expect(renderSummary([warn, warn])).toBe("warning: 2 warnings emitted");
    expect(renderSummary([])).toBe("");
    expect(renderDiagnostics([], () => undefined)).toBe("");
    expect(renderDiagnostics([], () => undefined, { format: "json" })).toBe("[]\n");
  });
  it("separates diagnostics with a blank line and ends with the summary", () => {
    expect(renderDiagnostics([err, warn], () => undefined)).toBe(
      "error[RNN2001]: `q` is not defined\n\nwarning[RNN2009]: `t` is never used\n\nerror: 1 error and 1 warning emitted\n",
    );
  });
});
