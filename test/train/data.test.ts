import { describe, expect, it } from "vitest";
import { CharStreams } from "../../src/train/char-streams.js";
import { charModelMetadata, readCharModelInfo } from "../../src/train/char-model.js";
import { draw } from "../../src/train/sample-char.js";
import { buildVocabulary, encodeText } from "../../src/train/vocabulary.js";
import { writeSafetensors } from "../../src/weights/index.js";

describe("vocabulary", () => {
  it("is the distinct code points sorted by code point; an emoji is one character", () => {
    const v = buildVocabulary("banana 🍌 Ba");
    expect(v.chars).toEqual([" ", "B", "a", "b", "n", "🍌"]);
    expect(Array.from(encodeText("nab🍌", v))).toEqual([4, 2, 3, 5]);
  });

  it("a character outside it is an error naming the character and its position", () => {
    expect(() => encodeText("abz", buildVocabulary("ab"), "--prime")).toThrow('--prime: character "z" (U+007A) at position 2 is not in the model\'s vocabulary of 2 characters');
  });
});

describe("character streams", () => {
  // "abcdefghijk": 11 characters, B = 2 → L = ⌊10/2⌋ = 5 characters per stream (a–e and f–j), K = 2 → 2 chunks.
  const text = "abcdefghijk";
  const vocab = buildVocabulary(text);
  const streams = new CharStreams(encodeText(text, vocab), 11, 2, 2, "float64");
  const decode = (x: Float64Array, t: number, b: number) => {
    const row = Array.from(x.subarray((t * 2 + b) * 22, (t * 2 + b + 1) * 22));
    expect(row.reduce((a, v) => a + v, 0)).toBe(2);
    return vocab.chars[row.indexOf(1)]! + vocab.chars[row.lastIndexOf(1) - 11]!;
  };

  it("cut the text into B contiguous streams; each step is (character, next character) as two one-hots", () => {
    expect(streams.streamLength).toBe(5);
    expect(streams.chunksPerEpoch).toBe(2);
    const c0 = streams.chunk(0).x as Float64Array;
    expect([decode(c0, 0, 0), decode(c0, 1, 0), decode(c0, 0, 1), decode(c0, 1, 1)]).toEqual(["ab", "bc", "fg", "gh"]);
    const c1 = streams.chunk(1).x as Float64Array;
    expect([decode(c1, 0, 0), decode(c1, 1, 0), decode(c1, 0, 1), decode(c1, 1, 1)]).toEqual(["cd", "de", "hi", "ij"]);
    expect(streams.chunk(0).resetState).toBe(true);
    expect(streams.chunk(1).resetState).toBe(false);
    expect(Array.from(streams.chunk(2).x)).toEqual(Array.from(c0));
  });

  it("too little text for one chunk is an error that says how much is needed", () => {
    expect(() => new CharStreams(encodeText("abcdef", buildVocabulary("abcdef")), 6, 2, 4)).toThrow(
      "the data has 6 characters: cut into 2 streams that is 2 characters per stream, fewer than one chunk of 4 steps; use more text, a smaller --batch or fewer --steps (needs at least 9 characters)",
    );
  });
});

describe("weights metadata", () => {
  it("round-trips the cell, dims and vocabulary through the safetensors __metadata__", () => {
    const vocab = buildVocabulary("a\n\"é🍌");
    const meta = charModelMetadata({ cell: "CharLSTM", dims: { V: 5, H: 8 }, vocab, iterations: 12 });
    expect(meta).toEqual({ "rnnc.kind": "char-lm", "rnnc.cell": "CharLSTM", "rnnc.dims": '{"H":8,"V":5}', "rnnc.vocab": '["\\n","\\"","a","é","🍌"]', "rnnc.iterations": "12" });
    const bytes = writeSafetensors({ w: { dtype: "F32", shape: [1], data: Float32Array.of(1) } }, meta);
    const info = readCharModelInfo(bytes, "w.safetensors");
    expect(info.vocab.chars).toEqual(vocab.chars);
    expect(info.dims).toEqual({ H: 8, V: 5 });
    expect(info.cell).toBe("CharLSTM");
  });

  it("weights without it are refused with the reason", () => {
    const bytes = writeSafetensors({ w: { dtype: "F32", shape: [1], data: Float32Array.of(1) } });
    expect(() => readCharModelInfo(bytes, "w.safetensors")).toThrow('w.safetensors: not a character model written by `rnnc train` (its safetensors __metadata__ has no "rnnc.kind": "char-lm")');
  });
});

describe("drawing a character", () => {
  it("inverts the cumulative softmax(logits / temperature)", () => {
    // logits ln[1, 2, 1] at temperature 1: probabilities [0.25, 0.5, 0.25].
    const logits = Float64Array.of(0, Math.log(2), 0);
    expect([0, 0.2499, 0.2501, 0.7499, 0.7501, 0.9999].map((u) => draw(logits, 1, u))).toEqual([0, 0, 1, 1, 2, 2]);
    // Temperature 0.5 squares the odds: [1, 4, 1]/6.
    expect([0.16, 0.17, 0.83, 0.84].map((u) => draw(logits, 0.5, u))).toEqual([0, 1, 1, 2]);
  });
});
