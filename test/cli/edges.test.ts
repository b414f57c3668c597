/**
 * The edges of every command, each class with its exact message and exit code: file-system errors
 * (exit 1, the path and the reason, never an internal error), atomic writes, extra arguments and
 * malformed --dims (exit 2: the command line does not parse), dims the program cannot take and
 * requests it cannot honour (exit 1), non-finite weights.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileError, writeFileAtomic, type WriteFs } from "../../src/core/files.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { writeWeightsFile } from "../../src/weights/index.js";

function fakeIO(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY: false, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
/** Runs rnnc in-process: its exit code, stdout and stderr. */
async function rnnc(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = fakeIO();
  const status = await main(["node", "rnnc", ...args], io);
  return { status, stdout: io.out.join(""), stderr: io.err.join("") };
}
const dir = mkdtempSync(join(tmpdir(), "rnnc-edges-"));
/** A file, so a path under it cannot be made. */
const ROOT_FILE = join(dir, "a-file");
writeFileSync(ROOT_FILE, "");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("an output that cannot be written: the path and the reason, exit 1", () => {
  const folder = join(dir, "a-folder");
  mkdirSync(folder);

  it.each([
    ["compile -o a folder", ["compile", "examples/lstm.rnn", "-o", folder], `error: cannot write ${folder}: it is a directory\n`],
    ["compile -o under a file", ["compile", "examples/lstm.rnn", "-o", join(ROOT_FILE, "x.ts")], `error: cannot write ${join(ROOT_FILE, "x.ts")}: a part of the path is not a directory\n`],
    ["init -o a folder", ["init", "examples/lstm.rnn", "--dims", "I=2,H=3", "-o", folder], `error: cannot write ${folder}: it is a directory\n`],
    ["onnx -o a folder", ["onnx", "examples/lstm.rnn", "--dims", "I=2,H=3", "--steps", "2", "-o", folder], `error: cannot write ${folder}: it is a directory\n`],
    ["train -o a folder (refused before training)", ["train", "examples/char_lstm.rnn", "--data", "README.md", "--iterations", "1", "-o", folder], `error: cannot write ${folder}: it is a directory\n`],
    ["sample --weights a folder", ["sample", "examples/char_lstm.rnn", "--weights", folder], `error: cannot read ${folder}: it is a directory\n`],
    ["train --resume a missing file", ["train", "examples/char_lstm.rnn", "--data", "README.md", "--resume", join(dir, "none.safetensors"), "-o", join(dir, "t.safetensors")], `error: cannot read ${join(dir, "none.safetensors")}: no such file or directory\n`],
  ])("%s", async (_what, args, stderr) => {
    expect(await rnnc(...args)).toEqual({ status: 1, stdout: "", stderr });
  });

  it("compile --js -o a name that is not a .js file is a usage error (exit 2), and writes nothing", async () => {
    const run = await rnnc("compile", "--js", "examples/lstm.rnn", "-o", folder);
    expect(run.status).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(`error: with --js, -o must name the JavaScript file to write (ending in .js or .mjs; the declarations go beside it), found \`${folder}\``);
    expect(existsSync(`${folder}.js`)).toBe(false);
  });
});

describe("writes are atomic", () => {
  /** The real file system, except that `write` fails with `code` after writing a part. */
  const failingFs = (code: string): WriteFs => {
    const real: WriteFs = fs;
    return {
      ...real,
      statSync: real.statSync,
      openSync: real.openSync,
      fsyncSync: real.fsyncSync,
      closeSync: real.closeSync,
      renameSync: real.renameSync,
      rmSync: real.rmSync,
      writeSync: (fd, data) => {
        real.writeSync(fd, data.subarray(0, 1));
        throw Object.assign(new Error(`${code}: failed, write`), { code });
      },
    };
  };

  it.each([
    ["ENOSPC", "no space left on the device"],
    ["EIO", "an input/output error occurred on the device"],
    ["EROFS", "the file system is read-only"],
    ["EACCES", "permission denied"],
    ["EDQUOT", "the disk quota is exceeded"],
  ])("%s: the old file is untouched, no temporary file is left, and the reason is said", (code, reason) => {
    const folder = join(dir, `atomic-${code}`);
    mkdirSync(folder);
    const target = join(folder, "w.bin");
    writeFileSync(target, "old");
    expect(() => writeFileAtomic(target, "new contents", failingFs(code))).toThrowError(new FileError(target, "write", reason));
    expect(() => writeFileAtomic(target, "new contents", failingFs(code))).toThrowError(`cannot write ${target}: ${reason}`);
    expect(readFileSync(target, "utf8")).toBe("old");
    expect(readdirSync(folder)).toEqual(["w.bin"]);
  });

  it("replaces the file in one step when the write succeeds", () => {
    const target = join(dir, "ok.bin");
    writeFileSync(target, "old");
    writeFileAtomic(target, "new");
    expect(readFileSync(target, "utf8")).toBe("new");
    expect(readdirSync(dir).filter((f) => f.includes("ok.bin"))).toEqual(["ok.bin"]);
  });
});

