import { InvalidArgumentError, Option, type Command } from "commander";
import { checkWritableTarget, readFileBytes } from "../../core/files.js";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP, type ExitCode } from "../exit-codes.js";
import { integerOption, parseDimsOption } from "../options.js";
import { readSourceFile } from "../read-source.js";
import { reportDiagnostics } from "../report.js";

interface TrainOptionValues extends DiagnosticOptionValues {
  readonly data: string;
  readonly output: string;
  readonly cell?: string;
  readonly dims?: Record<string, number>;
  readonly steps: number;
  readonly batch: number;
  readonly iterations?: number;
  readonly lr?: number;
  readonly optimizer: "adam" | "sgd";
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  readonly seed: number;
  readonly resume?: string;
  readonly dtype: "float32" | "float64";
}

/** 128 + SIGINT (2): the shell's code for a process stopped by Ctrl-C. Only `train` can be interrupted and still succeed in part. */
const EXIT_INTERRUPTED = EXIT.interrupted;

/** An option that must be a finite number ≥ min (or > min when `exclusive`). */
export function numberOption(what: string, min: number, exclusive = false): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < min || (exclusive && n === min)) {
      throw new InvalidArgumentError(`${what} must be a number ${exclusive ? ">" : "≥"} ${min}, found \`${text}\`.`);
    }
    return n;
  };
}

/**
 * `rnnc train MODEL.rnn --data TEXT -o W.safetensors`: trains a character-level language model
 * cell by truncated backpropagation through time (src/train), with a progress bar; Ctrl-C stops
 * after the current step and saves the weights (exit 130).
 */
