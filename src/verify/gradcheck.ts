/**
 * The driver behind `rnnc gradcheck`: checks a generated kernel's backward pass
 *   (a) against central finite differences of the kernel's own forward pass, in float64, and
 *   (b) against the tfjs oracle's autodiff gradients of the IR (float32),
 * and the kernel's forward outputs against the oracle's. Inputs, initial states and loss
 * weights are drawn from one seed, so a failure is reproducible. For every failing gradient
 * it finds the first sequence length (steps = 1, 2, …, T) at which that gradient already
 * disagrees: a mistake in backprop through time shows up at the step it concerns.
 */
import type { Graph } from "../ir/graph.js";
import { compareArrays, type Comparison, type Tolerance } from "./compare.js";
import type { CellKernel, GradientSeeds, Gradients, RunOptions, RunResult } from "./contract.js";
import { expectArray, expectDeclaredParams, expectRunShape, sizeOf } from "./errors.js";
import { checkLossGradients, FD_EPSILON, FD_TOLERANCE, type FdOptions, type FdResult, type LossInputs, type LossShapes } from "./finite-diff.js";
import { packedKernel } from "./packed-inputs.js";
import { SeededRandom } from "../core/random.js";
import { named, tensorId, type TensorId } from "./tensor-id.js";
import { concreteShapes, ORACLE_TOLERANCE, oracleGradients, oracleRun } from "./tfjs-oracle.js";

export interface GradcheckOptions {
  /** Values of the cell's dimensions. */
  readonly dims: Readonly<Record<string, number>>;
  /** Default 2. */
  readonly batch?: number;
  /** Default 4. */
  readonly steps?: number;
  /** Seeds params (`kernel.init`), inputs, initial states and loss weights; default 0. */
  readonly seed?: number;
  /** Per-example lengths (variable-length batch); default: every example runs all steps. */
  readonly lengths?: readonly number[];
  /**
   * Check the training pass: dropout masks drawn from `seed`, the same in every forward run of
   * the module (finite differences included) and in the oracle. Default: inference (no dropout).
   */
  readonly training?: boolean;
  readonly fd?: FdOptions;
  /** Compare with the tfjs oracle too; default true. */
  readonly oracle?: boolean;
  readonly oracleTolerance?: Tolerance;
  /** Search for the first failing step of each failing gradient; default true. */
  readonly locateSteps?: boolean;
}

/** One tensor's line in the report. */
export interface TensorReport {
  /** Which tensor: its role and name. */
  readonly id: TensorId;
  /** How reports print it (`id.label`): "param W_hh", "x", "initial h"; "output y", "final h". */
  readonly name: string;
  readonly shape: readonly number[];
  /** Kernel gradient vs finite differences (gradients only). */
  readonly fd?: FdResult;
  /** Kernel vs the tfjs oracle. */
  readonly oracle?: Comparison;
  /**
   * For a failing gradient or final state: the smallest number of steps at which it already
   * fails. For a failing output: the first time step (1-based) whose values disagree.
   */
  readonly firstFailingStep?: number;
  /**
   * How `firstFailingStep` reads when the name does not say it: "time step" (the first step
   * whose values differ) or "steps" (the fewest steps with which it fails). Absent for cells:
   * outputs are per step, gradients and final states by steps.
   */
  readonly stepMeaning?: "time step" | "steps";
  readonly pass: boolean;
}

export interface GradcheckReport {
  /** The cell's name, or the model's. */
  readonly cell: string;
  /** "model" for a model's report (model-gradcheck.ts); absent for a cell's. */
  readonly kind?: "model";
  readonly dims: Readonly<Record<string, number>>;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly lengths?: readonly number[];
  /** A check of the training pass (dropout masks drawn from the seed); absent for inference. */
  readonly training?: true;
  readonly epsilon: number;
  readonly fdTolerance: Tolerance;
  /** Absent when the oracle was not used. */
  readonly oracleTolerance?: Tolerance;
  readonly forward: readonly TensorReport[];
  readonly gradients: readonly TensorReport[];
  readonly pass: boolean;
}