describe("the command line: exit 2 only when it does not parse", () => {
  it("refuses extra arguments instead of ignoring them", async () => {
    const run = await rnnc("compile", "examples/lstm.rnn", "b.rnn");
    expect([run.status, run.stderr.split("\n")[0]]).toEqual([2, "error: too many arguments for 'compile'. Expected 1 argument but got 2."]);
    const onnx = await rnnc("onnx", "examples/lstm.rnn", "extra", "--dims", "I=2,H=3", "-o", join(dir, "x.onnx"));
    expect([onnx.status, onnx.stderr.split("\n")[0]]).toEqual([2, "error: too many arguments for 'onnx'. Expected 1 argument but got 2."]);
  });

  it.each([
    ["I=-1", "dimension I must be a positive integer, found `-1`."],
    ["I=3.5,H=2", "dimension I must be a positive integer, found `3.5`."],
    ["I=1e3", "dimension I must be a positive integer, found `1e3`."],
    ["I=0", "dimension I must be a positive integer, found `0`."],
    ["I=,H=2", "dimension I must be a positive integer, found `nothing`."],
    ["I=2,,H=2", "entry 2 of `I=2,,H=2` is empty; expected NAME=SIZE pairs separated by commas (like I=32,H=64)."],
    ["I=2,I=3", "dimension I is given twice."],
    ["2I=3", "`2I` in `2I=3` is not a dimension name (a letter or _, then letters, digits or _)."],
  ])("--dims %s", async (dims, reason) => {
    const run = await rnnc("gradcheck", "examples/lstm.rnn", "--dims", dims);
    expect([run.status, run.stderr.split("\n")[0]]).toEqual([2, `error: option '--dims <I=3,H=4>' argument '${dims}' is invalid. ${reason}`]);
  });

  it.each([
    [["gradcheck", "examples/lstm.rnn", "--dims", "i=3,h=4"], "error: --dims: cell LSTM has no dimensions i (did you mean I?), h (did you mean H?) (the dimensions of cell LSTM are I, H)\n"],
    [["init", "examples/lstm.rnn", "--dims", "I=3,H=4,Hidden=4", "-o", join(dir, "w.safetensors")], "error: --dims: cell LSTM has no dimension Hidden (the dimensions of cell LSTM are I, H)\n"],
    [["onnx", "examples/bigru.rnn", "--dims", "I=3,h=4", "--steps", "2", "-o", join(dir, "b.onnx")], "error: --dims: model BiGRU has no dimension h (did you mean H?); no size for dimension H (the dimensions of model BiGRU are I, H)\n"],
    [["gradcheck", "examples/lstm.rnn", "--dims", "I=100000,H=100000"], "error: with I=100000, H=100000, cell LSTM's param W_ih has shape [400000, 100000]: 40000000000 numbers, more than one array can hold (2147483647)\n"],
    [["onnx", "examples/mgu.rnn", "--dims", "I=3,H=4", "--recurrence", "native", "-o", join(dir, "m.onnx")], "error: cell MGU is not recognised as an LSTM or GRU, so it has no native ONNX form: --recurrence native needs the graph of the textbook PyTorch-layout cell (examples/lstm.rnn or examples/gru.rnn, written the same way, names aside); export it with --recurrence unroll or --recurrence scan\n"],
  ])("a valid command line the program cannot honour is exit 1: %j", async (args, stderr) => {
    expect(await rnnc(...args)).toEqual({ status: 1, stdout: "", stderr });
  });
});

describe("non-finite weights", () => {
  it("are refused by onnx --weights unless --allow-non-finite", async () => {
    const weights = join(dir, "nan.safetensors");
    const b = new Float32Array(12);
    b[3] = NaN;
    writeWeightsFile(weights, { W_ih: new Float32Array(24), W_hh: new Float32Array(36), b_ih: b, b_hh: new Float32Array(12) }, { W_ih: [12, 2], W_hh: [12, 3], b_ih: [12], b_hh: [12] });
    const out = join(dir, "nan.onnx");
    const refused = await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=2,H=3", "--steps", "2", "--weights", weights, "--format", "short", "-o", out);
    expect(refused).toEqual({
      status: 1,
      stderr: "",
      stdout: `error RNN6001: cannot read \`${weights}\`: tensor "b_ih" holds NaN at index 3; weights must be finite numbers (--allow-non-finite exports them anyway)\n`,
    });
    expect(existsSync(out)).toBe(false);
    expect((await rnnc("onnx", "examples/lstm.rnn", "--dims", "I=2,H=3", "--steps", "2", "--weights", weights, "--allow-non-finite", "-o", out)).status).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});
