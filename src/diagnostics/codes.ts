import type { Diagnostic, Label, Severity } from "./diagnostic.js";

/**
 * The one table of diagnostic codes. Bands, as in TypeScript's diagnosticMessages.json:
 *   1xxx syntax · 2xxx names and scopes · 3xxx shapes and dimensions · 4xxx states, outputs
 *   and definitions · 5xxx functions and calls · 6xxx files, imports and back-end limits.
 * Templates use `{name}` placeholders filled by `diag()`. A test refuses duplicate codes,
 * codes no source file uses, and codes without a page in docs/diagnostics/.
 */
export const CODES = {
  // ---- 1xxx syntax ---------------------------------------------------------------------
  RNN1001: { severity: "error", template: "unexpected character {found}" },
  RNN1002: { severity: "error", template: "expected {expected}, found {found}" },
  RNN1003: { severity: "error", template: "unexpected {found} in {context}; expected {expected}" },
  RNN1004: { severity: "error", template: "the file is not valid UTF-8 (invalid byte at offset {offset})" },
  RNN1005: { severity: "error", template: "number literal {found} is not a finite number" },
  RNN1006: { severity: "error", template: "{what} nested deeper than {limit} levels" },

  // ---- 2xxx names and scopes -----------------------------------------------------------
  RNN2001: { severity: "error", template: "`{name}` is not defined" },
  RNN2002: { severity: "error", template: "`{name}` is already defined in this {scope}" },
  RNN2003: { severity: "error", template: "dimension `{name}` is not a parameter of {owner}" },
  RNN2004: { severity: "error", template: "`{name}` is a {kind}, not a value" },
  RNN2005: { severity: "error", template: "`{name}'` refers to the next value of `{name}`, but `{name}` is not a state" },
  RNN2006: { severity: "error", template: "`{name}'` is read before it is defined" },
  RNN2007: { severity: "error", template: "{kind} `{name}` is already defined" },
  RNN2008: { severity: "warning", template: "param `{name}` is never used" },
  RNN2009: { severity: "warning", template: "{what} is never used" },
  RNN2010: { severity: "error", template: "`{name}` is not a function" },
  RNN2011: { severity: "error", template: "`{ref}` is not a param of a layer: {reason}" },

  // ---- 3xxx shapes and dimensions ------------------------------------------------------
  RNN3001: { severity: "error", template: "operator `{op}` needs operands of equal shape (or a scalar), found {left} and {right}" },
  RNN3002: { severity: "error", template: "dimension expression `{expr}` is not linear: {why}" },
  RNN3003: { severity: "error", template: "`split` cannot prove that {length} is divisible by {parts}" },
  RNN3004: { severity: "error", template: "matrix product `{expr}` has mismatched inner dimensions: {left} vs {right}" },
  RNN3005: { severity: "error", template: "`{fn}` expects {expected}, found {found}" },
  RNN3006: { severity: "error", template: "the next value `{name}'` has shape {found}, but state `{name}` has shape {expected}" },
  RNN3007: { severity: "error", template: "slice `{expr}` is out of bounds: {bound}" },
  RNN3008: { severity: "error", template: "`concat` needs operands of equal rank and trailing dimensions, found {left} and {right}" },
  RNN3009: { severity: "error", template: "destructuring binds {found} names, but `split` makes {expected} parts" },
  RNN3010: { severity: "error", template: "a shape has at most 2 dimensions, found {found}" },
  RNN3011: { severity: "error", template: "dimension `{expr}` may be zero or negative" },
  RNN3012: { severity: "error", template: "initializer expression `{expr}` must be a constant of numbers and dimensions" },
  RNN3013: { severity: "error", template: "matrix product `{expr}` needs a matrix on at least one side and no scalar, found {left} and {right}" },
  RNN3014: { severity: "error", template: "`{expr}` in a dimension is not a whole number" },
  RNN3015: { severity: "error", template: "only a `split` can be destructured, found `{found}`" },
  RNN3016: { severity: "error", template: "the parts of a `split` must be named, as in `let [a, b] = split(v, 2)`" },
  RNN3017: { severity: "error", template: "layer `{layer}` takes input {expected}, found {found}" },
  RNN3019: { severity: "error", template: "only a layer with several outputs can be destructured in a model, found `{found}`" },
  RNN3020: { severity: "error", template: "`{found}(…)` is not a type" },
  RNN3021: { severity: "error", template: "destructuring binds {found} names, but {what} has {expected} outputs" },
  RNN3022: { severity: "error", template: "layer `{layer}` has {count} outputs, used as one value" },
  RNN3023: { severity: "error", template: "`{expr}` is a number, where a model needs a sequence" },
  RNN3025: { severity: "error", template: "`{found}` is not a timing; an input is `per step` (the default) or `per sequence`" },
  RNN3026: { severity: "error", template: "target `{name}` cannot declare a timing" },
  RNN3027: { severity: "error", template: "tied params `{param}` and `{owner}` have different shapes: {left} and {right}" },

  // ---- 4xxx states, outputs and definitions --------------------------------------------
  RNN4001: { severity: "error", template: "state `{name}` is never given its next value" },
  RNN4002: { severity: "error", template: "state `{name}` is given its next value more than once" },
  RNN4003: { severity: "error", template: "{what} may only appear in {allowed}, not in {where}" },
  RNN4004: { severity: "error", template: "cell `{name}` has no input" },
  RNN4005: { severity: "error", template: "model `{name}` has no input" },
  RNN4006: { severity: "error", template: "initializer `{init}` is not known; expected one of {expected}" },
  RNN4007: { severity: "error", template: "initializer `{init}` takes {expected} argument(s), found {found}" },
  RNN4008: { severity: "error", template: "`{what}` may only initialize a param" },
  RNN4009: { severity: "error", template: "output `{name}` is defined more than once" },
  RNN4010: { severity: "error", template: "model `{name}` has no output and no loss" },
  RNN4011: { severity: "error", template: "recurrent layer `{name}` is applied more than once" },
  RNN4012: { severity: "error", template: "target `{name}` is compared per {first} in one loss and per {second} in another" },
  RNN4014: { severity: "error", template: "model `{name}` has no per-step input" },
  RNN4016: { severity: "error", template: "param `{name}` is tied more than once" },
  RNN4017: { severity: "error", template: "param `{name}` is tied to itself: {path}" },

  // ---- 5xxx functions and calls --------------------------------------------------------
  RNN5001: { severity: "error", template: "`{fn}` takes {expected} argument(s), found {found}" },
  RNN5002: { severity: "error", template: "argument `{param}` of `{fn}` must have shape {expected}, found {found}" },
  RNN5003: { severity: "error", template: "dimension `{dim}` of `{fn}` is {first} from one argument and {second} from another" },
  RNN5004: { severity: "error", template: "`{fn}` returns shape {found}, but declares {expected}" },
  RNN5005: { severity: "error", template: "function `{fn}` calls itself (through {path}); recursion is not allowed" },
  RNN5006: { severity: "error", template: "argument {index} of `{fn}` must be {expected}, found {found}" },
  RNN5007: { severity: "error", template: "dimension `{dim}` in the result of `{fn}` is not bound by any parameter" },
  RNN5008: { severity: "error", template: "function `{fn}` has no `return`" },
  RNN5009: { severity: "error", template: "`{found}` is not a loss; expected `mse(…)` or `cross_entropy(…)`" },
  RNN5010: { severity: "error", template: "argument {index} of `{fn}` must be {expected}, found {found}" },

  // ---- 6xxx files, imports and back-end limits ------------------------------------------
  RNN6001: { severity: "error", template: "cannot read `{file}`: {reason}" },
  RNN6002: { severity: "error", template: "no cell or model named `{name}` in {file}; it has {available}" },
  RNN6003: { severity: "error", template: "{file} defines no cell or model" },
  RNN6004: { severity: "error", template: "the {backend} back end does not support {what}" },
  RNN6005: { severity: "error", template: "cannot import {what}: {reason}" },
  RNN6006: { severity: "error", template: "import cycle: {path}" },
  RNN6007: { severity: "error", template: "`{name}` is not defined in {source}; it has {available}" },
} as const satisfies Record<string, { severity: Severity; template: string }>;

export type Code = keyof typeof CODES;

/** Fills a template; a missing argument is a compiler bug, so it throws. */
export function formatMessage(code: Code, args: Record<string, string | number>): string {
  return CODES[code].template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (!(key in args)) throw new Error(`internal: diagnostic ${code} lacks argument '${key}'`);
    return String(args[key]);
  });
}

export interface DiagExtras {
  labels?: Label[];
  notes?: string[];
  helps?: string[];
}

/** The single way to make a diagnostic: code + template arguments + labels and notes. */
export function diag(code: Code, args: Record<string, string | number>, extras: DiagExtras = {}): Diagnostic {
  return {
    severity: CODES[code].severity,
    code,
    message: formatMessage(code, args),
    labels: extras.labels ?? [],
    notes: extras.notes ?? [],
    helps: extras.helps ?? [],
  };
}
