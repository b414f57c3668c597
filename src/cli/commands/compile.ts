import type { Command } from "commander";
import { writeFileAtomic } from "../../core/files.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { readSourceOrReport, reportDiagnostics } from "../report.js";

interface CompileOptionValues extends DiagnosticOptionValues {
  readonly output?: string;
  readonly cell?: string;
  readonly js?: boolean;
}

/** `rnnc compile FILE -o OUT.ts [--js]`: the TypeScript back end. */
export function registerCompile(program: Command, context: CliContext): void {
  const command = program
    .command("compile")
    .description("compile the cells of a .rnn file to a dependency-free TypeScript module (forward and backward-through-time kernels)")
    .argument("<file>", "the .rnn source file")
    .option("-o, --output <file>", "where to write the module (default: print it)")
    .option("--cell <name>", "compile only this cell (default: every cell of the file)")
    .option("--js", "write JavaScript (-o OUT.js or OUT.mjs) with its declarations beside it (OUT.d.ts or OUT.d.mts) instead of TypeScript");
  addDiagnosticOptions(command)
    .addHelpText("after", `\nExample:\n  rnnc compile examples/lstm.rnn -o lstm.ts\n\n${EXIT_CODES_HELP}`)
    .action(async (file: string, options: CompileOptionValues) => {
      const jsOut = options.js && options.output !== undefined ? /^(.*)\.(js|mjs)$/s.exec(options.output) : undefined;
      if (jsOut === null) {
        command.error(`error: with --js, -o must name the JavaScript file to write (ending in .js or .mjs; the declarations go beside it), found \`${options.output}\``, { exitCode: EXIT.usage, code: "rnnc.compile.output" });
      }
      const text = await readSourceOrReport(context, file, options);
      if (text === undefined) return;
      const { compileFile, selectUnits } = await import("../../compiler.js");
      const { emitUnits } = await import("../../backends/ts/compile.js");
      const front = compileFile(file, text);
      const selected = selectUnits(front, options.cell);
      const emitted = selected.units.length > 0 ? emitUnits(selected.units, file) : { diagnostics: [] };
      const result = { ...emitted, diagnostics: [...selected.diagnostics, ...emitted.diagnostics] };
      if (result.diagnostics.length > 0) reportDiagnostics(context, result.diagnostics, front.sources, options);
      if (result.code === undefined) return context.fail(EXIT.errors);
      if (!options.js) {
        if (options.output === undefined) context.io.stdout(result.code);
        else writeFileAtomic(options.output, result.code);
        return;
      }
      // Imported on first use: esbuild strips the types; the TypeScript compiler, which takes ~10×
      // longer to load, is needed only for the declarations written beside an output file.
      const { transpileModule } = await import("../../backends/ts/load.js");
      const js = transpileModule(result.code);
      if (options.output === undefined) return context.io.stdout(js);
      const { declarationsOf } = await import("../../backends/ts/declarations.js");
      const [, base, ext] = jsOut!;
      writeFileAtomic(`${base}.d.${ext === "mjs" ? "mts" : "ts"}`, declarationsOf(result.code));
      writeFileAtomic(options.output, js);
    });
}