export function registerTrain(program: Command, context: CliContext): void {
  const command = program
    .command("train")
    .description("train a character-level language model on a text (truncated BPTT) and save its weights")
    .argument("<file>", "the .rnn source file: a model like examples/char_model.rnn, or a cell like examples/char_lstm.rnn")
    .requiredOption("--data <file>", "the training text (UTF-8); its distinct characters are the vocabulary, V")
    .requiredOption("-o, --output <file.safetensors>", "where to write the weights (with the vocabulary in the metadata)")
    .option("--cell <name>", "the model or cell (default: the file's first model, else its first cell)")
    .option("--dims <H=128>", "sizes of the dimensions other than V (default H=128, E=32)", parseDimsOption)
    .option("--steps <K>", "steps per chunk: backpropagation is cut every K steps", integerOption("--steps", 1), 32)
    .option("--batch <B>", "parallel streams the text is cut into", integerOption("--batch", 1), 16)
    .option("--iterations <N>", "optimizer steps (default: one pass over the text)", integerOption("--iterations", 1))
    .addOption(new Option("--optimizer <name>", "the optimizer").choices(["adam", "sgd"]).default("adam"))
    .option("--lr <rate>", "learning rate (default 0.002 for adam, 0.1 for sgd)", numberOption("--lr", 0))
    .option("--momentum <mu>", "SGD momentum (default 0)", numberOption("--momentum", 0))
    .option("--weight-decay <lambda>", "L2 penalty added to the gradient (default 0)", numberOption("--weight-decay", 0))
    .option("--clip-norm <X>", "scale the gradients down to global L2 norm X when above it", numberOption("--clip-norm", 0, true))
    .option("--clip-value <X>", "clamp every gradient value into [-X, X]", numberOption("--clip-value", 0, true))
    .option("--seed <N>", "seed of the initial params (the data order is fixed)", integerOption("--seed", 0), 0)
    .option("--resume <file.safetensors>", "continue from weights `rnnc train` wrote on the same text (the optimizer's state starts afresh)")
    .addOption(new Option("--dtype <dtype>", "element type of params and kernels").choices(["float32", "float64"]).default("float32"));
  addDiagnosticOptions(command)
    .addHelpText(
      "after",
      `\nExample:\n  rnnc train examples/char_model.rnn --data examples/data/alice.txt --dims E=16,H=64 --steps 32 --batch 8 --iterations 300 --lr 0.01 --clip-norm 5 -o alice.safetensors\n\n${EXIT_CODES_HELP}\n  130 stopped by Ctrl-C (the weights of the steps taken are saved)`,
    )
    .action(async (file: string, options: TrainOptionValues) => {
      const source = await readSourceFile(file);
      if (!source.ok) return reportDiagnostics(context, [source.diagnostic], new Map(source.text === undefined ? [] : [[file, source.text]]), options);
      const data = await readSourceFile(options.data);
      if (!data.ok) return reportDiagnostics(context, [data.diagnostic], new Map(data.text === undefined ? [] : [[options.data, data.text]]), options);
      // Refuse an output that cannot be written before training, not after it.
      checkWritableTarget(options.output);
      const resume = options.resume !== undefined ? { file: options.resume, bytes: readFileBytes(options.resume) } : undefined;
      const { trainCharModel, saveCharModel } = await import("../../train/train-char.js");
      const { ProgressMeter } = await import("../../train/progress.js");
      const { TrainInputError } = await import("../../train/errors.js");
      const { io } = context;
      let interrupted = false;
      // Ctrl-C once: finish the step, save, exit 130. Twice: the user means it; leave without saving.
      const onSigint = () => {
        if (interrupted) process.exit(EXIT_INTERRUPTED);
        interrupted = true;
        io.stderr("\ninterrupted: finishing the current step, then saving the weights (Ctrl-C again to quit without saving)\n");
      };
      process.on("SIGINT", onSigint);
      let meter: InstanceType<typeof ProgressMeter> | undefined;
      try {
        const result = await trainCharModel({
          file,
          source: source.text,
          ...(options.cell !== undefined ? { cell: options.cell } : {}),
          data: data.text,
          ...(options.dims !== undefined ? { dims: options.dims } : {}),
          steps: options.steps,
          batch: options.batch,
          ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
          optimizer: {
            name: options.optimizer,
            ...(options.lr !== undefined ? { lr: options.lr } : {}),
            ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
            ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
          },
          ...(options.clipNorm !== undefined ? { clipNorm: options.clipNorm } : {}),
          ...(options.clipValue !== undefined ? { clipValue: options.clipValue } : {}),
          seed: options.seed,
          ...(resume !== undefined ? { resume } : {}),
          dtype: options.dtype,
          onStart: (s) => {
            const dims = Object.entries(s.dims).map(([k, v]) => `${k}=${v}`).join(", ");
            const from = s.resumedAt > 0 ? ` from iteration ${s.resumedAt} of ${options.resume}` : "";
            io.stdout(`training ${s.cell} (${dims}) on ${s.characters} characters (${s.vocabSize} distinct): ${s.chunksPerEpoch} chunks of ${options.steps} steps × ${options.batch} streams per epoch, ${s.iterations} iterations${from}\n`);
            meter = new ProgressMeter(s.iterations, io.stdoutIsTTY, () => performance.now());
          },
          onProgress: (p) => {
            const text = meter?.update(p.iteration, p.loss);
            if (text !== undefined) io.stdout(text);
          },
          shouldStop: () => interrupted,
        });
        if (result.diagnostics.length > 0) reportDiagnostics(context, result.diagnostics, new Map([[file, source.text]]), options);
        const model = result.model;
        if (!model) return context.fail(EXIT.errors);
        saveCharModel(options.output, model);
        if (model.stopped) {
          if (io.stdoutIsTTY) io.stdout("\n");
          io.stderr(`stopped by Ctrl-C after ${model.losses.length} of ${model.iterations} iterations; saved the weights to ${options.output}\n`);
          return context.fail(EXIT_INTERRUPTED);
        }
        io.stdout(`saved ${options.output}\n`);
      } catch (error) {
        if (!(error instanceof TrainInputError)) throw error;
        if (meter !== undefined && io.stdoutIsTTY) io.stdout("\n");
        io.stderr(`error: ${error.message}\n`);
        return context.fail(EXIT.errors);
      } finally {
        process.off("SIGINT", onSigint);
      }
    });
}
