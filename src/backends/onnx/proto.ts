/**
 * A small, deterministic builder over onnx-proto's generated messages. Everything that reaches
 * the encoder goes through here, in the order it was added, with names chosen by the caller:
 * no maps, no timestamps, no random ids — the same calls give byte-identical models.
 */
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";

/** The generated protobuf namespace (onnx-proto is CommonJS, so reach it through the default export). */
export const onnx = onnxProto.onnx;

export type NodeProto = OnnxTypes.INodeProto;
export type GraphProto = OnnxTypes.IGraphProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;
export type ModelProto = OnnxTypes.IModelProto;
export type AttributeProto = OnnxTypes.IAttributeProto;

/** TensorProto.DataType values we emit. */
export const ElemType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** A dimension of a declared value: a number, a symbolic name (`batch`), or unknown (`null`). */
export type DimSpec = number | string | null;

/** An attribute value: numbers are ints unless wrapped with `float()`. */
export type AttrValue =
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "graph"; readonly value: GraphProto };

export const attr = {
  float: (value: number): AttrValue => ({ kind: "float", value }),
  int: (value: number): AttrValue => ({ kind: "int", value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: "ints", value }),
  string: (value: string): AttrValue => ({ kind: "string", value }),
  graph: (value: GraphProto): AttrValue => ({ kind: "graph", value }),
};

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, INTS: 7 } as const;

/** Attributes are written in the order given (callers list them in a fixed order). */
export function attributes(attrs: Readonly<Record<string, AttrValue>>): AttributeProto[] {
  return Object.entries(attrs).map(([name, a]) => {
    switch (a.kind) {
      case "float": return { name, type: AttributeType.FLOAT, f: a.value };
      case "int": return { name, type: AttributeType.INT, i: a.value };
      case "ints": return { name, type: AttributeType.INTS, ints: [...a.value] };
      case "string": return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
      case "graph": return { name, type: AttributeType.GRAPH, g: a.value };
    }
  });
}

/** Little-endian bytes of float32 values, independent of the host's byte order. */
function float32Bytes(data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

function int32Bytes(data: readonly number[]): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i]!, true);
  return out;
}

function int64Bytes(data: readonly number[]): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]!), true);
  return out;
}

export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>, docString?: string): TensorProto {
  return { name, dims: [...dims], dataType: ElemType.FLOAT, rawData: float32Bytes(data), ...(docString ? { docString } : {}) };
}

export function int32Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: ElemType.INT32, rawData: int32Bytes(data) };
}

export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: ElemType.INT64, rawData: int64Bytes(data) };
}

/** A typed value declaration (graph input/output); `shape` undefined means rank unknown. */
export function valueInfo(name: string, elemType: ElemType, shape?: readonly DimSpec[], docString?: string): ValueInfoProto {
  const tensorType = shape
    ? { elemType, shape: { dim: shape.map((d) => (d === null ? {} : typeof d === "number" ? { dimValue: d } : { dimParam: d })) } }
    : { elemType };
  return { name, type: { tensorType }, ...(docString ? { docString } : {}) };
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export function decodeModel(bytes: Uint8Array): OnnxTypes.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
