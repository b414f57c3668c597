import ts from "typescript";

/**
 * The generated module's declarations (.d.ts), for `rnnc compile --js -o`: TypeScript's
 * isolated-declarations emit, from the module's text alone and without type-checking — the
 * emitter annotates every export. Loading the TypeScript compiler is its cost (~0.3 s), so
 * only this needs it.
 */
export function declarationsOf(code: string, name = "module.ts"): string {
  const out = ts.transpileDeclaration(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, strict: true },
    fileName: name,
    reportDiagnostics: true,
  });
  const first = out.diagnostics?.[0];
  // A declaration that needs inference is a bug in the emitter, not the user's.
  if (first) throw new Error(`internal: the generated module's declarations need type inference: ${ts.flattenDiagnosticMessageText(first.messageText, " ")} (at offset ${first.start})`);
  return out.outputText;
}
