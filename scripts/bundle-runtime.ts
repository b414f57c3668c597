/**
 * The bundling step of the runtime: src/runtime is ordinary TypeScript (files importing each other,
 * type-checked like the rest); a generated module must carry it as one dependency-free block of
 * TypeScript that still passes `tsc --strict`. This script is that bundler, on the TypeScript AST:
 *
 * - it starts from the runtime's entries (src/runtime/index.ts, then model-api.ts for the model
 *   driver) and follows their imports, which must be relative, unaliased and inside src/runtime;
 * - it keeps the top-level declarations the entries' exports reach (tree shaking, following each
 *   identifier to its declaration with TypeScript's checker), in dependency order of the files and
 *   source order within a file, with their comments;
 * - it drops import and export declarations and the `export` keyword by their positions in the
 *   syntax tree (no pattern matching over text);
 * - a private name that an earlier file also declares is renamed, with its references, to
 *   `name$file` (scope hoisting, as JavaScript bundlers do); two files exporting one name is an error.
 *
 * JavaScript bundlers (esbuild, rollup) erase types, and the embedded runtime must keep them, so the
 * bundler is this small walk over TypeScript's own parse. It writes src/runtime/generated/bundle.ts;
 * test/runtime/bundle.test.ts fails when that file is not what this script makes from src/runtime.
 *
 *   npx tsx scripts/bundle-runtime.ts      (npm run generate)
 */
import { writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RUNTIME = join(ROOT, "src", "runtime");
export const BUNDLE_PATH = join(RUNTIME, "generated", "bundle.ts");

interface Decl {
  readonly file: string;
  readonly statement: ts.Statement;
  readonly names: readonly string[];
  readonly exported: boolean;
}

interface RuntimeFile {
  readonly path: string;
  readonly source: ts.SourceFile;
  readonly decls: readonly Decl[];
  /** Names an entry exports (`export { a, type B } from "./x.js"`). */
  readonly reexports: readonly string[];
  /** The comments before the first statement when that statement is dropped (an import). */
  readonly header: string;
}

function fail(file: string, node: ts.Node | undefined, message: string): never {
  const sf = node?.getSourceFile();
  const where = sf && node ? `:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}` : "";
  throw new Error(`${relative(ROOT, file)}${where}: ${message}`);
}

function declaredNames(s: ts.Statement): string[] {
  if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) {
    return s.name ? [s.name.text] : [];
  }
  if (ts.isVariableStatement(s)) {
    return s.declarationList.declarations.map((d) => {
      if (!ts.isIdentifier(d.name)) fail(s.getSourceFile().fileName, d, "destructuring at the top level of the runtime is not supported");
      return d.name.text;
    });
  }
  return fail(s.getSourceFile().fileName, s, `unsupported top-level statement (${ts.SyntaxKind[s.kind]}): the runtime holds declarations only`);
}

function exportKeyword(s: ts.Statement): ts.Modifier | undefined {
  const mods = ts.canHaveModifiers(s) ? ts.getModifiers(s) : undefined;
  if (mods?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) fail(s.getSourceFile().fileName, s, "default exports are not supported");
  return mods?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function checkSpecifier(file: string, spec: ts.Expression): void {
  if (!ts.isStringLiteral(spec) || !spec.text.startsWith("./")) fail(file, spec, "the runtime imports only its own files (`./name.js`)");
  if (dirname(resolve(dirname(file), spec.text)) !== dirname(file)) fail(file, spec, "the runtime imports only its own files (one folder)");
}

function namedBindings(file: string, clause: ts.NamedImportBindings | ts.NamedExportBindings | undefined): string[] {
  if (!clause || !(ts.isNamedImports(clause) || ts.isNamedExports(clause))) fail(file, clause, "only named imports and exports (`{ a, type B }`)");
  return clause.elements.map((e) => {
    if (e.propertyName) fail(file, e, "renaming imports or exports (`a as b`) is not supported");
    return e.name.text;
  });
}

function readRuntimeFile(source: ts.SourceFile): RuntimeFile {
  const path = source.fileName;
  const reexports: string[] = [];
  const decls: Decl[] = [];
  let header = "";
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      if (s.importClause?.name) fail(path, s, "default imports are not supported");
      namedBindings(path, s.importClause?.namedBindings);
      checkSpecifier(path, s.moduleSpecifier);
      if (s === source.statements[0]) header = source.text.slice(s.getFullStart(), s.getStart()).trimEnd();
    } else if (ts.isExportDeclaration(s)) {
      if (!s.moduleSpecifier) fail(path, s, "write `export` on the declaration itself");
      checkSpecifier(path, s.moduleSpecifier);
      reexports.push(...namedBindings(path, s.exportClause));
    } else {
      decls.push({ file: path, statement: s, names: declaredNames(s), exported: exportKeyword(s) !== undefined });
    }
  }
  return { path, source, decls, reexports, header };
}

