import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The runtime the generated modules need (matrix products, scalar functions, argument
 * checks, seeded initializers, safetensors, optimizers), as source text to embed: the generated module
 * must not depend on rnnc. The files in runtime/ have no imports, so their text stands alone;
 * `export` is dropped so they stay private to the generated module.
 */
const RUNTIME_FILES = ["math.ts", "gemm.ts", "checks.ts", "random.ts", "safetensors.ts", "optim.ts", "wasm-heap.ts", "wasm-threads.ts"] as const;

/** The model driver, embedded only in modules that define a model. */
const MODEL_FILES = ["model.ts"] as const;

const cached = new Map<string, string>();

function embed(files: readonly string[]): string {
  const key = files.join(",");
  let text = cached.get(key);
  if (text === undefined) {
    text = files
      .map((f) => {
        const path = fileURLToPath(new URL(`../../runtime/${f}`, import.meta.url));
        // Imports between runtime files are for type-checking them here; embedded, they sit side by side.
        const body = readFileSync(path, "utf8")
          .replace(/^import [^;]*;\n/gm, "")
          .replace(/^export (?=(function|const|type|interface|class) )/gm, "");
        return `// ---- runtime/${f} ----\n${body.trim()}\n`;
      })
      .join("\n");
    cached.set(key, text);
  }
  return text;
}

export function runtimeText(options: { models?: boolean } = {}): string {
  return embed(options.models ? [...RUNTIME_FILES, ...MODEL_FILES] : RUNTIME_FILES);
}
