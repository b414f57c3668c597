import { checkWritableTarget, readFileBytes } from "../../core/files.js";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CliContext } from "../context.js";
import { addDiagnosticOptions, type DiagnosticOptionValues } from "../diagnostic-options.js";
import { EXIT, EXIT_CODES_HELP } from "../exit-codes.js";
import { integerOption, parseDimsOption } from "../options.js";
import { readSourceFile } from "../read-source.js";
import { reportDiagnostics } from "../report.js";
import type { TrainSetup } from "../../train/train.js";

interface TrainOptionValues extends DiagnosticOptionValues {
  readonly data: string;
  readonly output: string;
  readonly cell?: string;
  readonly dims?: Record<string, number>;
  readonly epochs?: number;
  readonly iterations?: number;
  readonly steps: number;
  readonly batch: number;
  readonly val?: number;
  readonly tokens: "words" | "chars";
  readonly lr?: number;
  readonly optimizer: "adam" | "sgd";
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly clipNorm?: number;
  readonly clipValue?: number;
  readonly seed: number;
  readonly resume?: string;
  readonly log?: string;
  readonly saveEvery?: number;
  readonly dtype: "float32" | "float64";
  readonly backend?: "wasm" | "js";
  readonly threads?: number;
}

/** An option that must be a finite number ≥ min (or > min when `exclusive`), and < max when given. */
export function numberOption(what: string, min: number, exclusive = false, max?: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < min || (exclusive && n === min) || (max !== undefined && n >= max)) {
      throw new InvalidArgumentError(`${what} must be a number ${exclusive ? ">" : "≥"} ${min}${max !== undefined ? ` and < ${max}` : ""}, found \`${text}\`.`);
    }
    return n;
  };
}

/**
 * `rnnc train MODEL.rnn --data FILE -o W.safetensors`: trains the file's model on a text (a
 * character language model) or on JSON Lines of labelled sequences (a classifier, tagger or
 * regressor), with a progress bar, a validation split evaluated every epoch, a log, checkpoints and
 * --resume (src/train). Ctrl-C stops after the current step and saves (exit 130).
 */
