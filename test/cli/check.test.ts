import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FIXTURES, ROOT, runCli } from "./run-cli.js";

const examples = readdirSync(`${ROOT}/examples`)
  .filter((f) => f.endsWith(".rnn"))
  .sort()
  .map((f) => `examples/${f}`);

describe("rnnc check, end to end", () => {
  it("is silent and exits 0 on clean files (every example and a clean fixture)", () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(runCli(["check", ...examples, `${FIXTURES}/clean.rnn`])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(runCli(["check", "--json", ...examples])).toEqual({ status: 0, stdout: "[]\n", stderr: "" });
  });

  it("prints one short line per diagnostic and exits 1 on errors", () => {
    const file = `${FIXTURES}/several-errors.rnn`;
    expect(runCli(["check", "--format", "short", file])).toEqual({
      status: 1,
      stderr: "",
      stdout: [
        `${file}:9:23: error RNN2001: \`q\` is not defined`,
        `${file}:11:14: error RNN3013: matrix product \`h' @ h'\` needs a matrix on at least one side and no scalar, found [H] and [H]`,
        `${file}:7:9: warning RNN2008: param \`v\` is never used`,
        "",
      ].join("\n"),
    });
  });

  it("prints the rich form with declaration labels, then the summary", () => {
    const file = `${FIXTURES}/shape-error.rnn`;
    const run = runCli(["check", file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      [
        "error[RNN3004]: matrix product `W @ x` has mismatched inner dimensions: I vs E",
        `  ┌─ ${file}:8:13`,
        "3 │   input x: [E]",
        "  │            --- `x` has shape [E], declared here",
        "5 │   param W: [H, I]",
        "  │            ------ `W` has shape [H, I], declared here",
        "8 │   h' = tanh(W @ x + U @ h)",
        "  │             ^^^^^ `@` contracts the last dimension of `W` (I) with `x` (E)",
        "  = note: I and E are not equal for every value of the dimensions; nothing in this program says they are equal",
        "",
        "error: 1 error emitted",
        "",
      ].join("\n"),
    );
  });

  it("prints --json that parses, with positions matching the short form", () => {
    const file = `${FIXTURES}/several-errors.rnn`;
    const run = runCli(["check", "--json", file, `${FIXTURES}/clean.rnn`]);
    expect(run.status).toBe(1);
    const parsed = JSON.parse(run.stdout) as Array<{
      severity: string;
      code: string;
      labels: Array<{ file: string; line: number; column: number; primary: boolean }>;
    }>;
    expect(parsed.map((d) => [d.severity, d.code])).toEqual([
      ["error", "RNN2001"],
      ["error", "RNN3013"],
      ["warning", "RNN2008"],
    ]);
    const primaries = parsed.map((d) => d.labels.find((l) => l.primary));
    expect(primaries.map((l) => `${l?.file}:${l?.line}:${l?.column}`)).toEqual([`${file}:9:23`, `${file}:11:14`, `${file}:7:9`]);
  });

  it("does not fail on warnings", () => {
    const file = `${FIXTURES}/unused-param.rnn`;
    expect(runCli(["check", "--format", "short", file])).toEqual({
      status: 0,
      stderr: "",
      stdout: `${file}:6:9: warning RNN2008: param \`b\` is never used\n`,
    });
    const rich = runCli(["check", file]);
    expect(rich.status).toBe(0);
    expect(rich.stdout.endsWith("\nwarning: 1 warning emitted\n")).toBe(true);
  });

  it("keeps command-line order across files and counts everything in one summary", () => {
    const [unused, several, shape] = ["unused-param", "several-errors", "shape-error"].map((f) => `${FIXTURES}/${f}.rnn`);
    const short = runCli(["check", "--format", "short", unused!, several!, shape!]);
    expect(short.status).toBe(1);
    // Locations and codes only: the message texts are checked above and in the checker's tests.
    const located = short.stdout.split("\n").filter(Boolean).map((line) => line.replace(/^(\S+:\d+:\d+: \w+ RNN\d{4}):.*$/, "$1"));
    expect(located).toEqual([
      `${unused}:6:9: warning RNN2008`,
      `${several}:9:23: error RNN2001`,
      `${several}:11:14: error RNN3013`,
      `${several}:7:9: warning RNN2008`,
      `${shape}:8:13: error RNN3004`,
    ]);
    const rich = runCli(["check", unused!, several!, shape!]);
    expect(rich.status).toBe(1);
    expect(rich.stdout.endsWith("\n\nerror: 3 errors and 2 warnings emitted\n")).toBe(true);
  });
});
