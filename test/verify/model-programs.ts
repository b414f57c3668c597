/**
 * Small model programs the model gradcheck tests run (each imports its layers from std), and
 * the helpers they share: one way to compile a model's module, optionally with its embedded
 * driver patched, and one way to list what failed.
 */
import { expect } from "vitest";
import { compileToTypeScript } from "../../src/compiler.js";
import { loadGeneratedModule } from "../../src/backends/ts/load.js";
import type { CheckedModel } from "../../src/check/model-types.js";
import { compileModel } from "../../src/compiler.js";
import type { ModelKernel } from "../../src/verify/contract.js";
import type { GradcheckReport } from "../../src/verify/gradcheck.js";

/** A sequence classifier: one cross-entropy per sequence, on the GRU's last valid step. */
export const PARITY = `import GRU, Linear from std
model Parity(H) {
  input x: [2]
  target label: index(2)
  layer rnn = GRU(2, H)
  layer head = Linear(H, 2)
  output logits = head(last(rnn(x)))
  loss cross_entropy(logits, label)
}
`;

/** A character model: ids through an embedding, an LSTM and a readout, cross-entropy per step. */
export const CHAR = `import Embedding, LSTM, Linear from std
model Char(V, E, H) {
  input tokens: index(V)
  target next: index(V)
  layer emb = Embedding(V, E)
  layer rnn = LSTM(E, H)
  layer head = Linear(H, V)
  output logits = head(rnn(emb(tokens)))
  loss cross_entropy(logits, next)
}
`;

/** Regression: mean squared error per step. */
export const REGRESSION = `import GRU, Linear from std
model Regression(I, H, O) {
  input x: [I]
  target y: [O]
  layer rnn = GRU(I, H)
  layer head = Linear(H, O)
  output pred = head(rnn(x))
  loss mse(pred, y)
}
`;

/** A stateless layer applied twice (to the sequence and to it reversed): its gradients add up. */
export const SHARED = `import LSTM, Linear from std
model Shared(I, H) {
  input x: [I]
  layer proj = Linear(I, H)
  layer rnn = LSTM(2H, H)
  output y = rnn(concat(proj(x), proj(reverse(x))))
}
`;

/** Sequences added, subtracted and multiplied: a residual, a gate, and a per-sequence product. */
export const ARITHMETIC = `import GRU, Linear from std
model Arithmetic(I, H) {
  input x: [I]
  target y: [H]
  layer f = GRU(I, H)
  layer b = GRU(I, H)
  layer p = Linear(H, H)
  let hf = f(x)
  let hb = reverse(b(reverse(x)))
  let mixed = p(hf) * hb - hf
  output ends = last(hf) * last(hb)
  output pred = mixed + hf
  loss mse(pred, y)
}
`;

/** The generated model factory for `text`, after replacing `patch.from` (which must occur exactly once) by `patch.to`. */
export async function modelModule(
  file: string,
  text: string,
  patch?: { from: string; to: string },
): Promise<{ model: CheckedModel; factory: (dims: Record<string, number>, o: { dtype: "float64" }) => ModelKernel }> {
  const { model, diagnostics } = compileModel(file, text);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  let code = compileToTypeScript(file, text, model!.name).code!;
  if (patch) {
    // Exactly one occurrence: a patch that no longer applies must fail the test, not pass it.
    expect(code.split(patch.from).length - 1, `occurrences of ${patch.from}`).toBe(1);
    code = code.replace(patch.from, patch.to);
  }
  const module = await loadGeneratedModule(code);
  return { model: model!, factory: module[model!.name] as (dims: Record<string, number>, o: { dtype: "float64" }) => ModelKernel };
}

/** Names of the failing tensors, forward values first. */
export function failing(report: GradcheckReport): string[] {
  return [...report.forward, ...report.gradients].filter((t) => !t.pass).map((t) => t.name);
}

/**
 * Passes, with room to spare: measured over these programs and the example models (seeds 3 and
 * 7, with and without lengths), float64 finite differences agree to ≤ 5e-9 and the float32
 * oracle to ≤ 1.3e-5 (the tolerances are 1e-5 and 1e-4).
 */
export function expectClean(report: GradcheckReport): void {
  expect(failing(report)).toEqual([]);
  expect(report.pass).toBe(true);
  for (const g of report.gradients) {
    expect(g.fd!.elements.maxRel, g.name).toBeLessThan(1e-7);
    expect(g.oracle!.maxRel, g.name).toBeLessThan(3e-5);
  }
  for (const f of report.forward) expect(f.oracle!.maxRel, f.name).toBeLessThan(3e-5);
}
