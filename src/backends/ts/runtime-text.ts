import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The runtime the generated modules need (matrix products, scalar functions, argument
 * checks, seeded initializers, safetensors, optimizers), as source text to embed: the generated module
 * must not depend on rnnc. The files in runtime/ have no imports, so their text stands alone;
 * `export` is dropped so they stay private to the generated module.
 */
const RUNTIME_FILES = ["math.ts", "gemm.ts", "checks.ts", "random.ts", "safetensors.ts", "optim.ts"] as const;

let cached: string | undefined;

export function runtimeText(): string {
  if (cached === undefined) {
    cached = RUNTIME_FILES.map((f) => {
      const path = fileURLToPath(new URL(`./runtime/${f}`, import.meta.url));
      const text = readFileSync(path, "utf8").replace(/^export (?=(function|const|type|interface|class) )/gm, "");
      return `// ---- runtime/${f} ----\n${text.trim()}\n`;
    }).join("\n");
  }
  return cached;
}
