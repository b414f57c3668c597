/**
 * `rnnc gradcheck` for models: checks a generated module's model (the driver of
 * src/runtime/model.ts over its cell kernels) in float64, the way gradcheck.ts checks
 * a cell. One seed draws the params (the module's own `init`), the input (ids for an `index`
 * input), the initial state of every layer, the targets and the weights R, S of the objective
 *
 *   J = loss + Σ outputs ⊙ R + Σ_layers Σ final ⊙ S
 *
 * so every output, every final state and the loss reach the gradients. dJ/d every `layer.param`,
 * d/dx (a vector input) and d/d every `layer.state`'s initial value are compared (a) with central
 * differences of the module's own forward pass and (b) with tf.grads of the tfjs model oracle
 * (model-oracle.ts); the outputs, final states and loss with the oracle's forward values. With
 * `training`, every run applies the dropout masks drawn from the seed (the oracle takes them from
 * the runtime's generator), so the check is of the training pass.
 */
import type { CheckedModel } from "../check/model-types.js";
import { compareArrays, type Tolerance } from "./compare.js";
import type { ModelGradients, ModelKernel, ModelRunResult } from "./contract.js";
import { expectArray, expectDeclaredParams, expectRunShape, sizeOf, VerifyInputError } from "./errors.js";
import { FD_EPSILON, FD_TOLERANCE, finiteDifferenceCheck, type FdOptions, type FdTensor } from "./finite-diff.js";
import type { GradcheckOptions, GradcheckReport, TensorReport } from "./gradcheck.js";
import { modelLayout, type ModelLayout } from "./model-layout.js";
import { modelOracleGradients, modelOracleRun, vectorInputs, type ModelData } from "./model-oracle.js";
import { SeededRandom } from "../core/random.js";
import { named, tensorId, type TensorId } from "./tensor-id.js";
import { ORACLE_TOLERANCE } from "./tfjs-oracle.js";

/** The same options as a cell's gradcheck; `dims` are the model's dimensions. */
export type ModelGradcheckOptions = GradcheckOptions;

/** A drawn problem: the data of a forward run and the objective's weights R (outputs) and S (finals). */
interface Problem {
  readonly data: ModelData;
  readonly R: Readonly<Record<string, Float64Array>>;
  readonly S: Readonly<Record<string, Float64Array>>;
}

/** Checks `kernel` (the generated module's model for `model`) and reports per tensor. */
export async function gradcheckModel<Run extends ModelRunResult>(
  model: CheckedModel,
  kernel: ModelKernel<Run>,
  options: ModelGradcheckOptions,
): Promise<GradcheckReport> {
  const batch = options.batch ?? 2;
  const steps = options.steps ?? 4;
  const seed = options.seed ?? 0;
  expectRunShape(batch, steps, options.lengths);
  const layout = modelLayout(model, options.dims);
  const useOracle = options.oracle ?? true;
  const oracleTol = options.oracleTolerance ?? ORACLE_TOLERANCE;
  const fdOptions: FdOptions = { seed, ...options.fd };
  const problem = drawProblem(layout, kernel, batch, steps, seed, options.lengths, options.training === true);

  const run = runKernel(layout, kernel, problem);
  const grads = backwardKernel(layout, kernel, run, problem);
  const fd = fdCheck(layout, kernel, problem, grads, fdOptions);
  const oracleOut = useOracle ? await modelOracleRun(layout, problem.data) : undefined;
  const oracleGrads = useOracle ? await modelOracleGradients(layout, problem.data, { outputs: problem.R, final: problem.S }) : undefined;

  const forward: TensorReport[] = forwardNames(layout, problem.data).map(({ id, shape, perStep }) => {
    const oracle = oracleOut && compareArrays(forwardValue(run, id), forwardValue(oracleOut, id), oracleTol);
    const first = oracle && !oracle.pass && perStep ? firstFailingTimeStep(forwardValue(run, id), forwardValue(oracleOut!, id), oracleTol, steps) : undefined;
    // A per-step output is located by its first differing time step; the others by truncation.
    return { ...named(id), shape, oracle, firstFailingStep: first, stepMeaning: perStep ? "time step" : "steps", pass: oracle?.pass ?? true };
  });
  const gradients = fd.map((f): TensorReport => {
    const id = f.id!;
    const oracle = oracleGrads && compareArrays(pick(grads, id), pick(oracleGrads, id), oracleTol);
    return { id, name: f.name, shape: f.shape, fd: f, oracle, pass: f.pass && (oracle?.pass ?? true) };
  });

  const locate = options.locateSteps !== false;
  const ctx = { layout, kernel, problem, fdOptions, oracleTol };
  const located = locate ? await locateFirstSteps(ctx, gradients) : gradients;
  const forwardLocated = locate ? await locateForward(ctx, forward) : forward;
  return {
    cell: model.name,
    kind: "model",
    dims: Object.fromEntries(model.dims.map((d) => [d, options.dims[d]!])),
    batch,
    steps,
    seed,
    lengths: options.lengths,
    ...(options.training === true ? { training: true as const } : {}),
    epsilon: fdOptions.epsilon ?? FD_EPSILON,
    fdTolerance: fdOptions.tolerance ?? FD_TOLERANCE,
    oracleTolerance: useOracle ? oracleTol : undefined,
    forward: forwardLocated,
    gradients: located,
    pass: forwardLocated.every((t) => t.pass) && located.every((t) => t.pass),
  };
}

