import CodeBlockWriter from "code-block-writer";

/**
 * Prints the generated module's top-level declarations — interfaces and functions described as
 * plain data, the subset of ts-morph's structures the emitter uses — with ts-morph's own writer
 * (code-block-writer) and ts-morph's layout rules, so the text is what ts-morph printed. Only the
 * printing is taken over: loading ts-morph (and the TypeScript compiler it bundles) cost ~0.5 s
 * of every `rnnc compile`. test/backends/ts/print.test.ts compares the two on every example.
 */

export type WriterFunction = (writer: CodeBlockWriter) => void;

/** Writes an inner function `name(params): returns { body }`, then a blank line. */
export function writeInnerFunction(w: Pick<CodeBlockWriter, "writeLine" | "indent" | "blankLine">, name: string, params: string, returns: string, body: readonly string[]): void {
  w.writeLine(`function ${name}(${params}): ${returns} {`);
  w.indent(() => body.forEach((l) => w.writeLine(l)));
  w.writeLine("}");
  w.blankLine();
}

export enum StructureKind {
  Function = "function",
  Interface = "interface",
}

export interface TypeParameterDeclarationStructure {
  readonly name: string;
  readonly constraint?: string;
  readonly default?: string;
}

export interface ParameterDeclarationStructure {
  readonly name: string;
  readonly type?: string;
  readonly hasQuestionToken?: boolean;
  readonly initializer?: string;
}

export interface PropertySignatureStructure {
  readonly name: string;
  readonly type?: string;
  readonly docs?: readonly string[];
  readonly hasQuestionToken?: boolean;
  readonly isReadonly?: boolean;
}

export interface MethodSignatureStructure {
  readonly name: string;
  readonly parameters?: readonly ParameterDeclarationStructure[];
  readonly returnType?: string;
  readonly docs?: readonly string[];
  readonly hasQuestionToken?: boolean;
}

export interface InterfaceDeclarationStructure {
  readonly kind: StructureKind.Interface;
  readonly name: string;
  readonly isExported?: boolean;
  readonly docs?: readonly string[];
  readonly typeParameters?: readonly TypeParameterDeclarationStructure[];
  readonly properties?: readonly PropertySignatureStructure[];
  readonly methods?: readonly MethodSignatureStructure[];
}

export interface FunctionDeclarationStructure {
  readonly kind: StructureKind.Function;
  readonly name: string;
  readonly isExported?: boolean;
  readonly docs?: readonly string[];
  readonly typeParameters?: readonly TypeParameterDeclarationStructure[];
  readonly parameters?: readonly ParameterDeclarationStructure[];
  readonly returnType?: string;
  readonly statements?: string | WriterFunction | readonly (string | WriterFunction)[];
}

export type StatementStructures = InterfaceDeclarationStructure | FunctionDeclarationStructure;

/** A structure as written by the emitter: its kind is added when it is added to the file. */
export type OptionalKind<T extends { kind: StructureKind }> = Omit<T, "kind">;

/** The text of a source file holding `statements`, as ts-morph's `createSourceFile` prints it. */
export function printStatements(statements: readonly (string | WriterFunction | StatementStructures)[]): string {
  const writer = new CodeBlockWriter({ newLine: "\n", indentNumberOfSpaces: 4, useTabs: false, useSingleQuote: false });
  printStatementList(writer, statements);
  writer.conditionalNewLine(!writer.isAtStartOfFirstLineOfBlock() && !writer.isLastNewLine());
  return writer.toString();
}

function printStatementList(writer: CodeBlockWriter, statements: string | WriterFunction | readonly (string | WriterFunction | StatementStructures)[]): void {
  if (typeof statements === "string" || typeof statements === "function") return printText(writer, statements);
  for (const statement of statements) {
    if (lastNonWhitespaceIsCloseBrace(writer)) writer.blankLineIfLastNot();
    else if (!writer.isAtStartOfFirstLineOfBlock()) writer.newLineIfLastNot();
    if (typeof statement === "string" || typeof statement === "function") {
      printText(writer, statement);
      continue;
    }
    if (!writer.isAtStartOfFirstLineOfBlock()) writer.blankLineIfLastNot();
    if (statement.kind === StructureKind.Interface) printInterface(writer, statement);
    else printFunction(writer, statement);
  }
}

function printText(writer: CodeBlockWriter, text: string | WriterFunction): void {
  if (typeof text === "string") writer.write(text);
  else text(writer);
}

