import type { Command } from "commander";
import { readFileBytes } from "../../core/files.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { integerOption } from "../options.js";
import { readSourceFile } from "../read-source.js";
import { reportDiagnostics } from "../report.js";
import { numberOption } from "./train.js";

interface SampleOptionValues extends DiagnosticOptionValues {
  readonly weights: string;
  readonly cell?: string;
  readonly length: number;
  readonly temperature: number;
  readonly prime?: string;
  readonly seed: number;
}

/**
 * `rnnc sample MODEL.rnn --weights W.safetensors`: text from a model trained by `rnnc train` whose
 * per-step output is a distribution over its input's ids (a character model, or any model reading
 * ids with an output of V scores), each drawn id fed back as the next input.
 */
export function registerSample(program: Command, context: CliContext): void {
  const command = program
    .command("sample")
    .description("generate a sequence with a model trained by `rnnc train` whose output is a distribution over its input's ids (a character model)")
    .argument("<file>", "the .rnn source file the weights were trained with")
    .requiredOption("--weights <file.safetensors>", "the weights `rnnc train` wrote (they carry the vocabulary: characters, words, or none for ids)")
    .option("--cell <name>", "the cell (default: the one named in the weights)")
    .option("--length <N>", "tokens (characters, words or ids) to generate after the prime", integerOption("--length", 0), 200)
    .option("--temperature <T>", "softmax temperature: lower is more conservative, 0 always picks the likeliest", numberOption("--temperature", 0), 0.8)
    .option("--prime <text>", "what the model reads first: text, or ids like \"4 17 9\" for a model trained on ids (default: a newline)")
    .option("--seed <N>", "seed of the random draws", integerOption("--seed", 0), 0);
  addDiagnosticOptions(command)
    .addHelpText("after", `\nExample:\n  rnnc sample examples/char_lstm.rnn --weights alice.safetensors --prime "Alice " --length 300\n\n${EXIT_CODES_HELP}`)
    .action(async (file: string, options: SampleOptionValues) => {
      const source = await readSourceFile(file);
      if (!source.ok) return reportDiagnostics(context, [source.diagnostic], new Map(source.text === undefined ? [] : [[file, source.text]]), options);
      const weights = readFileBytes(options.weights);
      const { sampleCharModel } = await import("../../train/sample-char.js");
      const { TrainInputError } = await import("../../train/errors.js");
      try {
        const result = await sampleCharModel({
          file,
          source: source.text,
          ...(options.cell !== undefined ? { cell: options.cell } : {}),
          weightsFile: options.weights,
          weights,
          length: options.length,
          temperature: options.temperature,
          ...(options.prime !== undefined ? { prime: options.prime } : {}),
          seed: options.seed,
        });
        if (result.diagnostics.length > 0) reportDiagnostics(context, result.diagnostics, new Map([[file, source.text]]), options);
        if (result.text === undefined) return context.fail(EXIT.errors);
        context.io.stdout(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
      } catch (error) {
        if (!(error instanceof TrainInputError)) throw error;
        context.io.stderr(`error: ${error.message}\n`);
        return context.fail(EXIT.errors);
      }
    });
}
