// `rnnc train` and `rnnc sample` end to end: in process for the outputs and errors, and as a real
// process for Ctrl-C.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { readCharModelInfo } from "../../src/train/char-model.js";
import { readSafetensors } from "../../src/weights/index.js";
import { ROOT } from "./helpers.js";

function fakeIO(stdoutIsTTY = false): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdoutIsTTY, env: {}, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

const dir = mkdtempSync(join(tmpdir(), "rnnc-train-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MODEL = `${ROOT}examples/char_lstm.rnn`;
const DATA = `${ROOT}examples/data/alice.txt`;
const small = ["--dims", "H=8", "--steps", "8", "--batch", "4", "--seed", "3", "--clip-norm", "5"];
const rnnc = async (io: CliIO, ...args: string[]) => main(["node", "rnnc", ...args], io);

describe("rnnc train and rnnc sample on a model file (examples/char_model.rnn)", () => {
  const CHAR_MODEL = `${ROOT}examples/char_model.rnn`;
  it("trains the model, saves its `layer.param` weights with the vocabulary, and samples from them", async () => {
    const io = fakeIO(false);
    const out = join(dir, "model.safetensors");
    expect(await rnnc(io, "train", CHAR_MODEL, "--data", DATA, "--dims", "E=4,H=8", "--steps", "8", "--batch", "4", "--seed", "3", "--iterations", "10", "-o", out)).toBe(0);
    expect(io.out.join("")).toMatch(/^training CharModel \(V=59, E=4, H=8\) on 11264 characters/);
    const bytes = readFileSync(out);
    expect(readCharModelInfo(bytes, out).dims).toEqual({ E: 4, H: 8, V: 59 });
    expect(Object.keys(readSafetensors(bytes).tensors).sort()).toEqual(["embed.W", "lstm.W_hh", "lstm.W_ih", "lstm.b_hh", "lstm.b_ih", "readout.W", "readout.b"]);
    const sio = fakeIO(false);
    expect(await rnnc(sio, "sample", CHAR_MODEL, "--weights", out, "--length", "40", "--seed", "1", "--prime", "Alice")).toBe(0);
    const text = sio.out.join("");
    expect(text.startsWith("Alice")).toBe(true);
    expect(Array.from(text.trimEnd()).length).toBeGreaterThanOrEqual(40);
  });

  it("refuses a model that is not a character model, saying what it lacks", async () => {
    const io = fakeIO(false);
    expect(await rnnc(io, "train", `${ROOT}examples/bigru.rnn`, "--data", DATA, "--dims", "I=3,H=4", "-o", join(dir, "no.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe("error: model BiGRU: a character model reads ids, `input x: index(V)` with V one of its dimensions; its input is [I]\n");
  });
});

describe("rnnc train", () => {
  it("trains, prints plain progress lines when not on a terminal, and saves weights with the vocabulary", async () => {
    const io = fakeIO(false);
    const out = join(dir, "a.safetensors");
    expect(await rnnc(io, "train", MODEL, "--data", DATA, ...small, "--iterations", "40", "-o", out)).toBe(0);
    const text = io.out.join("");
    expect(text).toMatch(/^training CharLSTM \(V=59, H=8\) on 11264 characters \(59 distinct\): 351 chunks of 8 steps × 4 streams per epoch, 40 iterations\n/);
    // One line every 40/20 = 2 iterations, then where it was saved.
    const lines = text.split("\n").filter((l) => l.startsWith("iteration "));
    expect(lines.map((l) => l.split("  ")[0])).toEqual(Array.from({ length: 20 }, (_, i) => `iteration ${2 * (i + 1)}/40`));
    expect(lines[0]).toMatch(/^iteration 2\/40 {2}loss \d\.\d{3} {2}mean \d\.\d{3} {2}[\d.]+ steps\/s {2}ETA \d+s$/);
    expect(text.endsWith(`saved ${out}\n`)).toBe(true);
    expect(text).not.toContain("\r");
    const bytes = readFileSync(out);
    const info = readCharModelInfo(bytes, out);
    expect(info.vocab.chars.length).toBe(59);
    expect(info.vocab.chars.slice(0, 3)).toEqual(["\n", " ", "!"]);
    expect(info.dims).toEqual({ H: 8, V: 59 });
    expect(info.iterations).toBe(40);
    expect(Object.keys(readSafetensors(bytes).tensors).sort()).toEqual(["W_hh", "W_hy", "W_ih", "b_hh", "b_ih", "b_y"]);
  });

  it("is deterministic: the same command writes byte-identical weights", async () => {
    const a = join(dir, "d1.safetensors");
    const b = join(dir, "d2.safetensors");
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...small, "--iterations", "5", "--optimizer", "sgd", "--momentum", "0.9", "-o", a)).toBe(0);
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...small, "--iterations", "5", "--optimizer", "sgd", "--momentum", "0.9", "-o", b)).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it("--threads 2 writes byte-identical weights to one thread, at sizes whose products the threads split", async () => {
    // B 32 × H 256: a step's product [32×256]·[256×1024] is far above the pool's work threshold.
    const big = ["--dims", "H=256", "--steps", "8", "--batch", "32", "--seed", "3", "--iterations", "3"];
    const [one, two] = [join(dir, "t1.safetensors"), join(dir, "t2.safetensors")];
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...big, "--threads", "1", "-o", one)).toBe(0);
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...big, "--threads", "2", "-o", two)).toBe(0);
    expect(readFileSync(one).equals(readFileSync(two))).toBe(true);
  });

  it.each([
    [["--backend", "js", "--threads", "2"], "error: --threads 2 splits the wasm kernels' work between threads; --backend js runs on one thread\n"],
    [["--dtype", "float64", "--threads", "2"], "error: --threads 2 splits the wasm kernels' work between threads, which run float32 only; --dtype float64 runs on the js backend, on one thread\n"],
    [["--backend", "wasm", "--dtype", "float64"], "error: --backend wasm runs float32 only; use --dtype float32, or --backend js for float64\n"],
    [["--threads", "65"], "error: --threads must be an integer from 1 to 64, received 65\n"],
  ])("refuses %j before training, saying why", async (flags, message) => {
    const io = fakeIO();
    expect(await rnnc(io, "train", MODEL, "--data", DATA, ...small, "--iterations", "1", ...flags, "-o", join(dir, "refused.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(message);
    expect(io.out.join("")).toBe("");
  });

  it("--resume continues where the weights stopped: at an epoch boundary with plain SGD, bit for bit the same as one run", async () => {
    // 1200 characters, B 8, K 16: 149 characters per stream, 9 chunks per epoch; plain SGD keeps no state to lose.
    const text = join(dir, "short.txt");
    writeFileSync(text, readFileSync(DATA, "utf8").slice(0, 1200));
    const setup = ["--data", text, "--dims", "H=8", "--steps", "16", "--batch", "8", "--optimizer", "sgd", "--lr", "0.5", "--seed", "9"];
    const [first, resumed, straight] = ["r9", "r18", "s18"].map((n) => join(dir, `${n}.safetensors`));
    expect(await rnnc(fakeIO(), "train", MODEL, ...setup, "--iterations", "9", "-o", first!)).toBe(0);
    const io = fakeIO();
    expect(await rnnc(io, "train", MODEL, ...setup, "--iterations", "9", "--resume", first!, "-o", resumed!)).toBe(0);
    expect(io.out.join("")).toContain(`9 chunks of 16 steps × 8 streams per epoch, 9 iterations from iteration 9 of ${first}\n`);
    expect(await rnnc(fakeIO(), "train", MODEL, ...setup, "--iterations", "18", "-o", straight!)).toBe(0);
    expect(readCharModelInfo(readFileSync(resumed!), resumed!).iterations).toBe(18);
    expect(readFileSync(resumed!).equals(readFileSync(straight!))).toBe(true);
    expect(readFileSync(first!).equals(readFileSync(straight!))).toBe(false);
  });

  it("--resume refuses weights trained on another vocabulary or with other dims", async () => {
    const weights = join(dir, "v.safetensors");
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...small, "--iterations", "1", "-o", weights)).toBe(0);
    const other = join(dir, "other.txt");
    writeFileSync(other, "abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc abc\n");
    let io = fakeIO();
    expect(await rnnc(io, "train", MODEL, "--data", other, ...small, "--resume", weights, "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(`error: --resume ${weights}: the weights have dims {"H":8,"V":59}, this run {"H":8,"V":5}\n`);
    io = fakeIO();
    expect(await rnnc(io, "train", MODEL, "--data", DATA, ...small, "--dims", "H=9", "--resume", weights, "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(`error: --resume ${weights}: the weights have dims {"H":8,"V":59}, this run {"H":9,"V":59}\n`);
    const same = join(dir, "same-size.txt");
    // 59 distinct characters, but not the same ones.
    writeFileSync(same, Array.from({ length: 59 }, (_, i) => String.fromCodePoint(0x100 + i)).join("").repeat(20));
    io = fakeIO();
    expect(await rnnc(io, "train", MODEL, "--data", same, ...small, "--resume", weights, "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(
      `error: --resume ${weights}: the weights were trained on another vocabulary (59 characters; this data has 59, and entry 0 is "\\n" there but "Ā" here); resume on the same text\n`,
    );
  });

  it("--val holds out the text's last characters and evaluates them at every epoch's end, into the log", async () => {
    const text = join(dir, "val.txt");
    writeFileSync(text, readFileSync(DATA, "utf8").slice(0, 1200));
    const io = fakeIO();
    const out = join(dir, "val.safetensors");
    expect(await rnnc(io, "train", MODEL, "--data", text, ...small, "--val", "0.2", "--epochs", "2", "-o", out)).toBe(0);
    // 1200 − 240 = 960 characters to train on: ⌊⌊959 / 4⌋ / 8⌋ = 29 chunks per epoch.
    expect(io.out.join("")).toContain("(47 distinct; the last 240 held out for validation): 29 chunks of 8 steps × 4 streams per epoch, 58 iterations\n");
    const log = readFileSync(join(dir, "val.log.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    expect(log.map((e) => e["step"])).toEqual([29, 58]);
    // Untrained, a loss near ln 47 ≈ 3.85; the held-out loss falls as the model learns.
    expect(log[0]!["val_loss"]).toBeLessThan(Math.log(47));
    expect(log[1]!["val_loss"]).toBeLessThan(log[0]!["val_loss"]!);
  });

  it("draws a bar redrawn in place on a terminal", async () => {
    const io = fakeIO(true);
    expect(await rnnc(io, "train", MODEL, "--data", DATA, ...small, "--iterations", "3", "-o", join(dir, "t.safetensors"))).toBe(0);
    const text = io.out.join("");
    expect(text).toMatch(/\r\[#{24}\] {2}3\/3 {2}loss \d\.\d{3} {2}[\d.]+ steps\/s {2}ETA 0s\x1b\[K\n/);
  });

  it.each([
    [["--data", join(dir, "missing.txt")], 1, /error\[RNN6001\]: cannot read `.*missing\.txt`: no such file or directory/, "out"],
    [["--data", DATA, "--lr", "-1"], 2, /--lr must be a number ≥ 0, found `-1`/, "err"],
    [["--data", DATA, "--clip-norm", "0"], 2, /--clip-norm must be a number > 0, found `0`/, "err"],
    [["--data", DATA, "--dims", "H=8,Q=2"], 1, /error: --dims: cell CharLSTM has no dimension Q \(the dimensions of cell CharLSTM are V, H\)/, "err"],
    [["--data", DATA, "--dims", "H=8,V=3"], 1, /error: --dims: V=3, but the data fixes V at 59/, "err"],
    [["--data", DATA, "--dims", "H=8", "--batch", "2000", "--steps", "8"], 1, /error: the data has 11264 characters: cut into 2000 streams that is 5 characters per stream, fewer than one chunk of 8 steps/, "err"],
    [["--data", DATA, "--dims", "H=8", "--optimizer", "adam", "--momentum", "0.9"], 1, /error: --momentum applies to --optimizer sgd only/, "err"],
  ])("refuses %j (exit %i)", async (args, code, message, stream) => {
    const io = fakeIO();
    expect(await rnnc(io, "train", MODEL, ...(args as string[]), "-o", join(dir, "x.safetensors"))).toBe(code);
    expect((stream === "out" ? io.out : io.err).join("")).toMatch(message);
  });

  it("refuses an output under something that is not a folder, before training", async () => {
    const io = fakeIO();
    const out = join(DATA, "w.safetensors");
    expect(await rnnc(io, "train", MODEL, "--data", DATA, ...small, "-o", out)).toBe(1);
    expect(io.err.join("")).toBe(`error: cannot write ${out}: ${DATA} is not a folder\n`);
    expect(io.out.join("")).toBe("");
  });

  it("refuses a cell that is not a character model, saying what it lacks", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "train", `${ROOT}examples/lstm.rnn`, "--data", DATA, "--dims", "I=118,H=8", "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe("error: cell LSTM has no output `nll` (its outputs are h); training minimises a per-step scalar `output nll = …`\n");
  });

  it("refuses a cell whose input is not two one-hot vectors of the vocabulary", async () => {
    const io = fakeIO();
    expect(await rnnc(io, "train", `${ROOT}examples/parity.rnn`, "--data", DATA, "--dims", "H=8", "-o", join(dir, "x.safetensors"))).toBe(1);
    expect(io.err.join("")).toContain("error: cell Parity: input `x` has 4 numbers per step, but a character model reads two one-hot vectors of the vocabulary's 59 characters (118)");
  });
});

describe("rnnc sample", () => {
  const weights = join(dir, "s.safetensors");
  const trained = (async () => {
    expect(await rnnc(fakeIO(), "train", MODEL, "--data", DATA, ...small, "--iterations", "20", "-o", weights)).toBe(0);
  })();

  it("writes the prime and then --length characters of the vocabulary; the same seed gives the same text", async () => {
    await trained;
    const run = async (seed: string) => {
      const io = fakeIO();
      expect(await rnnc(io, "sample", MODEL, "--weights", weights, "--prime", "Alice ", "--length", "50", "--seed", seed)).toBe(0);
      return io.out.join("");
    };
    const a = await run("1");
    expect(a.startsWith("Alice ")).toBe(true);
    // 50 generated characters, then the newline the command adds unless the text already ends with one.
    const body = Array.from(a).slice(6);
    expect(body.length === 50 || (body.length === 51 && body[50] === "\n")).toBe(true);
    const vocab = new Set(Array.from(readFileSync(DATA, "utf8")));
    expect(body.slice(0, 50).every((ch) => vocab.has(ch))).toBe(true);
    expect(await run("1")).toBe(a);
    expect(await run("2")).not.toBe(a);
  });

  it("temperature 0 is greedy: the same text whatever the seed", async () => {
    await trained;
    const run = async (seed: string) => {
      const io = fakeIO();
      expect(await rnnc(io, "sample", MODEL, "--weights", weights, "--temperature", "0", "--length", "30", "--seed", seed)).toBe(0);
      return io.out.join("");
    };
    expect(await run("5")).toBe(await run("6"));
  });

  it.each([
    [["--prime", "Zebra ☃"], /error: --prime: character "☃" \(U\+2603\) at position 6 is not in the model's vocabulary of 59 characters/],
    [["--temperature", "-1"], /--temperature must be a number ≥ 0, found `-1`/],
  ])("refuses %j", async (args, message) => {
    await trained;
    const io = fakeIO();
    expect(await rnnc(io, "sample", MODEL, "--weights", weights, ...args)).not.toBe(0);
    expect(io.err.join("")).toMatch(message);
  });

  it("refuses weights without a vocabulary, and a missing weights file", async () => {
    const plain = join(dir, "plain.safetensors");
    expect(await rnnc(fakeIO(), "init", MODEL, "--dims", "V=5,H=4", "-o", plain)).toBe(0);
    let io = fakeIO();
    expect(await rnnc(io, "sample", MODEL, "--weights", plain)).toBe(1);
    expect(io.err.join("")).toContain(`error: ${plain}: not a character model written by \`rnnc train\``);
    io = fakeIO();
    expect(await rnnc(io, "sample", MODEL, "--weights", join(dir, "nope.safetensors"))).toBe(1);
    expect(io.err.join("")).toBe(`error: cannot read ${join(dir, "nope.safetensors")}: no such file or directory\n`);
  });
});

describe("Ctrl-C during rnnc train", () => {
  it("finishes the current step, saves the weights and exits 130", async () => {
    const out = join(dir, "interrupted.safetensors");
    const child = spawn(process.execPath, ["bin/rnnc.js", "train", "examples/char_lstm.rnn", "--data", "examples/data/alice.txt", ...small, "--iterations", "1000000", "-o", out], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on("data", (d) => {
        stdout += String(d);
        // The header is printed once training is set up: interrupt then.
        if (stdout.includes("iterations\n") && !child.killed) child.kill("SIGINT");
      });
      child.on("close", (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted: finishing the current step, then saving the weights");
    expect(stderr).toMatch(/stopped by Ctrl-C after \d+ of 1000000 iterations; saved the weights to .*interrupted\.safetensors/);
    expect(existsSync(out)).toBe(true);
    const info = readCharModelInfo(readFileSync(out), out);
    expect(info.iterations).toBeLessThan(1000000);
  });
});

// A file with a cell that does not compile reports its diagnostics like every other command.
it("rnnc train reports errors in the program as diagnostics (exit 1)", async () => {
  const bad = join(dir, "bad.rnn");
  writeFileSync(bad, "cell C(I) {\n  input x: [I]\n  state h: [I]\n  h' = h + y\n}\n");
  const io = fakeIO();
  expect(await rnnc(io, "train", bad, "--data", DATA, "-o", join(dir, "x.safetensors"))).toBe(1);
  expect(io.out.join("")).toContain("RNN2001");
});
