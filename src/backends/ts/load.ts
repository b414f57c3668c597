import { transformSync } from "esbuild";

/**
 * The generated module as JavaScript: with `--js`, and to run a module inside the compiler
 * (gradcheck, training, the demo). Type erasure only — the module has no imports, so a
 * single-file transform is exact — done by esbuild (a native binary: ~30 ms, where loading the
 * TypeScript compiler takes ~10× that). The declarations (.d.ts) are declarations.ts's.
 */
export function transpileModule(code: string): string {
  const js = transformSync(code, { loader: "ts", format: "esm", target: "es2022", charset: "utf8" }).code;
  // The transform drops the file's leading comments; the header says what generated the file.
  const header = code.match(/^(\/\/ [^\n]*\n)+/)?.[0] ?? "";
  return header + js;
}

/** Imports a generated module from its source text (through a data: URL). */
export async function loadGeneratedModule(code: string): Promise<Record<string, unknown>> {
  const bytes = new TextEncoder().encode(transpileModule(code));
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const url = `data:text/javascript;base64,${btoa(binary)}`;
  return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
}
