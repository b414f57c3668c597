/**
 * The sharp edges of a generated module, each with its exact message: keys that match nothing,
 * a backward pass with nothing to differentiate, `checkFinite`, non-finite weights on load, and a
 * hostile file name that must stay inside the header comment.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compileToTypeScript } from "../../../src/compiler.js";
import { loadGeneratedModule } from "../../../src/backends/ts/load.js";
import { importGenerated, ROOT } from "../../helpers/generated.js";

type Arrays = Record<string, Float32Array>;
interface Cell {
  init(seed: number): Arrays;
  forward(params: unknown, x: unknown, options: unknown): { outputs: Arrays; final: Arrays };
  backward(run: unknown, seeds?: unknown): { params: Arrays };
  loadParams(bytes: Uint8Array, options?: unknown): Arrays;
  saveParams(params: Arrays): Uint8Array;
  readonly backend: "wasm" | "js";
}
type CellFactory = (dims: object, options?: object) => Cell;

let LSTM: CellFactory;
let Elman: CellFactory;
beforeAll(async () => {
  LSTM = (await importGenerated("examples/lstm.rnn", undefined, "-edges"))["LSTM"] as CellFactory;
  Elman = (await importGenerated("examples/elman_relu.rnn", undefined, "-edges"))["ElmanReLU"] as CellFactory;
});

describe("keys that match nothing are refused, listing what is accepted", () => {
  it.each([
    ["a misspelt dimension", () => LSTM({ I: 2, H: 3, h: 3 }), 'LSTM: dims has an unknown key "h"; the accepted keys are I, H'],
    ["a misspelt factory option", () => LSTM({ I: 2, H: 3 }, { dtpye: "float64" }), 'LSTM: options has an unknown key "dtpye"; the accepted keys are dtype, backend, threads, simd, checkFinite'],
    ["a misspelt forward option", () => LSTM({ I: 2, H: 3 }).forward(LSTM({ I: 2, H: 3 }).init(0), new Float32Array(12), { batch: 2, steps: 3, length: [1, 1] }), 'LSTM.forward: options has an unknown key "length"; the accepted keys are batch, steps, initial, lengths, tape'],
    ["a misspelt initial state", () => LSTM({ I: 2, H: 3 }).forward(LSTM({ I: 2, H: 3 }).init(0), new Float32Array(12), { batch: 2, steps: 3, initial: { hh: new Float32Array(6) } }), 'LSTM.forward: options.initial has an unknown key "hh"; the accepted keys are h, c'],
    ["a param that is not one", () => LSTM({ I: 2, H: 3 }).forward({ ...LSTM({ I: 2, H: 3 }).init(0), W_ho: new Float32Array(1) }, new Float32Array(12), { batch: 2, steps: 3 }), 'LSTM.forward: params has an unknown key "W_ho"; the accepted keys are W_ih, W_hh, b_ih, b_hh'],
    ["a misspelt loadParams option", () => LSTM({ I: 2, H: 3 }).loadParams(new Uint8Array(0), { allowNaN: true }), 'LSTM.loadParams: options has an unknown key "allowNaN"; the accepted keys are allowNonFinite'],
  ])("%s", (_what, f, message) => {
    expect(f).toThrowError(new Error(message));
  });

  it("a misspelt seed", () => {
    const lstm = LSTM({ I: 2, H: 3 });
    const run = lstm.forward(lstm.init(0), new Float32Array(12), { batch: 2, steps: 3 });
    expect(() => lstm.backward(run, { outputs: { h: new Float32Array(18) }, finals: {} })).toThrowError(
      new Error('LSTM.backward: seeds has an unknown key "finals"; the accepted keys are outputs, final'),
    );
    expect(() => lstm.backward(run, { final: { hc: new Float32Array(6) } })).toThrowError(new Error('LSTM.backward: seeds.final has an unknown key "hc"; the accepted keys are h, c'));
  });
});

describe("a forward option of the wrong type is refused, on either backend", () => {
  it.each(["js", "wasm"])("tape that is not a boolean (%s)", (backend) => {
    const lstm = LSTM({ I: 2, H: 3 }, { backend });
    expect(() => lstm.forward(lstm.init(0), new Float32Array(12), { batch: 2, steps: 3, tape: "no" })).toThrowError(new Error("LSTM.forward: options.tape must be true or false, received no"));
    expect(() => lstm.forward(lstm.init(0), new Float32Array(12), { batch: 2, steps: 3, tape: 0 })).toThrowError(new Error("LSTM.forward: options.tape must be true or false, received 0"));
  });
});

describe("threads ask for the wasm kernels: with the js backend they are refused, not ignored", () => {
  it.each([
    [{ backend: "js", threads: 2 }, 'LSTM: options.threads 2 splits the wasm backend\'s kernels between threads, but options.backend is "js" (one thread)'],
    [{ dtype: "float64", threads: 2 }, 'LSTM: options.threads 2 splits the wasm backend\'s kernels between threads, which run float32 only; dtype is "float64" (the js backend, one thread)'],
  ])("%j", (options, message) => {
    expect(() => LSTM({ I: 2, H: 3 }, options)).toThrowError(new Error(message));
  });
  it("one thread is fine on either backend", () => {
    expect(LSTM({ I: 2, H: 3 }, { dtype: "float64", threads: 1 }).backend).toBe("js");
    expect(LSTM({ I: 2, H: 3 }, { backend: "js", threads: 1 }).backend).toBe("js");
  });
});

describe("checkFinite", () => {
  const params = (cell: Cell) => cell.init(3);

  it("names the first NaN or infinity in an argument", () => {
    const lstm = LSTM({ I: 2, H: 3 }, { checkFinite: true });
    const p = params(lstm);
    p.b_hh![5] = Infinity;
    expect(() => lstm.forward(p, new Float32Array(12), { batch: 2, steps: 3 })).toThrowError(
      new Error("LSTM.forward: params.b_hh[5] is Infinity (checkFinite: an argument holds a non-finite number)"),
    );
    const x = new Float32Array(12);
    x[7] = NaN;
    expect(() => lstm.forward(params(lstm), x, { batch: 2, steps: 3 })).toThrowError(new Error("LSTM.forward: x[7] is NaN (checkFinite: an argument holds a non-finite number)"));
    // Without the option the same call runs, and the NaN flows into the results.
    const plain = LSTM({ I: 2, H: 3 });
    expect(Number.isNaN(plain.forward(params(plain), x, { batch: 2, steps: 3 }).outputs.h![9])).toBe(true);
  });

  it("names the first non-finite result the module made from finite arguments", () => {
    const elman = Elman({ I: 2, H: 2, O: 1 }, { checkFinite: true });
    const p = elman.init(0);
    p.W_xh!.fill(1);
    // 3e38 + 3e38 overflows float32: h is Infinity in each unit, and the readout's mix of +∞ and −∞ is NaN.
    expect(() => elman.forward(p, new Float32Array(2).fill(3e38), { batch: 1, steps: 1 })).toThrowError(
      new Error("ElmanReLU.forward: outputs.y[0] is NaN (checkFinite: the arguments were finite, the result is not)"),
    );
  });
});

describe("weights files", () => {
  it("loadParams refuses NaN and infinities unless allowNonFinite", () => {
    const lstm = LSTM({ I: 2, H: 3 });
    const p = lstm.init(0);
    p.W_hh![4] = NaN;
    const bytes = lstm.saveParams(p);
    expect(() => lstm.loadParams(bytes)).toThrowError(new Error('tensor "W_hh" holds NaN at index 4; weights must be finite numbers (allowNonFinite: true loads them anyway)'));
    expect(Number.isNaN(lstm.loadParams(bytes, { allowNonFinite: true }).W_hh![4])).toBe(true);
  });
});

describe("a file name is text, never code", () => {
  it("stays inside the header comment whatever it holds", async () => {
    const hostile = "evil\nglobalThis.INJECTED = 1; /* */ `${x}` \"'\u2028globalThis.INJECTED = 2;\u2029*/.rnn";
    const text = readFileSync(join(ROOT, "examples/elman.rnn"), "utf8");
    const code = compileToTypeScript(hostile, text).code!;
    const header = code.split("\n")[0]!;
    expect(header).toBe(
      "// Generated by rnnc 0.1.0 from evil\\u000aglobalThis.INJECTED = 1; /* *\\/ `${x}` \"'\\u2028globalThis.INJECTED = 2;\\u2029*\\/.rnn (cell Elman).",
    );
    expect(code).not.toMatch(/[\u2028\u2029]/);
    const module = await loadGeneratedModule(code);
    expect(typeof module["Elman"]).toBe("function");
    expect((globalThis as { INJECTED?: number }).INJECTED).toBeUndefined();
  });
});
