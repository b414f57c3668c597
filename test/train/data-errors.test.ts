// What `rnnc train` says about data that does not fit the model, and about a wrong command line:
// the file and line, the key, what the model expects and what the line holds.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fakeIO, rnnc, ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rnnc-data-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, "w.safetensors");
const SENTIMENT = `${ROOT}examples/sentiment.rnn`;
const REGRESSOR = `${ROOT}examples/regressor.rnn`;
const TAGGER = `${ROOT}examples/tagger.rnn`;
const data = (name: string) => `${ROOT}examples/data/${name}`;

/** A data file with these lines. */
function file(name: string, ...lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

async function refuse(args: string[], code = 1): Promise<string> {
  const io = fakeIO();
  expect(await rnnc(io, "train", ...args, "-o", out)).toBe(code);
  expect(io.out.join("")).toBe("");
  return io.err.join("");
}

describe("malformed data lines", () => {
  it.each([
    ["bad.jsonl", ['{"text": "fine", "label": 1}', '{"text": "dull", "label": 0', '{"text": "ok", "label": 1}'], ":2: not valid JSON ("],
    ["array.jsonl", ['{"text": "fine", "label": 1}', '["dull", 0]'], ':2: expected a JSON object, found an array of 2'],
    ["nolabel.jsonl", ['{"text": "fine", "label": 1}', '{"text": "dull"}'], ':2: no "label"; the target `label` of model Sentiment is one class id per sequence, index(C)'],
    ["unknown.jsonl", ['{"text": "fine", "label": 1, "lang": "en"}'], ':1: unknown key "lang"; model Sentiment reads "tokens" (ids) or "text" and "label" (one class id per sequence, index(C))'],
    ["float-label.jsonl", ['{"text": "fine", "label": 1.5}'], ':1: "label" must be an integer class id ≥ 0 (the target `label` is one class id per sequence, index(C)), found the number 1.5'],
    ["vectors.jsonl", ['{"x": [[0.5], [1]], "label": 1}'], ':1: "x" holds one array per step (vectors), but model Sentiment reads ids, `input tokens: index(V)`; give "tokens": [ids]'],
    ["negative.jsonl", ['{"tokens": [3, -1], "label": 0}'], ':1: "tokens"[1] must be an integer id ≥ 0, found the number -1'],
    ["empty-text.jsonl", ['{"text": "  ", "label": 0}', '{"text": "a", "label": 0}'], ':1: "text" has no tokens (words); every example needs at least one step'],
  ])("%s", async (name, lines, message) => {
    const path = file(name, ...lines);
    const err = await refuse([SENTIMENT, "--data", path, "--dims", "E=2,H=2", "--val", "0"]);
    expect(err.startsWith(`error: ${path}${message}`)).toBe(true);
    expect(err.endsWith("\n")).toBe(true);
  });

  it.each([
    ["ids.jsonl", ['{"tokens": [1, 2], "y": [[0.5], [1]]}'], ':1: "tokens" holds ids, but model Regressor reads vectors, `input x: [I]`; give "x": one array of numbers per step'],
    ["short-y.jsonl", ['{"x": [[1], [2], [3]], "y": [[0.5], [1]]}'], ':1: "y" has 2 entries, but the input has 3 steps (the target `y` is one [O] vector per step)'],
    ["ragged.jsonl", ['{"x": [[1, 2], [3]], "y": [[0.5], [1]]}'], ':1: "x"[1] has 1 numbers, but step 0 has 2; every step has the same width'],
    ["ragged-lines.jsonl", ['{"x": [[1, 2]], "y": [[0.5]]}', '{"x": [[1, 2, 3]], "y": [[0.5]]}'], ':2: "x"[0] has 3 numbers, but the rows of line 1 have 2; every step has the same width'],
    ["string.jsonl", ['{"x": [[1, "2"]], "y": [[0.5]]}'], ':1: "x"[0][1] must be a number, found a string "2"'],
  ])("%s (a regressor)", async (name, lines, message) => {
    const path = file(name, ...lines);
    expect(await refuse([REGRESSOR, "--data", path, "--dims", "H=2", "--val", "0"])).toBe(`error: ${path}${message}\n`);
  });

  it("class ids where the regressor expects vectors, and vectors where the tagger expects class ids", async () => {
    expect(await refuse([REGRESSOR, "--data", data("tags.jsonl"), "--dims", "H=2"])).toBe(
      `error: ${data("tags.jsonl")}:1: "y" must hold one array of numbers per step (the target \`y\` is one [O] vector per step)\n`,
    );
    expect(await refuse([TAGGER, "--data", data("signals.jsonl"), "--dims", "H=2"])).toBe(
      `error: ${data("signals.jsonl")}:1: "y" holds arrays, but the target \`tags\` is one class id per step, index(C): give one integer per step\n`,
    );
  });

  it("a cell (no targets) cannot learn from JSON Lines", async () => {
    expect(await refuse([`${ROOT}examples/lstm.rnn`, "--data", data("signals.jsonl"), "--dims", "H=2"])).toBe(
      `error: cell LSTM has no loss: training on ${data("signals.jsonl")} needs a model with \`target …\` and \`loss cross_entropy(…)\` or \`loss mse(…)\` (a cell trains only as a character model, on a text file)\n`,
    );
  });
});

describe("dimensions the data fixes", () => {
  it("refuses a --dims value the data contradicts, naming where the data fixes it", async () => {
    expect(await refuse([SENTIMENT, "--data", data("sentiment.jsonl"), "--dims", "E=2,H=2,V=10"])).toBe(
      `error: --dims: V=10, but the data fixes V at 60 (the vocabulary of "text" in the training split of ${data("sentiment.jsonl")} (60 tokens with <unk>))\n`,
    );
    expect(await refuse([REGRESSOR, "--data", data("signals.jsonl"), "--dims", "H=2,I=3"])).toBe(
      `error: --dims: I=3, but the data fixes I at 2 (the rows of "x" in ${data("signals.jsonl")} (2 numbers))\n`,
    );
  });

  it("accepts more classes than the data has, but not fewer", async () => {
    const err = await refuse([TAGGER, "--data", data("tags.jsonl"), "--dims", "H=2,C=1"]);
    expect(err).toMatch(new RegExp(`^error: --dims: C=1 is too small: ${data("tags.jsonl").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+ has class id 1 for \`tags\` \\(it needs at least 2\\)\n$`));
    const io = fakeIO();
    expect(await rnnc(io, "train", TAGGER, "--data", data("tags.jsonl"), "--dims", "H=2,C=3", "--epochs", "1", "--batch", "100", "-o", out)).toBe(0);
    expect(io.out.join("")).toMatch(/^training Tagger \(I=1, H=2, C=3\)/);
  });

  it("a model whose sizes are constants is checked against the data", async () => {
    const model = join(dir, "fixed.rnn");
    writeFileSync(model, "import GRU, Linear from std\n\nmodel Fixed(H) {\n  input x: [3]\n  target y: [1]\n  layer gru = GRU(3, H)\n  layer head = Linear(H, 1)\n  output pred = head(gru(x))\n  loss mse(pred, y)\n}\n");
    expect(await refuse([model, "--data", data("signals.jsonl"), "--dims", "H=2"])).toBe(`error: model Fixed: \`input x: [3]\` has 3, but the rows of "x" in ${data("signals.jsonl")} (2 numbers)\n`);
  });
});

describe("the command line", () => {
  it.each([
    [["--epoch", "3"], /error: unknown option '--epoch'\n\(Did you mean --epochs\?\)/],
    [["--val", "1"], /error: option '--val <fraction>' argument '1' is invalid\. --val must be a number ≥ 0 and < 1, found `1`\./],
    [["--tokens", "bytes"], /error: option '--tokens <how>' argument 'bytes' is invalid\. Allowed choices are words, chars\./],
    [["--epochs", "0"], /--epochs must be an integer ≥ 1, found `0`/],
  ])("refuses %j (exit 2)", async (args, message) => {
    const io = fakeIO();
    expect(await rnnc(io, "train", SENTIMENT, "--data", data("sentiment.jsonl"), ...(args as string[]), "-o", out)).toBe(2);
    expect(io.err.join("")).toMatch(message);
  });
});