/** Params from `kernel.init(seed)`; input in [-1, 1) (or ids), initial states in [-0.5, 0.5), targets and R, S in [-1, 1). */
function drawProblem<Run extends ModelRunResult>(
  layout: ModelLayout,
  kernel: ModelKernel<Run>,
  batch: number,
  steps: number,
  seed: number,
  lengths: readonly number[] | undefined,
  training: boolean,
): Problem {
  expectDeclaredParams(kernel.paramShapes, layout.params.map((p) => [p.name, p.shape] as const), "module", `model ${layout.model.name}`);
  const initParams = kernel.init(seed);
  const params: Record<string, Float64Array> = {};
  for (const p of layout.params) params[p.name] = Float64Array.from(expectArray(`module.init(${seed}): param \`${p.name}\``, initParams[p.name], p.shape));
  const rng = new SeededRandom(seed + 1);
  const ids = (n: number, size: number) => Int32Array.from({ length: n }, () => rng.int(size));
  const rows = (once: boolean) => (once ? batch : steps * batch);
  const inputs: Record<string, Float64Array | Int32Array> = {};
  for (const i of layout.inputs) inputs[i.name] = i.kind === "vector" ? rng.array(rows(i.once) * i.size, -1, 1) : ids(rows(i.once), i.size);
  const initial: Record<string, Float64Array> = {};
  for (const s of layout.states) initial[s.name] = rng.array(batch * sizeOf(s.shape), -0.5, 0.5);
  const targets: Record<string, Int32Array | Float64Array> = {};
  for (const t of layout.targets) targets[t.name] = t.kind === "index" ? ids(rows(t.once), t.size) : rng.array(rows(t.once) * t.size, -1, 1);
  const R: Record<string, Float64Array> = {};
  for (const o of layout.outputs) R[o.name] = rng.array(rows(o.once) * o.width, -1, 1);
  const S: Record<string, Float64Array> = {};
  for (const s of layout.states) S[s.name] = rng.array(batch * sizeOf(s.shape), -1, 1);
  // In training every forward run (finite differences and the step search included) and the
  // oracle draw the same masks, from the problem's seed.
  return { data: { batch, steps, ...(lengths ? { lengths } : {}), params, inputs, initial, targets, ...(training ? { training, seed } : {}) }, R, S };
}

/** The same problem over its first `s` steps (lengths clipped to s; per-sequence values kept). */
function truncate(layout: ModelLayout, p: Problem, s: number): Problem {
  const { batch: B } = p.data;
  const head = <A extends Float64Array | Int32Array>(a: A, once: boolean, width: number): A => (once ? a : (a.slice(0, s * B * width) as A));
  const inputs: Record<string, Float64Array | Int32Array> = {};
  for (const i of layout.inputs) inputs[i.name] = head(p.data.inputs[i.name] as Float64Array | Int32Array, i.once, i.kind === "index" ? 1 : i.size);
  const targets: Record<string, Float64Array | Int32Array> = {};
  for (const t of layout.targets) targets[t.name] = head(p.data.targets[t.name] as Float64Array | Int32Array, t.once, t.kind === "index" ? 1 : t.size);
  const R: Record<string, Float64Array> = {};
  for (const o of layout.outputs) R[o.name] = head(p.R[o.name]!, o.once, o.width);
  return {
    data: {
      ...p.data,
      steps: s,
      ...(p.data.lengths ? { lengths: p.data.lengths.map((len) => Math.min(len, s)) } : {}),
      inputs,
      targets,
    },
    R,
    S: p.S,
  };
}

function runKernel<Run extends ModelRunResult>(layout: ModelLayout, kernel: ModelKernel<Run>, p: Problem, params = p.data.params, inputs = p.data.inputs, initial = p.data.initial): Run {
  const { batch, steps, lengths, targets, training, seed } = p.data;
  // One input is passed as an array, several as an object keyed by their names (the module's API).
  const input = layout.inputs.length === 1 ? inputs[layout.inputs[0]!.name]! : inputs;
  return kernel.forward(params, input, { batch, steps, initial, ...(lengths ? { lengths } : {}), ...(layout.targets.length > 0 ? { targets } : {}), ...(training ? { training, seed } : {}) });
}