function lastNonWhitespaceIsCloseBrace(writer: CodeBlockWriter): boolean {
  return (
    writer.iterateLastCharCodes((code) => {
      if (code === 125 /* } */) return true;
      if (/\s/.test(String.fromCharCode(code))) return undefined;
      return false;
    }) ?? false
  );
}

function printDocs(writer: CodeBlockWriter, docs: readonly string[] | undefined): void {
  for (const doc of docs ?? []) {
    const lines = doc.split(/\r?\n/);
    writer.write("/**");
    if (lines.length <= 1) writer.space().write(lines[0]!);
    else {
      writer.newLine();
      for (const line of lines[0]!.length === 0 ? lines.slice(1) : lines) {
        writer.write(" *");
        if (line.length > 0) writer.write(` ${line}`);
        writer.newLine();
      }
    }
    writer.spaceIfLastNot().write("*/");
    writer.newLine();
  }
}

function printTypeParameters(writer: CodeBlockWriter, params: readonly TypeParameterDeclarationStructure[] | undefined): void {
  if (params === undefined || params.length === 0) return;
  writer.write("<");
  params.forEach((p, i) => {
    if (i > 0) writer.write(",").spaceIfLastNot();
    writer.write(p.name);
    if (p.constraint !== undefined && p.constraint.trim() !== "") writer.write(` extends ${p.constraint}`);
    if (p.default !== undefined && p.default.trim() !== "") writer.write(` = ${p.default}`);
  });
  writer.write(">");
}

function printParameters(writer: CodeBlockWriter, params: readonly ParameterDeclarationStructure[] | undefined): void {
  writer.write("(");
  (params ?? []).forEach((p, i) => {
    if (i > 0) writer.write(",").spaceIfLastNot();
    writer.write(p.name);
    writer.conditionalWrite(p.hasQuestionToken === true, "?");
    // ts-morph writes `: any` for an optional parameter without a type.
    const type = p.type ?? (p.hasQuestionToken === true ? "any" : undefined);
    if (type !== undefined && type.trim() !== "") writer.write(`: ${type}`);
    if (p.initializer !== undefined && p.initializer.trim() !== "") writer.spaceIfLastNot().write(`= ${p.initializer}`);
  });
  writer.write(")");
}

function printReturnType(writer: CodeBlockWriter, returnType: string | undefined): void {
  if (returnType !== undefined && returnType.trim() !== "") writer.write(`: ${returnType}`);
}

function printInterface(writer: CodeBlockWriter, s: InterfaceDeclarationStructure): void {
  printDocs(writer, s.docs);
  if (s.isExported) writer.write("export ");
  writer.write(`interface ${s.name}`);
  printTypeParameters(writer, s.typeParameters);
  writer.space();
  writer.inlineBlock(() => {
    const separate = (members: readonly unknown[] | undefined) => {
      if (members !== undefined && members.length > 0 && !writer.isAtStartOfFirstLineOfBlock()) writer.newLine();
    };
    separate(s.properties);
    printMembers(writer, s.properties ?? [], (p) => {
      printDocs(writer, p.docs);
      if (p.isReadonly) writer.write("readonly ");
      writer.write(p.name);
      writer.conditionalWrite(p.hasQuestionToken === true, "?");
      if (p.type !== undefined && p.type.trim() !== "") writer.write(`: ${p.type}`);
      writer.write(";");
    });
    separate(s.methods);
    printMembers(writer, s.methods ?? [], (m) => {
      printDocs(writer, m.docs);
      writer.write(m.name);
      writer.conditionalWrite(m.hasQuestionToken === true, "?");
      printParameters(writer, m.parameters);
      printReturnType(writer, m.returnType);
      writer.write(";");
    });
  });
}

/** Members one per line (ts-morph's NewLineFormattingStructuresPrinter). */
function printMembers<T>(writer: CodeBlockWriter, members: readonly T[], print: (member: T) => void): void {
  members.forEach((m, i) => {
    writer.conditionalNewLine(i > 0);
    print(m);
  });
}

function printFunction(writer: CodeBlockWriter, s: FunctionDeclarationStructure): void {
  printDocs(writer, s.docs);
  if (s.isExported) writer.write("export ");
  writer.write(`function ${s.name}`);
  printTypeParameters(writer, s.typeParameters);
  printParameters(writer, s.parameters);
  printReturnType(writer, s.returnType);
  writer.space().inlineBlock(() => {
    if (s.statements !== undefined) printStatementList(writer, s.statements);
  });
}
