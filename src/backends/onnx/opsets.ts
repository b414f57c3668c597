/**
 * Which ONNX opsets the back end emits, and the first opset of every ONNX op it uses (in the
 * form it uses it). onnxruntime-node 1.22 loads opsets up to 22 (checked: 23 is refused), and
 * 17 is the default — the opset PyTorch's exporter settled on, well covered by every runtime.
 */

export const DEFAULT_OPSET = 17;
/** The newest opset onnxruntime-node 1.22 accepts. */
export const MAX_OPSET = 22;
/** The oldest opset ONNX Runtime still loads. */
export const MIN_OPSET = 7;

/**
 * The first opset in which each ONNX op exists with the semantics and operands we use:
 * Max/Min with broadcasting (8), Clip (6, its bounds as inputs from 11: the emitter picks the form),
 * Gemm without its C input (11), Slice with starts/ends as inputs (10), Scan without a batch
 * axis (9), Where/Less/Sign on the types we give them (9), Equal on int64 (7), Range (11);
 * for models ReverseSequence (10) and OneHot with negative indices defined (11).
 * Unsqueeze, Squeeze, the reductions and Pad change form at 11/13/18; the emitters pick the form the opset wants.
 */
export const ONNX_OP_SINCE: Readonly<Record<string, number>> = {
  Abs: 6, Add: 7, ArgMax: 1, Cast: 6, Clip: 6, Concat: 4, Div: 7, Elu: 6, Equal: 7, Exp: 6, Expand: 8,
  Gather: 1, Gemm: 11, Greater: 7, GRU: 7, HardSigmoid: 6, Identity: 1, LeakyRelu: 6, Less: 9, Log: 6, LSTM: 7,
  MatMul: 1, Max: 8, Min: 8, Mul: 7, Neg: 6, OneHot: 11, Pad: 2, Pow: 7, Range: 11, ReduceMax: 1, ReduceMean: 1, ReduceSum: 1, Relu: 6,
  Reshape: 5, ReverseSequence: 10, Scan: 9, Shape: 1, Sigmoid: 6, Sign: 9, Slice: 10, Split: 2, Softplus: 1, Softsign: 1,
  Sqrt: 6, Squeeze: 1, Sub: 7, Tanh: 6, Transpose: 1, Unsqueeze: 1, Where: 9,
};

/** Unsqueeze/Squeeze/ReduceSum take `axes` as an input from opset 13 on, an attribute before. */
export function axesAsInput(opType: string, opset: number): boolean {
  if (opType === "ReduceMean" || opType === "ReduceMax") return opset >= 18;
  return opset >= 13;
}

/**
 * The IR version to declare with an opset (ONNX's versioning table): runtimes reject a model
 * whose IR version is older than its opset requires.
 */
export function irVersionFor(opset: number): number {
  // IR 4 is the first that lets an initializer be a graph input's default (initial states).
  if (opset <= 9) return 4;
  if (opset <= 10) return 5;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}