export function registerTrain(program: Command, context: CliContext): void {
  const command = program
    .command("train")
    .description("train a model with a loss on a text (a character language model) or on JSON Lines of labelled sequences, and save its weights")
    .argument("<file>", "the .rnn source file: a model with a loss (examples/sentiment.rnn, examples/char_model.rnn), or a one-cell character model (examples/char_lstm.rnn)")
    .requiredOption("--data <file>", "a text (.txt: a character language model) or JSON Lines (.jsonl: {\"tokens\"|\"text\"|\"x\": …, \"label\"|\"y\": …} per line); see docs/training.md")
    .requiredOption("-o, --output <file.safetensors>", "where to write the weights (checkpoints too; the optimizer's state goes beside them in .state.safetensors)")
    .option("--cell <name>", "the model or cell (default: the file's first model, else its first cell)")
    .option("--dims <E=16,H=32>", "sizes of the dimensions the data does not fix (V, C, I, O are filled in from the data; default H=128, E=32)", parseDimsOption)
    .option("--epochs <N>", "train until N epochs are complete, counting a resumed run's (default: 10 for JSON Lines, one pass for a text)", integerOption("--epochs", 1))
    .option("--iterations <N>", "take at most N optimizer steps in this run", integerOption("--iterations", 1))
    .option("--batch <B>", "examples per batch (JSON Lines) or parallel streams (a text)", integerOption("--batch", 1), 16)
    .option("--steps <K>", "a text: steps per chunk (backpropagation is cut every K steps)", integerOption("--steps", 1), 32)
    .option("--val <fraction>", "the fraction held out for validation, evaluated every epoch (default 0.1 for JSON Lines, 0 for a text)", numberOption("--val", 0, false, 1))
    .addOption(new Option("--tokens <how>", "how \"text\" in JSON Lines is cut into tokens").choices(["words", "chars"]).default("words"))
    .addOption(new Option("--optimizer <name>", "the optimizer").choices(["adam", "sgd"]).default("adam"))
    .option("--lr <rate>", "learning rate (default 0.002 for adam, 0.1 for sgd)", numberOption("--lr", 0))
    .option("--momentum <mu>", "SGD momentum (default 0)", numberOption("--momentum", 0))
    .option("--weight-decay <lambda>", "L2 penalty added to the gradient (default 0)", numberOption("--weight-decay", 0))
    .option("--clip-norm <X>", "scale the gradients down to global L2 norm X when above it", numberOption("--clip-norm", 0, true))
    .option("--clip-value <X>", "clamp every gradient value into [-X, X]", numberOption("--clip-value", 0, true))
    .option("--seed <N>", "seed of the initial params, the validation split and the order of the batches", integerOption("--seed", 0), 0)
    .option("--resume <file.safetensors>", "go on from a checkpoint `rnnc train` wrote (same model, data and seed; optimizer state included)")
    .option("--log <file.jsonl>", "the per-epoch log, one JSON object per line (default: beside the weights, W.log.jsonl)")
    .option("--save-every <N>", "also write a checkpoint every N steps (one is written at every epoch's end)", integerOption("--save-every", 1))
    .addOption(new Option("--dtype <dtype>", "element type of params and kernels").choices(["float32", "float64"]).default("float32"))
    .addOption(new Option("--backend <backend>", "where the kernels run: wasm (WebAssembly SIMD, float32; the default) or js").choices(["wasm", "js"]))
    .option("--threads <N>", "worker threads of the wasm kernels (default 1); the weights come out the same for any number", integerOption("--threads", 1));
  addDiagnosticOptions(command)
    .addHelpText(
      "after",
      `\nExamples:\n  rnnc train examples/sentiment.rnn --data examples/data/sentiment.jsonl --dims E=16,H=32 --epochs 10 --batch 16 --lr 0.01 --val 0.1 --seed 1 -o sentiment.safetensors\n  rnnc train examples/char_model.rnn --data examples/data/alice.txt --dims E=16,H=64 --steps 32 --batch 8 --iterations 300 --lr 0.01 --clip-norm 5 -o alice.safetensors\n\n${EXIT_CODES_HELP}\n  130 stopped by Ctrl-C (the weights of the steps taken are saved)`,
    )
    .action(async (file: string, options: TrainOptionValues) => runTrain(context, file, options));
}

