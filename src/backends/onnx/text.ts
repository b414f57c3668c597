/**
 * A stable, readable text form of an ONNX model — for golden baselines (reviews read the diff)
 * and for people without Netron at hand. One line per value declaration, initializer and node
 * (with the declared type of its output, if any), subgraphs indented; small tensors show their values, large ones their size and a hash of
 * their bytes (so a changed weight still shows up in a diff).
 */
import { decodeModel, onnx } from "./proto.js";

const ELEM_NAMES: Readonly<Record<number, string>> = { 1: "float", 6: "int32", 7: "int64", 9: "bool", 11: "double" };
/** Tensors with at most this many elements are printed in full. */
const SHOWN_VALUES = 8;

type Plain = Record<string, unknown>;

/** The model as text; `bytes` must be a model this back end (or any ONNX writer) produced. */
export function onnxModelText(bytes: Uint8Array): string {
  const model = onnx.ModelProto.toObject(decodeModel(bytes), { longs: Number, arrays: true, defaults: false }) as Plain;
  const lines: string[] = [];
  const opsets = (model.opsetImport as Plain[]).map((o) => `${(o.domain as string) || "ai.onnx"} ${o.version as number}`).join(", ");
  lines.push(`model ir_version ${model.irVersion as number}, opset ${opsets}, producer ${str(model.producerName)} ${str(model.producerVersion)}`);
  if (model.docString) lines.push(`  doc ${JSON.stringify(model.docString)}`);
  for (const p of (model.metadataProps as Plain[]) ?? []) lines.push(`  metadata ${str(p.key)} = ${JSON.stringify(p.value ?? "")}`);
  graphText(model.graph as Plain, "", lines);
  return lines.join("\n") + "\n";
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function typeText(v: Plain): string {
  const tensor = ((v.type as Plain | undefined)?.tensorType ?? {}) as Plain;
  const elem = ELEM_NAMES[tensor.elemType as number] ?? `type${String(tensor.elemType)}`;
  const shape = tensor.shape as Plain | undefined;
  if (!shape) return elem;
  const dims = ((shape.dim as Plain[]) ?? []).map((d) => (d.dimParam !== undefined ? String(d.dimParam) : d.dimValue !== undefined ? String(d.dimValue) : "?"));
  return `${elem}[${dims.join(", ")}]`;
}

function doc(v: Plain): string {
  return v.docString ? `  # ${String(v.docString)}` : "";
}

function graphText(graph: Plain, indent: string, lines: string[]): void {
  lines.push(`${indent}graph ${str(graph.name)}${doc(graph)}`);
  const inner = `${indent}  `;
  const initialized = new Set(((graph.initializer as Plain[]) ?? []).map((t) => t.name as string));
  for (const v of (graph.input as Plain[]) ?? []) lines.push(`${inner}input ${str(v.name)}: ${typeText(v)}${initialized.has(v.name as string) ? " (has a default)" : ""}${doc(v)}`);
  for (const v of (graph.output as Plain[]) ?? []) lines.push(`${inner}output ${str(v.name)}: ${typeText(v)}${doc(v)}`);
  for (const t of (graph.initializer as Plain[]) ?? []) lines.push(`${inner}initializer ${str(t.name)}: ${tensorText(t)}${doc(t)}`);
  const types = new Map(((graph.valueInfo as Plain[]) ?? []).map((v) => [v.name as string, typeText(v)]));
  for (const n of (graph.node as Plain[]) ?? []) {
    const attrs = ((n.attribute as Plain[]) ?? []).filter((a) => a.g === undefined).map(attributeText);
    const outputList = n.output as string[];
    const outputs = outputList.join(", ");
    const type = outputList.length === 1 ? types.get(outputList[0]!) : undefined;
    const typed = type === undefined ? outputs : `${outputs}: ${type}`;
    const named = outputList.length === 1 && outputList[0] === n.name ? typed : `${typed} (node ${str(n.name)})`;
    lines.push(`${inner}${named} = ${str(n.opType)}(${(n.input as string[]).join(", ")})${attrs.length > 0 ? ` {${attrs.join(", ")}}` : ""}${doc(n)}`);
    for (const a of (n.attribute as Plain[]) ?? []) {
      if (a.g !== undefined) {
        lines.push(`${inner}  attribute ${str(a.name)}:`);
        graphText(a.g as Plain, `${inner}    `, lines);
      }
    }
  }
}

function attributeText(a: Plain): string {
  if (a.f !== undefined) return `${str(a.name)}=${formatFloat(a.f as number)}`;
  if (a.i !== undefined) return `${str(a.name)}=${a.i as number}`;
  if (a.ints !== undefined) return `${str(a.name)}=[${(a.ints as number[]).join(", ")}]`;
  if (a.s !== undefined) return `${str(a.name)}=${JSON.stringify(new TextDecoder().decode(a.s as Uint8Array))}`;
  return `${str(a.name)}=…`;
}

/** float32 values printed with 7 significant digits (what a float32 holds). */
function formatFloat(v: number): string {
  return Number(v.toPrecision(7)).toString();
}

function tensorText(t: Plain): string {
  const dataType = t.dataType as number;
  const dims = ((t.dims as number[]) ?? []).map(Number);
  const raw = (t.rawData as Uint8Array | undefined) ?? new Uint8Array();
  const head = `${ELEM_NAMES[dataType] ?? `type${dataType}`}[${dims.join(", ")}]`;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const width = dataType === 7 || dataType === 11 ? 8 : dataType === 9 ? 1 : 4;
  const count = raw.byteLength / width;
  if (count > SHOWN_VALUES) return `${head} (${count} values, fnv1a ${fnv1a(raw)})`;
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * width;
    values.push(
      dataType === 1 ? formatFloat(view.getFloat32(at, true))
        : dataType === 6 ? String(view.getInt32(at, true))
        : dataType === 7 ? String(view.getBigInt64(at, true))
        : dataType === 11 ? String(view.getFloat64(at, true))
        : String(view.getUint8(at)),
    );
  }
  return `${head} = [${values.join(", ")}]`;
}

/** 32-bit FNV-1a of some bytes, as 8 hex digits. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
