// Scalar functions the generated kernels call inside fused loops. No imports: embedded in
// every generated module. Small enough for V8 to inline.

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function relu(x: number): number {
  return x > 0 ? x : 0;
}

export function leakyRelu(x: number, alpha: number): number {
  return x > 0 ? x : alpha * x;
}

export function elu(x: number, alpha: number): number {
  return x > 0 ? x : alpha * (Math.exp(x) - 1);
}

/** log(1 + eˣ) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export function softsign(x: number): number {
  return x / (1 + Math.abs(x));
}

/** PyTorch's Hardsigmoid: clamp(x/6 + 1/2, 0, 1). */
export function hardSigmoid(x: number): number {
  return x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5;
}

export function step(x: number): number {
  return x > 0 ? 1 : 0;
}

export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}