/** Everything one check runs on: drawn once, truncated for the step search. */
interface Problem {
  readonly steps: number;
  readonly options: RunOptions;
  readonly inputs: LossInputs;
  readonly shapes: LossShapes;
  readonly seeds: GradientSeeds;
  readonly outputShapes: Readonly<Record<string, number[]>>;
}

/** Checks `kernel` (the generated module's cell for `graph`) and reports per tensor. */
export async function gradcheck<Run extends RunResult>(
  graph: Graph,
  moduleKernel: CellKernel<Run>,
  options: GradcheckOptions,
): Promise<GradcheckReport> {
  // Several inputs are checked packed into one x, side by side in declaration order.
  const kernel = graph.inputs.length > 1 ? packedKernel(graph, moduleKernel, options.dims) : moduleKernel;
  const batch = options.batch ?? 2;
  const steps = options.steps ?? 4;
  const seed = options.seed ?? 0;
  expectRunShape(batch, steps, options.lengths);
  const useOracle = options.oracle ?? true;
  const oracleTol = options.oracleTolerance ?? ORACLE_TOLERANCE;
  const fdOptions: FdOptions = { seed, ...options.fd };
  const problem = drawProblem(graph, kernel, options.dims, batch, steps, seed, options.lengths, options.training === true);

  const run = runKernel(kernel, problem);
  const grads = backwardKernel(kernel, run, problem);
  const fd = checkLossGradients((inp) => kernelLoss(kernel, inp, problem), problem.inputs, problem.shapes, grads, fdOptions);

  let oracleOut: RunResult | undefined;
  let oracleGrads: Gradients | undefined;
  if (useOracle) {
    const { params, x, initial } = problem.inputs;
    oracleOut = await oracleRun(graph, options.dims, params, x, { ...problem.options, initial });
    oracleGrads = await oracleGradients(graph, options.dims, params, x, { ...problem.options, initial }, problem.seeds);
  }

  const forward: TensorReport[] = [];
  for (const [name, shape] of Object.entries(problem.outputShapes)) {
    const oracle = oracleOut && compareArrays(run.outputs[name]!, oracleOut.outputs[name]!, oracleTol);
    const first = oracle && !oracle.pass ? firstFailingTimeStep(run.outputs[name]!, oracleOut!.outputs[name]!, oracleTol, steps) : undefined;
    forward.push({ ...named(tensorId("output", name)), shape, oracle, firstFailingStep: first, pass: oracle?.pass ?? true });
  }
  for (const [name, shape] of Object.entries(problem.shapes.initial)) {
    const oracle = oracleOut && compareArrays(run.final[name]!, oracleOut.final[name]!, oracleTol);
    const first = oracle && !oracle.pass && options.locateSteps !== false
      ? await firstFailingFinalStep(graph, kernel, problem, name, options.dims, oracleTol)
      : undefined;
    forward.push({ ...named(tensorId("final", name)), shape, oracle, firstFailingStep: first, pass: oracle?.pass ?? true });
  }

  const gradients = fd.map((f): TensorReport => {
    const id = f.id!;
    const oracle = oracleGrads && compareArrays(pick(grads, id), pick(oracleGrads, id), oracleTol);
    return { id, name: f.name, shape: f.shape, fd: f, oracle, pass: f.pass && (oracle?.pass ?? true) };
  });

  const located = options.locateSteps === false ? gradients : await locateFirstSteps(graph, kernel, problem, gradients, {
    dims: options.dims, fdOptions, oracleTol,
  });
  return {
    cell: graph.cell,
    // In the cell's declaration order, whatever the caller's key order: stable reports.
    dims: Object.fromEntries(graph.dims.map((d) => [d, options.dims[d]!])),
    batch,
    steps,
    seed,
    ...(options.training === true ? { training: true as const } : {}),
    lengths: options.lengths,
    epsilon: fdOptions.epsilon ?? FD_EPSILON,
    fdTolerance: fdOptions.tolerance ?? FD_TOLERANCE,
    oracleTolerance: useOracle ? oracleTol : undefined,
    forward,
    gradients: located,
    pass: forward.every((t) => t.pass) && located.every((t) => t.pass),
  };
}

