// The optimizers against PyTorch's published update rules, worked by hand for three steps.
//   SGD:  https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
//   Adam: https://pytorch.org/docs/stable/generated/torch.optim.Adam.html
import { describe, expect, it } from "vitest";
import { adam, sgd } from "../../src/runtime/optim.js";

const close = (actual: ArrayLike<number>, expected: readonly number[], digits = 12) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
};

describe("adam (β1 0.9, β2 0.999, ε 1e-8, lr 0.1), three steps worked by hand", () => {
  it("follows m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − lr·m̂/(√v̂ + ε) with bias correction", () => {
    const params = { w: Float64Array.of(1, -2) };
    const opt = adam({ lr: 0.1 });
    // Step 1, g = [0.5, -1]:
    //   m = 0.1·g = [0.05, -0.1];  v = 0.001·g² = [0.00025, 0.001]
    //   m̂ = m / (1 − 0.9) = [0.5, -1];  v̂ = v / (1 − 0.999) = [0.25, 1]
    //   θ = [1 − 0.1·0.5/(0.5 + 1e-8), −2 − 0.1·(−1)/(1 + 1e-8)]
    opt.step(params, { w: Float64Array.of(0.5, -1) });
    const a1 = 1 - (0.1 * 0.5) / (0.5 + 1e-8);
    const b1 = -2 + 0.1 / (1 + 1e-8);
    close(params.w, [a1, b1]);
    close(opt.state["w"]!["m"]!, [0.05, -0.1], 15);
    close(opt.state["w"]!["v"]!, [0.00025, 0.001], 15);
    // Step 2, g = [0.1, 0.2]:
    //   m = 0.9·[0.05, −0.1] + 0.1·[0.1, 0.2] = [0.055, −0.07]
    //   v = 0.999·[0.00025, 0.001] + 0.001·[0.01, 0.04] = [0.00025975, 0.001039]
    //   m̂ = m / (1 − 0.81) = m / 0.19;  v̂ = v / (1 − 0.998001) = v / 0.001999
    opt.step(params, { w: Float64Array.of(0.1, 0.2) });
    const a2 = a1 - (0.1 * (0.055 / 0.19)) / (Math.sqrt(0.00025975 / 0.001999) + 1e-8);
    const b2 = b1 - (0.1 * (-0.07 / 0.19)) / (Math.sqrt(0.001039 / 0.001999) + 1e-8);
    close(params.w, [a2, b2]);
    // Step 3, g = [−0.3, 0]:
    //   m = 0.9·[0.055, −0.07] + 0.1·[−0.3, 0] = [0.0195, −0.063]
    //   v = 0.999·[0.00025975, 0.001039] + 0.001·[0.09, 0] = [0.00034949025, 0.001037961]
    //   m̂ = m / (1 − 0.729) = m / 0.271;  v̂ = v / (1 − 0.997002999) = v / 0.002997001
    opt.step(params, { w: Float64Array.of(-0.3, 0) });
    const a3 = a2 - (0.1 * (0.0195 / 0.271)) / (Math.sqrt(0.00034949025 / 0.002997001) + 1e-8);
    const b3 = b2 - (0.1 * (-0.063 / 0.271)) / (Math.sqrt(0.001037961 / 0.002997001) + 1e-8);
    close(params.w, [a3, b3]);
    expect(opt.steps).toBe(3);
  });

  it("adds the L2 penalty λθ to the gradient (PyTorch's Adam, not AdamW)", () => {
    // θ = 2, g = 0, λ = 0.5: the effective gradient is 1, so m̂ = 1, v̂ = 1 and θ = 2 − 0.1·1/(1 + 1e-8).
    const params = { w: Float64Array.of(2) };
    adam({ lr: 0.1, weightDecay: 0.5 }).step(params, { w: Float64Array.of(0) });
    close(params.w, [2 - 0.1 / (1 + 1e-8)]);
  });

  it("honours beta1, beta2 and eps", () => {
    // β1 = 0.5, β2 = 0.5, ε = 0.1, g = 2: m = 1, v = 2, m̂ = 2, v̂ = 4: θ = 0 − 1·2/(2 + 0.1).
    const params = { w: Float64Array.of(0) };
    adam({ lr: 1, beta1: 0.5, beta2: 0.5, eps: 0.1 }).step(params, { w: Float64Array.of(2) });
    close(params.w, [-2 / 2.1]);
  });
});

describe("sgd", () => {
  it("with momentum 0.9 and weight decay 0.01 (lr 0.1), three steps worked by hand", () => {
    const params = { w: Float64Array.of(1) };
    const opt = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    // Step 1, g = 0.5: d = 0.5 + 0.01·1 = 0.51; b = d = 0.51 (first step); θ = 1 − 0.1·0.51 = 0.949
    opt.step(params, { w: Float64Array.of(0.5) });
    close(params.w, [0.949]);
    close(opt.state["w"]!["momentum"]!, [0.51]);
    // Step 2, g = −0.2: d = −0.2 + 0.01·0.949 = −0.19051; b = 0.9·0.51 − 0.19051 = 0.26849; θ = 0.949 − 0.026849 = 0.922151
    opt.step(params, { w: Float64Array.of(-0.2) });
    close(params.w, [0.922151]);
    // Step 3, g = 0: d = 0.00922151; b = 0.9·0.26849 + 0.00922151 = 0.25086251; θ = 0.922151 − 0.025086251 = 0.897064749
    opt.step(params, { w: Float64Array.of(0) });
    close(params.w, [0.897064749]);
    close(opt.state["w"]!["momentum"]!, [0.25086251]);
  });

  it("without momentum is θ ← θ − lr·g and keeps no state", () => {
    const params = { a: Float64Array.of(1, 2), b: Float32Array.of(3) };
    const opt = sgd({ lr: 0.5 });
    opt.step(params, { a: Float64Array.of(0.2, -4), b: Float32Array.of(1) });
    close(params.a, [0.9, 4]);
    close(params.b, [2.5], 6);
    expect(opt.state["a"]).toEqual({});
  });
});