/**
 * The runtime as a program: its files in dependency order (imports first) and a checker that
 * resolves every identifier to its declaration. No default library: only the runtime's own
 * declarations are looked up.
 */
function runtimeProgram(entries: readonly string[]): { files: RuntimeFile[]; checker: ts.TypeChecker } {
  const options: ts.CompilerOptions = {
    noLib: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  };
  const program = ts.createProgram([...entries], options, ts.createCompilerHost(options, /* setParentNodes */ true));
  const order: RuntimeFile[] = [];
  const seen = new Set<string>();
  const visit = (path: string, stack: readonly string[]): void => {
    if (stack.includes(path)) fail(path, undefined, `import cycle: ${[...stack, path].map((p) => basename(p)).join(" → ")}`);
    if (seen.has(path)) return;
    seen.add(path);
    const source = program.getSourceFile(path) ?? fail(path, undefined, "not found");
    for (const s of source.statements) {
      if ((ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
        visit(resolve(dirname(path), s.moduleSpecifier.text.replace(/\.js$/, ".ts")), [...stack, path]);
      }
    }
    order.push(readRuntimeFile(source));
  };
  for (const e of entries) visit(e, []);
  return { files: order, checker: program.getTypeChecker() };
}

/** The runtime declaration an identifier refers to (through imports), if any. */
function referencedDecl(id: ts.Identifier, checker: ts.TypeChecker, declOf: ReadonlyMap<ts.Node, Decl>): Decl | undefined {
  let symbol = checker.getSymbolAtLocation(id);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  for (const d of symbol?.declarations ?? []) {
    let n: ts.Node | undefined = d;
    while (n && !declOf.has(n)) n = n.parent;
    if (n) return declOf.get(n);
  }
  return undefined;
}

interface Bundle {
  readonly files: readonly RuntimeFile[];
  /** For each kept declaration: the identifiers in it that refer to runtime declarations. */
  readonly refs: ReadonlyMap<Decl, ReadonlyArray<readonly [ts.Identifier, Decl]>>;
  /** Names a declaration takes under another name in the bundle (a private name clashing with an earlier file's gets `$file`). */
  readonly renamed: ReadonlyMap<Decl, ReadonlyMap<string, string>>;
}

function analyse(entries: readonly string[]): Bundle {
  const { files, checker } = runtimeProgram(entries);
  const declOf = new Map<ts.Node, Decl>();
  for (const f of files) for (const d of f.decls) declOf.set(d.statement, d);
  const refs = new Map<Decl, Array<readonly [ts.Identifier, Decl]>>();
  for (const d of declOf.values()) {
    const out: Array<readonly [ts.Identifier, Decl]> = [];
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) {
        const target = referencedDecl(n, checker, declOf);
        if (target) out.push([n, target]);
      }
      ts.forEachChild(n, visit);
    };
    visit(d.statement);
    refs.set(d, out);
  }
  const renamed = new Map<Decl, Map<string, string>>();
  const taken = new Map<string, Decl>();
  for (const f of files) {
    for (const d of f.decls) {
      for (const name of d.names) {
        const prior = taken.get(name);
        let given = name;
        if (prior && prior.file !== f.path) {
          if (d.exported && prior.exported) fail(f.path, d.statement, `\`${name}\` is exported by ${relative(ROOT, prior.file)} too: exported names of the runtime must differ`);
          given = `${name}$${basename(f.path, ".ts").replace(/[^\w$]/g, "_")}`;
          if (taken.has(given)) fail(f.path, d.statement, `cannot rename \`${name}\` to \`${given}\`: taken`);
        }
        taken.set(given, d);
        if (given !== name) renamed.set(d, new Map([...(renamed.get(d) ?? []), [name, given]]));
      }
    }
  }
  return { files, refs, renamed };
}