/** Checks a run's arrays against the layout (named in the message) before anything reads them. */
function checkRun(layout: ModelLayout, run: ModelRunResult, p: Problem): void {
  for (const { id, shape } of forwardNames(layout, p.data)) {
    if (id.role === "loss") {
      if (typeof run.loss !== "number") throw new VerifyInputError(`module.forward: loss: expected a number (the model has ${layout.model.losses.length} loss term${layout.model.losses.length === 1 ? "" : "s"}), found ${run.loss === undefined ? "nothing" : typeof run.loss}`);
      continue;
    }
    const key = id.name;
    expectArray(`module.forward: ${id.role === "output" ? "output" : "final state"} \`${key}\``, id.role === "output" ? run.outputs?.[key] : run.final?.[key], shape);
  }
}

function backwardKernel<Run extends ModelRunResult>(layout: ModelLayout, kernel: ModelKernel<Run>, run: Run, p: Problem): ModelGradients {
  checkRun(layout, run, p);
  const g = kernel.backward(run, { outputs: p.R, final: p.S });
  const { batch: B, steps: T } = p.data;
  for (const t of layout.params) expectArray(`module.backward: gradient of param \`${t.name}\``, g.params?.[t.name], t.shape);
  for (const i of vectorInputs(layout)) {
    const shape = i.once ? [B, i.size] : [T, B, i.size];
    if (layout.inputs.length === 1) expectArray("module.backward: gradient of x", g.x, shape);
    else expectArray(`module.backward: gradient of input \`${i.name}\``, g.inputs?.[i.name], shape);
  }
  for (const s of layout.states) expectArray(`module.backward: gradient of initial state \`${s.name}\``, g.initial?.[s.name], [B, ...s.shape]);
  return g;
}

/** J = loss + Σ outputs ⊙ R + Σ final ⊙ S, from the module's forward pass in float64. */
function objective(run: ModelRunResult, layout: ModelLayout, p: Problem): number {
  let total = run.loss ?? 0;
  for (const o of layout.outputs) total += dot(run.outputs[o.name]!, p.R[o.name]!);
  for (const s of layout.states) total += dot(run.final[s.name]!, p.S[s.name]!);
  return total;
}

/**
 * Central differences of J in every param, x (a vector input) and every initial state; `only`
 * restricts the check to those report names.
 */
function fdCheck<Run extends ModelRunResult>(layout: ModelLayout, kernel: ModelKernel<Run>, p: Problem, grads: ModelGradients, fd: FdOptions, only?: ReadonlySet<string>) {
  // Copies, perturbed in place by the check; the problem's arrays stay as drawn.
  const params = Object.fromEntries(Object.entries(p.data.params).map(([k, v]) => [k, Float64Array.from(v)]));
  const inputs: Record<string, ArrayLike<number>> = { ...p.data.inputs };
  for (const i of vectorInputs(layout)) inputs[i.name] = Float64Array.from(p.data.inputs[i.name]!);
  const initial = Object.fromEntries(Object.entries(p.data.initial).map(([k, v]) => [k, Float64Array.from(v)]));
  const { batch: B, steps: T } = p.data;
  const tensors: FdTensor[] = [
    ...layout.params.map((t) => ({ ...named(tensorId("param", t.name)), shape: t.shape, value: params[t.name]!, analytic: grads.params[t.name]! })),
    ...vectorInputs(layout).map((i) => ({ ...named(tensorId("input", inputId(layout, i.name))), shape: i.once ? [B, i.size] : [T, B, i.size], value: inputs[i.name] as Float64Array, analytic: pick(grads, tensorId("input", inputId(layout, i.name))) as Float64Array })),
    ...layout.states.map((s) => ({ ...named(tensorId("initial", s.name)), shape: [B, ...s.shape], value: initial[s.name]!, analytic: grads.initial[s.name]! })),
  ].filter((t) => only === undefined || only.has(t.name));
  const J = () => objective(runKernel(layout, kernel, p, params, inputs, initial), layout, p);
  return finiteDifferenceCheck(tensors, J, fd);
}

/** The forward values a report lists: outputs, final states, then the loss. */
function forwardNames(layout: ModelLayout, data: ModelData): { id: TensorId; shape: number[]; perStep: boolean }[] {
  const B = data.batch;
  const T = data.steps;
  return [
    ...layout.outputs.map((o) => ({ id: tensorId("output", o.name), shape: o.once ? [B, o.width] : [T, B, o.width], perStep: !o.once })),
    ...layout.states.map((s) => ({ id: tensorId("final", s.name), shape: [B, ...s.shape], perStep: false })),
    ...(layout.model.losses.length > 0 ? [{ id: tensorId("loss", "loss"), shape: [], perStep: false }] : []),
  ];
}