/** Random inputs in [-1, 1), initial states in [-0.5, 0.5), loss weights in [-1, 1). */
function drawProblem<Run extends RunResult>(
  graph: Graph,
  kernel: CellKernel<Run>,
  dims: Readonly<Record<string, number>>,
  batch: number,
  steps: number,
  seed: number,
  lengths: readonly number[] | undefined,
  training: boolean,
): Problem {
  const shapes = concreteShapes(graph, dims);
  expectDeclaredParams(kernel.paramShapes, Object.entries(shapes.params), "kernel", `cell ${graph.cell}`);
  const initParams = kernel.init(seed);
  const params: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(shapes.params)) {
    params[name] = Float64Array.from(expectArray(`kernel.init(${seed}): param \`${name}\``, initParams[name], shape));
  }
  const rng = new SeededRandom(seed + 1);
  const xShape = [steps, batch, ...shapes.input];
  const x = rng.array(sizeOf(xShape), -1, 1);
  const initial: Record<string, Float64Array> = {};
  const initialShapes: Record<string, number[]> = {};
  const final: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(shapes.states)) {
    initialShapes[name] = [batch, ...shape];
    initial[name] = rng.array(batch * sizeOf(shape), -0.5, 0.5);
  }
  const outputs: Record<string, Float64Array> = {};
  const outputShapes: Record<string, number[]> = {};
  for (const [name, shape] of Object.entries(shapes.outputs)) {
    outputShapes[name] = [steps, batch, ...shape];
    outputs[name] = rng.array(steps * batch * sizeOf(shape), -1, 1);
  }
  for (const [name, shape] of Object.entries(shapes.states)) final[name] = rng.array(batch * sizeOf(shape), -1, 1);
  return {
    steps,
    options: { batch, steps, lengths, ...(training ? { training, seed } : {}) },
    inputs: { params, x, initial },
    shapes: { params: shapes.params, x: xShape, initial: initialShapes },
    seeds: { outputs, final },
    outputShapes,
  };
}

/** The same problem over its first `s` steps (lengths clipped to s). */
function truncate(p: Problem, s: number): Problem {
  const perStep = (shape: readonly number[]) => sizeOf(shape.slice(1));
  const outputs: Record<string, Float64Array> = {};
  const outputShapes: Record<string, number[]> = {};
  for (const [name, shape] of Object.entries(p.outputShapes)) {
    outputs[name] = p.seeds.outputs[name]!.slice(0, s * perStep(shape));
    outputShapes[name] = [s, ...shape.slice(1)];
  }
  return {
    steps: s,
    options: { ...p.options, steps: s, lengths: p.options.lengths?.map((len) => Math.min(len, s)) },
    inputs: { ...p.inputs, x: p.inputs.x.slice(0, s * perStep(p.shapes.x)) },
    shapes: { ...p.shapes, x: [s, ...p.shapes.x.slice(1)] },
    seeds: { outputs, final: p.seeds.final },
    outputShapes,
  };
}

function runKernel<Run extends RunResult>(kernel: CellKernel<Run>, p: Problem): Run {
  const run = kernel.forward(p.inputs.params, p.inputs.x, { ...p.options, initial: p.inputs.initial });
  for (const [name, shape] of Object.entries(p.outputShapes)) expectArray(`kernel.forward: output \`${name}\``, run.outputs?.[name], shape);
  for (const [name, shape] of Object.entries(p.shapes.initial)) expectArray(`kernel.forward: final state \`${name}\``, run.final?.[name], shape);
  return run;
}

function backwardKernel<Run extends RunResult>(kernel: CellKernel<Run>, run: Run, p: Problem): Gradients {
  const g = kernel.backward(run, p.seeds);
  for (const [name, shape] of Object.entries(p.shapes.params)) expectArray(`kernel.backward: gradient of param \`${name}\``, g.params?.[name], shape);
  expectArray("kernel.backward: gradient of x", g.x, p.shapes.x);
  for (const [name, shape] of Object.entries(p.shapes.initial)) expectArray(`kernel.backward: gradient of initial state \`${name}\``, g.initial?.[name], shape);
  return g;
}

