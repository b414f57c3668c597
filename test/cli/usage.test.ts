import { describe, expect, it } from "vitest";
import { FIXTURES, runCli } from "./run-cli.js";

describe("rnnc usage errors exit with 2 and a message, never a stack", () => {
  it.each([
    [["check"], "error: missing required argument 'files'\n(run with --help for usage)\n"],
    [["check", "--frmat", "short", "x.rnn"], "error: unknown option '--frmat'\n(Did you mean --format?)\n(run with --help for usage)\n"],
    [["chek", "x.rnn"], "error: unknown command 'chek'\n(Did you mean check?)\n(run with --help for usage)\n"],
    [
      ["check", "--format", "xml", "x.rnn"],
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are rich, short, json.\n(run with --help for usage)\n",
    ],
    [["check", "--format", "short", "--json", "x.rnn"], "error: option '--json' cannot be used with option '--format <format>'\n(run with --help for usage)\n"],
  ])("rnnc %j", (args, stderr) => {
    const run = runCli(args);
    expect(run).toEqual({ status: 2, stdout: "", stderr });
  });

  it("prints help on stderr and exits 2 when no command is given", () => {
    const run = runCli([]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^Usage: rnnc \[options\] \[command\]\n/);
  });

  it("prints help on stdout and exits 0 when asked, documenting the exit codes", () => {
    const run = runCli(["check", "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: rnnc check \[options\] <files\.\.\.>\n/);
    expect(run.stdout).toContain("A file that cannot be read is reported as error RNN6001");
    expect(run.stdout).toContain("  2   usage error: the command line does not parse (unknown command or option, a missing or\n      extra argument, a malformed option value such as --dims I=-1)\n");
  });
});

describe("rnnc check on files it cannot compile", () => {
  it("reports invalid UTF-8 as RNN1004 with the byte offset, pointing at the line", () => {
    const file = `${FIXTURES}/invalid-utf8.rnn`;
    const run = runCli(["check", file]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      [
        "error[RNN1004]: the file is not valid UTF-8 (invalid byte at offset 39)",
        `  ┌─ ${file}:3:8`,
        "3 │   # caf\uFFFD (Latin-1, not UTF-8)",
        "  │        ^ not UTF-8",
        "  = note: byte 0xE9 starts a 3-byte character, but byte 0x20 at offset 40 does not continue it",
        "  = help: rnnc reads source files as UTF-8; re-save the file in that encoding",
        "",
        "error: 1 error emitted",
        "",
      ].join("\n"),
    );
  });

  it("reports unreadable files as RNN6001, exit 1, and still checks the rest", () => {
    const run = runCli(["check", "--format", "short", "no/such/file.rnn", FIXTURES, `${FIXTURES}/invalid-utf8.rnn`]);
    expect(run).toEqual({
      status: 1,
      stderr: "",
      stdout: [
        "error RNN6001: cannot read `no/such/file.rnn`: no such file or directory",
        `error RNN6001: cannot read \`${FIXTURES}\`: it is a directory`,
        `${FIXTURES}/invalid-utf8.rnn:3:8: error RNN1004: the file is not valid UTF-8 (invalid byte at offset 39)`,
        "",
      ].join("\n"),
    });
  });

  it("prints --json output that parses, with the label's line and column", () => {
    const run = runCli(["check", "--json", `${FIXTURES}/invalid-utf8.rnn`]);
    expect(run.status).toBe(1);
    const parsed = JSON.parse(run.stdout) as Array<{ code: string; labels: Array<{ line: number; column: number; startOffset: number }> }>;
    expect(parsed.map((d) => d.code)).toEqual(["RNN1004"]);
    expect(parsed[0]!.labels[0]).toMatchObject({ line: 3, column: 8, startOffset: 39 });
  });
});