async function runTrain(context: CliContext, file: string, options: TrainOptionValues): Promise<void> {
  const source = await readSourceFile(file);
  if (!source.ok) return reportDiagnostics(context, [source.diagnostic], new Map(source.text === undefined ? [] : [[file, source.text]]), options);
  const data = await readSourceFile(options.data);
  if (!data.ok) return reportDiagnostics(context, [data.diagnostic], new Map(data.text === undefined ? [] : [[options.data, data.text]]), options);
  const { io } = context;
  // Refuse an output that cannot be written before training, not after it (a FileError: exit 1).
  checkWritableTarget(options.output);
  const resume = options.resume !== undefined ? { file: options.resume, bytes: readFileBytes(options.resume) } : undefined;
  const { train } = await import("../../train/train.js");
  const { ProgressMeter } = await import("../../train/progress.js");
  const { TrainInputError } = await import("../../train/errors.js");
  let interrupted = false;
  // Ctrl-C once: finish the step, save, exit 130. Twice: the user means it; leave without saving.
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    io.stderr("\ninterrupted: finishing the current step, then saving the weights (Ctrl-C again to quit without saving)\n");
  };
  process.on("SIGINT", onSigint);
  let meter: InstanceType<typeof ProgressMeter> | undefined;
  const clearBar = () => (meter !== undefined && io.stdoutIsTTY ? "\r\x1b[K" : "");
  try {
    const { result, diagnostics } = await train({
      file,
      source: source.text,
      ...(options.cell !== undefined ? { cell: options.cell } : {}),
      dataFile: options.data,
      data: Buffer.from(data.text, "utf8"),
      ...(options.dims !== undefined ? { dims: options.dims } : {}),
      steps: options.steps,
      batch: options.batch,
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
      ...(options.val !== undefined ? { val: options.val } : {}),
      tokenize: options.tokens,
      optimizer: {
        name: options.optimizer,
        ...(options.lr !== undefined ? { lr: options.lr } : {}),
        ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
        ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      },
      ...(options.clipNorm !== undefined ? { clipNorm: options.clipNorm } : {}),
      ...(options.clipValue !== undefined ? { clipValue: options.clipValue } : {}),
      seed: options.seed,
      dtype: options.dtype,
      ...(options.backend !== undefined ? { backend: options.backend } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      output: options.output,
      ...(options.log !== undefined ? { log: options.log } : {}),
      ...(options.saveEvery !== undefined ? { saveEvery: options.saveEvery } : {}),
      ...(resume !== undefined ? { resume } : {}),
      onStart: (s) => {
        io.stdout(`${header(s, options)}\n`);
        meter = new ProgressMeter(s.iterations, io.stdoutIsTTY, () => performance.now(), undefined, undefined, io.columns);
      },
      onProgress: (p) => {
        const text = meter?.update(p.iteration, p.loss);
        if (text !== undefined) io.stdout(text);
      },
      onEpoch: (e) => {
        const val = e.val === undefined ? "" : `  val loss ${e.val.loss.toFixed(4)}${e.val.accuracy === undefined ? "" : `  val accuracy ${(100 * e.val.accuracy).toFixed(1)}%`}`;
        io.stdout(`${clearBar()}epoch ${e.epoch}${e.epochs !== undefined ? `/${e.epochs}` : ""}  step ${e.step}  loss ${e.loss.toFixed(4)}${val}\n`);
      },
      shouldStop: () => interrupted,
    });
    if (diagnostics.length > 0) reportDiagnostics(context, diagnostics, new Map([[file, source.text]]), options);
    if (!result) return context.fail(EXIT.errors);
    if (result.diverged !== undefined) {
      io.stdout(clearBar());
      io.stderr(`error: ${result.diverged.message}\nkept the weights of the last good step (${result.position.step}) in ${options.output}\n`);
      return context.fail(EXIT.errors);
    }
    if (result.stopped) {
      if (io.stdoutIsTTY) io.stdout("\n");
      io.stderr(`stopped by Ctrl-C after ${result.losses.length} of ${result.iterations} iterations; saved the weights to ${options.output}\n`);
      return context.fail(EXIT.interrupted);
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
}

/** The line that says what the run is about to do. */
function header(s: TrainSetup, options: TrainOptionValues): string {
  const dims = Object.entries(s.dims).map(([k, v]) => `${k}=${v}`).join(", ");
  const from = s.resumedAt > 0 ? ` from iteration ${s.resumedAt} of ${options.resume}` : "";
  if (s.text !== undefined) {
    return `training ${s.cell} (${dims}) on ${s.text.characters} characters (${s.text.vocabSize} distinct${s.text.val > 0 ? `; the last ${s.text.val} held out for validation` : ""}): ${s.batchesPerEpoch} chunks of ${options.steps} steps × ${options.batch} streams per epoch, ${s.iterations} iterations${from}`;
  }
  const q = s.sequences!;
  const val = q.val > 0 ? ` (${q.val} more held out for validation${q.unknownInVal > 0 ? `; ${q.unknownInVal} of their tokens are unknown` : ""})` : "";
  const epochs = s.epochs !== undefined ? `${s.epochs} epochs, ` : "";
  return `training ${s.cell} (${dims}) on ${q.train} sequences of ${options.data}${val}: ${s.batchesPerEpoch} batches of up to ${options.batch} per epoch, ${epochs}${s.iterations} iterations${from}`;
}
