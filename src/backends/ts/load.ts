import ts from "typescript";
import { Project, ts as morphTs } from "ts-morph";

/**
 * The generated module as JavaScript: with `--js`, and to run a module inside the compiler
 * (gradcheck, the demo) without writing temporary files. Type erasure only: the module has
 * no imports, so a single-file transpile is exact.
 */
export function transpileModule(code: string): string {
  const js = ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
  }).outputText;
  // The transpiler drops the file's leading comments; the header says what generated the file.
  const header = code.match(/^(\/\/ [^\n]*\n)+/)?.[0] ?? "";
  return header + js;
}

/** The module's declarations (.d.ts), for `rnnc compile --js`. */
export function declarationsOf(code: string, name = "module.ts"): string {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { declaration: true, emitDeclarationOnly: true, target: morphTs.ScriptTarget.ES2022, module: morphTs.ModuleKind.ESNext, strict: true, skipLibCheck: true },
  });
  project.createSourceFile(`/${name}`, code);
  const out = project.emitToMemory({ emitOnlyDtsFiles: true }).getFiles();
  const dts = out.find((f) => f.filePath.endsWith(".d.ts"));
  if (!dts) throw new Error("internal: no declarations were emitted");
  return dts.text;
}

/** Imports a generated module from its source text (through a data: URL). */
export async function loadGeneratedModule(code: string): Promise<Record<string, unknown>> {
  const js = transpileModule(code);
  const url = `data:text/javascript;base64,${Buffer.from(js, "utf8").toString("base64")}`;
  return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
}
