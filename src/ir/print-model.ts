import type { CheckedModel, ModelNode, ModelType } from "../check/model-types.js";

/**
 * A model's dataflow in a stable text form (`rnnc ir` on a model file): its layers with their
 * bound dimensions and its ties (`tie readout.W = embed.W`: one array, stored as the owner), then one line per node — `%k = op args : type timing` — then its outputs and
 * losses. Each layer's cell is printed by `printGraph` like any cell.
 */
export function printModel(model: CheckedModel, lineOf: (file: string, offset: number) => string): string {
  const lines: string[] = [`model ${model.name}(${model.dims.join(", ")})  # ${model.file}`];
  for (const l of model.layers) {
    const binding = [...l.binding].map(([k, v]) => `${k} = ${v}`).join(", ");
    lines.push(`  layer ${l.name} = ${l.cell.cell.def.name.name}(${binding})${l.recurrent ? "" : "  # per step, no state"}  # ${lineOf(l.cell.file, l.cell.cell.def.span.start)}`);
  }
  for (const t of model.ties) lines.push(`  tie ${t.layer}.${t.param} = ${t.owner.layer}.${t.owner.param}  # one array, stored as ${t.owner.layer}.${t.owner.param}; gradients summed  # ${lineOf(t.span.file, t.span.start)}`);
  for (const t of model.targets) lines.push(`  target ${t.name}: ${typeText(t.type)} per ${t.timing === "step" ? "step" : "sequence"}`);
  for (const n of model.nodes) {
    // A number is broadcast everywhere: it has no width or timing of its own to show.
    const type = n.op === "number" ? "number" : `${typeText(n.type)} per ${n.timing === "step" ? "step" : "sequence"}`;
    lines.push(`  %${n.id} = ${nodeText(n)} : ${type}  # ${lineOf(n.span.file, n.span.start)}`);
  }
  for (const o of model.outputs) lines.push(`  output ${o.name} = %${o.node}`);
  for (const l of model.losses) lines.push(`  loss ${l.kind}(%${l.pred}, ${l.target})`);
  return `${lines.join("\n")}\n`;
}

function nodeText(n: ModelNode): string {
  switch (n.op) {
    case "input":
      return `input ${n.name}`;
    case "apply":
      return `${n.layer}(${n.args.map((a) => `%${a}`).join(", ")}).${n.output}  [run ${n.run}]`;
    case "concat":
      return `concat(${n.args.map((a) => `%${a}`).join(", ")})`;
    case "dropout":
      return `dropout(%${n.arg}, ${n.p})`;
    case "binary":
      return `${n.fn}(%${n.args[0]}, %${n.args[1]})`;
    case "unary":
      return `${n.fn}(%${n.arg}${Object.entries(n.attrs).map(([k, v]) => `, ${k}=${v}`).join("")})`;
    case "number":
      return `number ${n.value}`;
    default:
      return `${n.op}(%${n.arg})`;
  }
}

function typeText(t: ModelType): string {
  return t.kind === "vector" ? `[${t.width}]` : `index(${t.size})`;
}