/** The declarations the roots reach, following references. */
function reachable(bundle: Bundle, entry: string, roots: readonly string[]): Set<Decl> {
  const file = bundle.files.find((f) => f.path === entry)!;
  const work: Decl[] = roots.map((name) => {
    for (const f of bundle.files) for (const d of f.decls) if (d.exported && d.names.includes(name)) return d;
    return fail(entry, file.source.statements[0], `exports \`${name}\`, which no runtime file exports`);
  });
  const keep = new Set<Decl>();
  while (work.length > 0) {
    const d = work.pop()!;
    if (keep.has(d)) continue;
    keep.add(d);
    for (const [, target] of bundle.refs.get(d) ?? []) work.push(target);
  }
  return keep;
}

/** A kept declaration's text: leading comments, no `export`, renamed references. */
function declText(bundle: Bundle, d: Decl): string {
  const s = d.statement;
  const text = s.getSourceFile().text;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const mod = exportKeyword(s);
  if (mod) {
    let after = mod.end;
    while (text[after] === " ") after++;
    edits.push({ start: mod.getStart(), end: after, text: "" });
  }
  for (const [id, target] of bundle.refs.get(d) ?? []) {
    const name = bundle.renamed.get(target)?.get(id.text);
    if (name !== undefined) edits.push({ start: id.getStart(), end: id.end, text: name });
  }
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let at = s.getFullStart();
  for (const e of edits) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at, s.end);
}

function render(bundle: Bundle, decls: ReadonlySet<Decl>): string {
  const parts: string[] = [];
  for (const f of bundle.files) {
    const mine = f.decls.filter((d) => decls.has(d));
    if (mine.length === 0) continue;
    const body = (f.header + mine.map((d) => declText(bundle, d)).join("")).trim();
    parts.push(`// ---- runtime/${basename(f.path)} ----\n${body}\n`);
  }
  return parts.join("\n");
}

/** A TypeScript template literal holding `text` exactly. */
function templateLiteral(text: string): string {
  return "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";
}

/** The text of src/runtime/generated/bundle.ts for the runtime in `dir` as it is on disk. */
export function bundleRuntime(dir: string = RUNTIME): string {
  const cellEntry = join(dir, "index.ts");
  const modelEntry = join(dir, "model-api.ts");
  const bundle = analyse([cellEntry, modelEntry]);
  const exportsOf = (path: string): readonly string[] => bundle.files.find((f) => f.path === path)!.reexports;
  const base = reachable(bundle, cellEntry, exportsOf(cellEntry));
  const withModel = reachable(bundle, modelEntry, [...exportsOf(cellEntry), ...exportsOf(modelEntry)]);
  const driver = new Set([...withModel].filter((d) => !base.has(d)));
  const names = [...new Set([...withModel].flatMap((d) => d.names.map((n) => bundle.renamed.get(d)?.get(n) ?? n)))].sort();
  return [
    "// Generated by scripts/bundle-runtime.ts from src/runtime (entries index.ts and model-api.ts).",
    "// Do not edit: change src/runtime and run `npm run generate`.",
    "",
    "/** The runtime every generated module embeds, as TypeScript: what src/runtime/index.ts exports and all it uses. */",
    `export const RUNTIME_TEXT: string = ${templateLiteral(render(bundle, base))};`,
    "",
    "/** The model driver (src/runtime/model-api.ts), embedded after RUNTIME_TEXT in modules that define a model. */",
    `export const MODEL_DRIVER_TEXT: string = ${templateLiteral(render(bundle, driver))};`,
    "",
    "/** The top-level names the two declare: a generated module's own names must differ from them. */",
    `export const RUNTIME_NAMES: readonly string[] = ${JSON.stringify(names)};`,
    "",
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(BUNDLE_PATH, bundleRuntime());
  console.log(`wrote ${relative(ROOT, BUNDLE_PATH)}`);
}