/** loss = Σ outputs ⊙ seeds + Σ final ⊙ seeds, from the kernel's forward in float64. */
function kernelLoss<Run extends RunResult>(kernel: CellKernel<Run>, inputs: LossInputs, p: Problem): number {
  const run = kernel.forward(inputs.params, inputs.x, { ...p.options, initial: inputs.initial });
  let total = 0;
  for (const name of Object.keys(p.outputShapes)) total += dot(run.outputs[name]!, p.seeds.outputs[name]!);
  for (const name of Object.keys(p.shapes.initial)) total += dot(run.final[name]!, p.seeds.final[name]!);
  return total;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The gradient array of a param, the input or an initial state. */
function pick(g: Gradients, id: TensorId): Float64Array {
  if (id.role === "input") return g.x;
  return (id.role === "param" ? g.params[id.name] : g.initial[id.name])!;
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

/** The smallest number of steps after which the kernel's final `state` disagrees with the oracle's. */
async function firstFailingFinalStep<Run extends RunResult>(
  graph: Graph,
  kernel: CellKernel<Run>,
  problem: Problem,
  state: string,
  dims: Readonly<Record<string, number>>,
  tol: Tolerance,
): Promise<number | undefined> {
  for (let s = 1; s <= problem.steps; s++) {
    const sub = truncate(problem, s);
    const mine = runKernel(kernel, sub).final[state]!;
    const { params, x, initial } = sub.inputs;
    const ref = await oracleRun(graph, dims, params, x, { ...sub.options, initial });
    if (!compareArrays(mine, ref.final[state]!, tol).pass) return s;
  }
  return undefined;
}

/**
 * Re-runs the check on the first s = 1, 2, … steps of the same problem and records, for
 * each failing gradient, the first s at which it fails against the reference that flagged
 * it (finite differences, the oracle, or both).
 */
async function locateFirstSteps<Run extends RunResult>(
  graph: Graph,
  kernel: CellKernel<Run>,
  problem: Problem,
  gradients: TensorReport[],
  ctx: { dims: Readonly<Record<string, number>>; fdOptions: FdOptions; oracleTol: Tolerance },
): Promise<TensorReport[]> {
  const failing = gradients.filter((g) => !g.pass);
  if (failing.length === 0) return gradients;
  const firstStep = new Map<string, number>();
  const byFd = new Set(failing.filter((g) => g.fd && !g.fd.pass).map((g) => g.name));
  const byOracle = failing.filter((g) => g.oracle && !g.oracle.pass).map((g) => g.id);
  for (let s = 1; s <= problem.steps && firstStep.size < failing.length; s++) {
    const sub = truncate(problem, s);
    const grads = backwardKernel(kernel, runKernel(kernel, sub), sub);
    const pendingFd = new Set([...byFd].filter((n) => !firstStep.has(n)));
    if (pendingFd.size > 0) {
      const fd = checkLossGradients((inp) => kernelLoss(kernel, inp, sub), sub.inputs, sub.shapes, grads, ctx.fdOptions, pendingFd);
      for (const r of fd) if (!r.pass) firstStep.set(r.name, s);
    }
    const pendingOracle = byOracle.filter((id) => !firstStep.has(id.label));
    if (pendingOracle.length > 0) {
      const { params, x, initial } = sub.inputs;
      const ref = await oracleGradients(graph, ctx.dims, params, x, { ...sub.options, initial }, sub.seeds);
      for (const id of pendingOracle) if (!compareArrays(pick(grads, id), pick(ref, id), ctx.oracleTol).pass) firstStep.set(id.label, s);
    }
  }
  return gradients.map((g) => (firstStep.has(g.name) ? { ...g, firstFailingStep: firstStep.get(g.name) } : g));
}