describe("optimizer state", () => {
  it("is allocated at the first step, per param, in the param's array type, and reused afterwards", () => {
    const params = { w: Float32Array.of(1, 2, 3), b: Float64Array.of(0) };
    const grads = { w: Float32Array.of(0.1, 0.1, 0.1), b: Float64Array.of(1) };
    const opt = adam({ lr: 0.01 });
    expect(opt.state).toEqual({});
    opt.step(params, grads);
    const m = opt.state["w"]!["m"]!;
    const v = opt.state["b"]!["v"]!;
    expect(m).toBeInstanceOf(Float32Array);
    expect(v).toBeInstanceOf(Float64Array);
    opt.step(params, grads);
    expect(opt.state["w"]!["m"]).toBe(m);
    expect(opt.state["b"]!["v"]).toBe(v);
    // Both steps' gradients are in m: 0.9·(0.1·0.1) + 0.1·0.1 = 0.019.
    expect(m[0]).toBeCloseTo(0.019, 7);
  });

  it("a second optimizer starts from fresh state: its first step equals the first optimizer's first step", () => {
    const g = { w: Float64Array.of(0.3, -0.7) };
    const p1 = { w: Float64Array.of(1, 1) };
    const p2 = { w: Float64Array.of(1, 1) };
    const first = sgd({ lr: 0.1, momentum: 0.9 });
    first.step(p1, g);
    first.step(p1, g);
    const fresh = sgd({ lr: 0.1, momentum: 0.9 });
    fresh.step(p2, g);
    close(p2.w, [1 - 0.03, 1 + 0.07]);
    // The first optimizer's second step used its momentum: θ = 1 − 0.1·0.3 − 0.1·(0.9·0.3 + 0.3).
    close(p1.w, [1 - 0.03 - 0.1 * 0.57, 1 + 0.07 + 0.1 * 1.33]);
  });
});

describe("bad arguments throw an Error naming them", () => {
  const p = () => ({ w: Float64Array.of(1, 2) });
  it.each([
    [() => adam({ lr: -0.1 }), /adam: lr must be a finite number ≥ 0, received -0.1/],
    [() => adam({ lr: Number.NaN }), /adam: lr must be .* received NaN/],
    [() => sgd({ lr: Infinity }), /sgd: lr must be .* received Infinity/],
    [() => sgd({ lr: 0.1, momentum: -0.5 }), /sgd: momentum must be a finite number ≥ 0, received -0.5/],
    [() => adam({ lr: 0.1, beta1: 1 }), /adam: beta1 must be a number in \[0, 1\), received 1/],
    [() => adam({ lr: 0.1, beta2: -0.1 }), /adam: beta2 must be a number in \[0, 1\), received -0.1/],
    [() => adam({ lr: 0.1, eps: -1 }), /adam: eps must be/],
    [() => adam({ lr: 0.1, weightDecay: Number.NaN }), /adam: weightDecay must be .* received NaN/],
    [() => adam({ learningRate: 0.1 } as never), /adam: unknown option "learningRate"/],
    [() => sgd({} as never), /sgd: options.lr \(the learning rate\) is required/],
    [() => sgd(undefined as never), /sgd: options must be an object/],
  ])("%#: %s", (make, message) => {
    expect(make).toThrow(message);
  });

  it("a missing gradient, a gradient without a param, a length mismatch, a non-float array, a NaN gradient", () => {
    const opt = () => adam({ lr: 0.1 });
    expect(() => opt().step(p(), {})).toThrow("adam.step: grads.w is missing (every param needs a gradient)");
    expect(() => opt().step(p(), { w: Float64Array.of(1, 1), u: Float64Array.of(1) })).toThrow("adam.step: grads.u has no param of that name (the params are w)");
    expect(() => opt().step(p(), { w: Float64Array.of(1) })).toThrow("adam.step: grads.w must have the length of params.w (2), received length 1");
    expect(() => opt().step(p(), { w: [1, 2] as never })).toThrow("adam.step: grads.w must be a Float32Array or Float64Array, received an array of length 2");
    expect(() => opt().step({ w: [1, 2] as never }, { w: Float64Array.of(1, 1) })).toThrow("adam.step: params.w must be a Float32Array or Float64Array");
    expect(() => opt().step(p(), { w: Float64Array.of(1, Number.NaN) })).toThrow("adam.step: grads.w[1] is NaN");
  });

  it("a param that appears, disappears or changes length after the first step", () => {
    const opt = sgd({ lr: 0.1, momentum: 0.5 });
    opt.step(p(), { w: Float64Array.of(1, 1) });
    expect(() => opt.step({ w: Float64Array.of(1, 2, 3) }, { w: Float64Array.of(1, 1, 1) })).toThrow("sgd.step: params.w must keep its length 2 from the first step, received length 3");
    expect(() => opt.step({ ...p(), u: Float64Array.of(0) }, { w: Float64Array.of(1, 1), u: Float64Array.of(0) })).toThrow("sgd.step: params.u was not there at the first step");
    expect(() => opt.step({}, {})).toThrow("sgd.step: params.w is missing; this optimizer's state was made for w");
  });
});
