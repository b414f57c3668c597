import type { ISerializedGast } from "chevrotain";

/**
 * A small model of W3C-style EBNF, used to prove that grammar/rnn.ebnf says exactly what the
 * parser accepts: both the parser's serialized grammar and the rules of the .ebnf file are read
 * into this model and printed canonically, and a test compares the two texts rule by rule.
 */
export type Ebnf =
  | { readonly k: "seq"; readonly items: readonly Ebnf[] }
  | { readonly k: "alt"; readonly alts: readonly Ebnf[] }
  | { readonly k: "?" | "*" | "+"; readonly body: Ebnf }
  /** A fixed string, or (`charClass`) a W3C character class like `[A-Za-z_]`. */
  | { readonly k: "terminal"; readonly text: string; readonly charClass?: boolean }
  | { readonly k: "rule"; readonly name: string };

/** How the .ebnf file names the tokens that are not fixed strings. */
const TOKEN_RULES: Record<string, string> = { Identifier: "Name", Number: "Number", String: "String" };

// ---- from the parser -----------------------------------------------------------------------

/** The parser's rules (from `getSerializedGastProductions()`) as EBNF, by rule name. */
export function fromGast(rules: readonly ISerializedGast[]): Map<string, Ebnf> {
  return new Map(rules.map((r) => [(r as unknown as { name: string }).name, seq(children(r))]));
}

function children(node: ISerializedGast): Ebnf[] {
  return ((node as { definition?: ISerializedGast[] }).definition ?? []).map(convert);
}

function convert(node: ISerializedGast): Ebnf {
  const n = node as ISerializedGast & { name?: string; pattern?: string; separator?: ISerializedGast };
  switch (n.type) {
    case "Terminal":
      return n.name! in TOKEN_RULES ? { k: "rule", name: TOKEN_RULES[n.name!]! } : { k: "terminal", text: n.pattern! };
    case "NonTerminal":
      return { k: "rule", name: n.name! };
    case "Alternative":
      return seq(children(n));
    case "Alternation":
      return { k: "alt", alts: children(n) };
    case "Option":
      return { k: "?", body: seq(children(n)) };
    case "Repetition":
      return { k: "*", body: seq(children(n)) };
    case "RepetitionMandatory":
      return { k: "+", body: seq(children(n)) };
    case "RepetitionWithSeparator":
    case "RepetitionMandatoryWithSeparator": {
      // X (sep X)*, optional as a whole unless mandatory.
      const item = seq(children(n));
      const list = seq([item, { k: "*", body: seq([convert(n.separator!), item]) }]);
      return n.type === "RepetitionWithSeparator" ? { k: "?", body: list } : list;
    }
    default:
      throw new Error(`internal: unexpected grammar node ${n.type}`);
  }
}

function seq(items: Ebnf[]): Ebnf {
  const flat = items.flatMap((i) => (i.k === "seq" ? i.items : [i]));
  return flat.length === 1 ? flat[0]! : { k: "seq", items: flat };
}

// ---- from the .ebnf text -------------------------------------------------------------------

/**
 * Reads `name ::= expression` rules; `/* … *\/` comments are skipped. Expressions use names,
 * 'quoted' or "quoted" terminals, [character classes], grouping, `|`, and postfix `? * +`.
 */
export function parseEbnf(text: string): Map<string, Ebnf> {
  const tokens = tokenize(text.replace(/\/\*[\s\S]*?\*\//g, " "));
  const rules = new Map<string, Ebnf>();
  let i = 0;
  const peek = () => tokens[i];
  const startsRule = () => tokens[i + 1] === "::=";

  function alternation(): Ebnf {
    const alts = [sequence()];
    while (peek() === "|") {
      i++;
      alts.push(sequence());
    }
    return alts.length === 1 ? alts[0]! : { k: "alt", alts };
  }
  function sequence(): Ebnf {
    const items: Ebnf[] = [];
    while (i < tokens.length && !["|", ")"].includes(peek()!) && !startsRule()) items.push(postfix());
    return seq(items);
  }
  function postfix(): Ebnf {
    let e = primary();
    while (peek() === "?" || peek() === "*" || peek() === "+") e = { k: tokens[i++] as "?" | "*" | "+", body: e };
    return e;
  }
  function primary(): Ebnf {
    const t = tokens[i++]!;
    if (t === "(") {
      const e = alternation();
      if (tokens[i++] !== ")") throw new Error(`grammar: expected ) near token ${i}`);
      return e;
    }
    if (/^['"]/.test(t)) return { k: "terminal", text: t.slice(1, -1) };
    if (t.startsWith("[")) return { k: "terminal", text: t, charClass: true };
    if (/^[A-Za-z_]\w*$/.test(t)) return { k: "rule", name: t };
    throw new Error(`grammar: unexpected ${t}`);
  }

  while (i < tokens.length) {
    const name = tokens[i++]!;
    if (tokens[i++] !== "::=") throw new Error(`grammar: expected ::= after ${name}`);
    rules.set(name, alternation());
  }
  return rules;
}

function tokenize(text: string): string[] {
  const re = /\s*(::=|'[^']*'|"[^"]*"|\[(?:\\.|[^\]])*\]|[A-Za-z_]\w*|[()|?*+])/y;
  const out: string[] = [];
  let pos = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m[1]!);
    pos = re.lastIndex;
  }
  if (text.slice(pos).trim() !== "") throw new Error(`grammar: cannot read ${JSON.stringify(text.slice(pos, pos + 30))}`);
  return out;
}

// ---- canonical text --------------------------------------------------------------------------

/** One canonical line per expression: minimal parentheses, single spaces. */
export function printEbnf(e: Ebnf): string {
  switch (e.k) {
    case "terminal":
      return e.charClass ? e.text : e.text.includes("'") ? `"${e.text}"` : `'${e.text}'`;
    case "rule":
      return e.name;
    case "seq":
      return e.items.map((x) => (x.k === "alt" ? `(${printEbnf(x)})` : printEbnf(x))).join(" ");
    case "alt":
      return e.alts.map(printEbnf).join(" | ");
    default: {
      const body = e.body.k === "seq" || e.body.k === "alt" ? `(${printEbnf(e.body)})` : printEbnf(e.body);
      return `${body}${e.k}`;
    }
  }
}
