import { describe, expect, it } from "vitest";
import type { RegisterCommand } from "../../src/cli/context.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { FIXTURES, ROOT } from "./run-cli.js";

/** A fake terminal: captures both streams. */
function fakeIO(stdoutIsTTY: boolean, env: Record<string, string> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY, env, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

const argv = (...args: string[]) => ["node", "rnnc", ...args];
const ESC = "\x1b[";

describe("colour", () => {
  const file = `${ROOT}/${FIXTURES}/shape-error.rnn`;

  it("is used when stdout is a terminal", async () => {
    const io = fakeIO(true);
    expect(await main(argv("check", file), io)).toBe(1);
    const text = io.out.join("");
    expect(text).toContain(`${ESC}1m${ESC}31merror[RNN3004]${ESC}0m`);
    expect(text).toContain(`${ESC}34m--- \`x\` has shape [E], declared here${ESC}0m`);
  });

  it.each([
    ["stdout is not a terminal", false, {}, []],
    ["NO_COLOR is set", true, { NO_COLOR: "1" }, []],
    ["--no-color is given", true, {}, ["--no-color"]],
    ["the format is short", true, {}, ["--format", "short"]],
  ])("is not used when %s", async (_why, tty, env, extra) => {
    const io = fakeIO(tty, env);
    expect(await main(argv("check", ...extra, file), io)).toBe(1);
    expect(io.out.join("")).not.toContain("\x1b");
    expect(io.out.join("")).toContain("RNN3004");
  });
});

describe("internal errors", () => {
  const boom: RegisterCommand = (program) => {
    program.command("boom").action(() => {
      throw new TypeError("cannot read properties of undefined (reading 'shape')");
    });
  };

  it("are caught at the top: exit 70, a request to report, no stack by default", async () => {
    const io = fakeIO(false);
    expect(await main(argv("boom"), io, [boom])).toBe(70);
    expect(io.out).toEqual([]);
    expect(io.err.join("")).toBe(
      "internal compiler error: cannot read properties of undefined (reading 'shape')\n" +
        "note: this is a bug in rnnc, not in your program; please report it with the command line and the input files\n" +
        "note: run with RNNC_BACKTRACE=1 to include the stack trace in the report\n",
    );
  });

  it("include the stack trace when RNNC_BACKTRACE=1", async () => {
    const io = fakeIO(false, { RNNC_BACKTRACE: "1" });
    expect(await main(argv("boom"), io, [boom])).toBe(70);
    expect(io.err.join("")).toMatch(/^internal compiler error: .*\n.*\nTypeError: cannot read properties of undefined \(reading 'shape'\)\n +at /);
  });
});
