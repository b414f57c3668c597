/**
 * Builds an ONNX model made of ONNX's own fused `LSTM` or `GRU` operator from PyTorch-layout weights, with
 * onnx-proto. The operator specs order the gate blocks differently from PyTorch:
 *   LSTM: PyTorch i, f, g, o  →  ONNX i, o, f, c;   W [1, 4H, I], R [1, 4H, H], B [1, 8H] = [Wb, Rb]
 *   GRU:  PyTorch r, z, n     →  ONNX z, r, h;      W [1, 3H, I], R [1, 3H, H], B [1, 6H] = [Wb, Rb],
 *         with linear_before_reset = 1, which is PyTorch's n = tanh(W_in x + b_in + r·(W_hn h + b_hn)).
 */
import onnxProto from "onnx-proto";
import type { Params } from "../workloads.js";

const { onnx } = onnxProto;

/** ONNX TensorProto.DataType.FLOAT */
const FLOAT = 1;

/** For each ONNX gate block, the index of the PyTorch gate block it takes. */
const GATE_ORDER = {
  LSTM: [0, 3, 1, 2], // i, o, f, c  ←  i(0), o(3), f(1), g(2)
  GRU: [1, 0, 2], // z, r, h  ←  z(1), r(0), n(2)
} as const;

/** Reorders the row blocks of a [G·H, cols] matrix (or a [G·H] vector with cols = 1). */
export function reorderGateBlocks(a: Float32Array, H: number, cols: number, order: readonly number[]): Float32Array {
  const block = H * cols;
  if (a.length !== order.length * block) {
    throw new Error(`reorderGateBlocks: expected ${order.length}·${H}·${cols} values, found ${a.length}`);
  }
  const out = new Float32Array(a.length);
  order.forEach((src, dst) => out.set(a.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

function initializer(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return {
    name,
    dims,
    dataType: FLOAT,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  };
}

function valueInfo(name: string, dims: number[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** Sizes of the model: fixed, since the benchmark feeds one shape. */
export interface NativeModelSizes {
  readonly I: number;
  readonly H: number;
  readonly B: number;
  readonly T: number;
}

/**
 * Serialises a model with one fused RNN node. Input `X` [T, B, I]; output `Y` [T, 1, B, H] (same memory
 * order as [T, B, H]); initial states are omitted, which the spec defines as zero.
 */
export function buildNativeRnnModel(kind: "LSTM" | "GRU", params: Params, s: NativeModelSizes): Uint8Array {
  const G = kind === "LSTM" ? 4 : 3;
  const order = GATE_ORDER[kind];
  const need = (name: string): Float32Array => {
    const a = params[name];
    if (a === undefined) throw new Error(`native ONNX ${kind}: missing parameter ${name}`);
    return a;
  };
  const W = reorderGateBlocks(need("W_ih"), s.H, s.I, order);
  const R = reorderGateBlocks(need("W_hh"), s.H, s.H, order);
  const Bias = new Float32Array(2 * G * s.H);
  Bias.set(reorderGateBlocks(need("b_ih"), s.H, 1, order), 0);
  Bias.set(reorderGateBlocks(need("b_hh"), s.H, 1, order), G * s.H);

  const attribute: onnxProto.onnx.IAttributeProto[] = [
    { name: "hidden_size", type: onnx.AttributeProto.AttributeType.INT, i: s.H },
  ];
  if (kind === "GRU") {
    attribute.push({ name: "linear_before_reset", type: onnx.AttributeProto.AttributeType.INT, i: 1 });
  }
  const outputs = kind === "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "rnnc-bench",
    opsetImport: [{ domain: "", version: 14 }],
    graph: {
      name: `native_${kind}`,
      node: [{ opType: kind, name: kind, input: ["X", "W", "R", "B"], output: outputs, attribute }],
      initializer: [
        initializer("W", [1, G * s.H, s.I], W),
        initializer("R", [1, G * s.H, s.H], R),
        initializer("B", [1, 2 * G * s.H], Bias),
      ],
      input: [valueInfo("X", [s.T, s.B, s.I])],
      output: [
        valueInfo("Y", [s.T, 1, s.B, s.H]),
        valueInfo("Y_h", [1, s.B, s.H]),
        ...(kind === "LSTM" ? [valueInfo("Y_c", [1, s.B, s.H])] : []),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
