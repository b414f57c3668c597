import { describe, expect, it } from "vitest";
import { closestName } from "../../src/core/suggest.js";

describe("did-you-mean suggestions", () => {
  it("suggests the nearest name within one or two edits", () => {
    expect(closestName("tanhh", ["tanh", "sigmoid", "relu"])).toBe("tanh");
    expect(closestName("sigmod", ["tanh", "sigmoid", "softmax"])).toBe("sigmoid");
    expect(closestName("W_hx", ["W_xh", "W_hh", "b_h"])).toBe("W_hh");
    expect(closestName("hh", ["h", "x"])).toBe("h");
  });

  it("stays silent for one-letter names and for names far from every candidate", () => {
    expect(closestName("z", ["h", "x"])).toBeUndefined();
    expect(closestName("gates", ["h", "x", "W_ih"])).toBeUndefined();
    expect(closestName("abc", [])).toBeUndefined();
  });

  it("breaks ties alphabetically, so the output is deterministic", () => {
    expect(closestName("ab", ["ac", "aa"])).toBe("aa");
  });
});
