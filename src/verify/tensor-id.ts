/**
 * Which tensor a gradcheck entry is about: a param, the input, an initial or final state, an
 * output or the loss. The role is data (reports, lookups and the step search read it, never the
 * printed label); `label` is how reports print it: "param W_hh", "x", "initial h", "output y",
 * "final h", "loss".
 */
export type TensorRole = "param" | "input" | "initial" | "output" | "final" | "loss";

export interface TensorId {
  readonly role: TensorRole;
  /** The param's, state's, output's or input's name (qualified in a model: `l0.W`); "loss" for the loss. */
  readonly name: string;
  readonly label: string;
}

export function tensorId(role: TensorRole, name: string): TensorId {
  const label = role === "input" || role === "loss" ? name : `${role} ${name}`;
  return { role, name, label };
}

/** A tensor's id and the label reports print for it, as the `id` and `name` of an entry. */
export function named(id: TensorId): { readonly id: TensorId; readonly name: string } {
  return { id, name: id.label };
}