function forwardValue(run: ModelRunResult, id: TensorId): Float64Array {
  if (id.role === "loss") return Float64Array.of(run.loss ?? NaN);
  return Float64Array.from(id.role === "output" ? run.outputs[id.name]! : run.final[id.name]!);
}

/** The report name of an input's gradient: `x` for a model's one input (as the module names it), else the input's name. */
function inputId(layout: ModelLayout, name: string): string {
  return layout.inputs.length === 1 ? "x" : name;
}

/** The gradient array of a param, an input or an initial state. */
function pick(g: ModelGradients, id: TensorId): ArrayLike<number> {
  if (id.role === "input") return id.name === "x" && g.x !== undefined ? g.x : g.inputs![id.name]!;
  return (id.role === "param" ? g.params[id.name] : g.initial[id.name])!;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The first 1-based time step of a [T, ...] array whose slice fails the comparison. */
function firstFailingTimeStep(actual: Float64Array, expected: Float64Array, tol: Tolerance, steps: number): number | undefined {
  const per = actual.length / steps;
  for (let t = 0; t < steps; t++) {
    const idx = Array.from({ length: per }, (_, i) => t * per + i);
    if (!compareArrays(actual, expected, tol, idx).pass) return t + 1;
  }
  return undefined;
}

interface LocateContext<Run extends ModelRunResult> {
  readonly layout: ModelLayout;
  readonly kernel: ModelKernel<Run>;
  readonly problem: Problem;
  readonly fdOptions: FdOptions;
  readonly oracleTol: Tolerance;
}

/**
 * For each failing gradient, the first s = 1, 2, … at which the problem cut to its first s steps
 * already fails against the reference that flagged it (finite differences, the oracle, or both).
 */
async function locateFirstSteps<Run extends ModelRunResult>(ctx: LocateContext<Run>, gradients: TensorReport[]): Promise<TensorReport[]> {
  const failing = gradients.filter((g) => !g.pass);
  if (failing.length === 0) return gradients;
  const { layout, kernel, problem } = ctx;
  const firstStep = new Map<string, number>();
  const byFd = new Set(failing.filter((g) => g.fd && !g.fd.pass).map((g) => g.name));
  const byOracle = failing.filter((g) => g.oracle && !g.oracle.pass).map((g) => g.id);
  for (let s = 1; s <= problem.data.steps && firstStep.size < failing.length; s++) {
    const sub = truncate(layout, problem, s);
    const grads = backwardKernel(layout, kernel, runKernel(layout, kernel, sub), sub);
    const pendingFd = new Set([...byFd].filter((n) => !firstStep.has(n)));
    if (pendingFd.size > 0) {
      for (const r of fdCheck(layout, kernel, sub, grads, ctx.fdOptions, pendingFd)) if (!r.pass) firstStep.set(r.name, s);
    }
    const pendingOracle = byOracle.filter((id) => !firstStep.has(id.label));
    if (pendingOracle.length > 0) {
      const ref = await modelOracleGradients(layout, sub.data, { outputs: sub.R, final: sub.S });
      for (const id of pendingOracle) if (!compareArrays(pick(grads, id), pick(ref, id), ctx.oracleTol).pass) firstStep.set(id.label, s);
    }
  }
  return gradients.map((g) => (firstStep.has(g.name) ? { ...g, firstFailingStep: firstStep.get(g.name) } : g));
}

/** For a failing final state, loss or per-sequence output: the fewest steps at which it already disagrees. */
async function locateForward<Run extends ModelRunResult>(ctx: LocateContext<Run>, forward: TensorReport[]): Promise<TensorReport[]> {
  const pending = new Set(forward.filter((f) => !f.pass && f.firstFailingStep === undefined).map((f) => f.id));
  const firstStep = new Map<string, number>();
  for (let s = 1; s <= ctx.problem.data.steps && pending.size > 0; s++) {
    const sub = truncate(ctx.layout, ctx.problem, s);
    const mine = runKernel(ctx.layout, ctx.kernel, sub);
    checkRun(ctx.layout, mine, sub);
    const ref = await modelOracleRun(ctx.layout, sub.data);
    for (const id of [...pending]) {
      if (compareArrays(forwardValue(mine, id), forwardValue(ref, id), ctx.oracleTol).pass) continue;
      firstStep.set(id.label, s);
      pending.delete(id);
    }
  }
  return forward.map((f) => (firstStep.has(f.name) ? { ...f, firstFailingStep: firstStep.get(f.name) } : f));
}
