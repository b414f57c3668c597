// `rnnc ir` on models with pooling over time, numbers and elementwise built-ins: one line per node,
// a number as `number v` (broadcast everywhere, so no width or timing), a built-in with its numbers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-expr-ir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rnnc ir on a model with expressions", () => {
  it("prints pooling, numbers, unary built-ins with their numbers, and a per-sequence operand broadcast per step", async () => {
    const file = join(dir, "m.rnn");
    writeFileSync(file, "model M(N) {\n  input x: [N]\n  let ctx = mean_over_time(x)\n  output y = clamp(0.5 * x, -1, 1) - ctx\n  output m = max_over_time(-x)\n}\n");
    const out: string[] = [];
    const io: CliIO = { stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void out.push(t) };
    expect(await main(["node", "rnnc", "ir", file], io)).toBe(0);
    expect(out.join("").replaceAll(file, "m.rnn")).toBe(
      [
        "model M(N)  # m.rnn",
        "  %0 = input x : [N] per step  # m.rnn:2",
        "  %1 = mean_over_time(%0) : [N] per sequence  # m.rnn:3",
        "  %2 = number 0.5 : number  # m.rnn:4",
        "  %3 = mul(%2, %0) : [N] per step  # m.rnn:4",
        "  %4 = clamp(%3, lo=-1, hi=1) : [N] per step  # m.rnn:4",
        "  %5 = sub(%4, %1) : [N] per step  # m.rnn:4",
        "  %6 = neg(%0) : [N] per step  # m.rnn:5",
        "  %7 = max_over_time(%6) : [N] per sequence  # m.rnn:5",
        "  output y = %5",
        "  output m = %7",
        "",
      ].join("\n"),
    );
  });
});
