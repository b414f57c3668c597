import type { RunPosition } from "./checkpoint.js";
import type { Evaluation, TrainingData } from "./data/dataset.js";
import { DivergedError, type TbpttTrainer, type TrainableCell } from "./trainer.js";

/** The end of an epoch: its mean training loss and the validation split's evaluation. */
export interface EpochReport {
  /** 1-based. */
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly val?: Evaluation;
}

export interface LoopOptions {
  readonly trainer: TbpttTrainer;
  readonly unit: TrainableCell;
  readonly data: TrainingData;
  readonly start: RunPosition;
  /** Stop once this many epochs are complete in all (undefined: no limit). */
  readonly epochs?: number;
  /** Stop after this many steps of this run (undefined: no limit). */
  readonly maxSteps?: number;
  /** Also save every this many steps (besides each epoch's end). */
  readonly saveEvery?: number;
  /** Writes a checkpoint of the trainer's params and state at `position`. */
  readonly save: (position: RunPosition) => void;
  readonly onStep?: (step: { readonly taken: number; readonly loss: number; readonly gradNorm: number }) => void;
  readonly onEpoch?: (report: EpochReport) => void;
  readonly shouldStop?: () => boolean;
}

export interface LoopResult {
  readonly position: RunPosition;
  /** Each step's loss, in order. */
  readonly losses: readonly number[];
  /** True when `shouldStop` ended the run early. */
  readonly stopped: boolean;
  /** Set when a NaN or infinite loss or gradient stopped the run; the saved checkpoint is the step before. */
  readonly diverged?: DivergedError;
}

/**
 * The training loop: batch after batch of the epochs, one `trainer.step` each; at each epoch's
 * end the validation split is evaluated and a checkpoint saved. Every batch is a function of its
 * (epoch, index), and the position, optimizer and carried state go into each checkpoint, so a run
 * resumed from one takes exactly the steps the uninterrupted run took. A diverging step saves the
 * last good checkpoint and ends the loop. Yields to the event loop between steps (for Ctrl-C).
 */
export async function runLoop(options: LoopOptions): Promise<LoopResult> {
  const { trainer, data } = options;
  let position = options.start;
  let saved = -1;
  const losses: number[] = [];
  let stopped = false;
  const save = () => {
    if (saved !== position.step) options.save(position);
    saved = position.step;
  };
  while ((options.epochs === undefined || position.epoch < options.epochs) && (options.maxSteps === undefined || losses.length < options.maxSteps)) {
    if (options.shouldStop?.() === true) {
      stopped = true;
      break;
    }
    let result: { loss: number; gradNorm: number };
    try {
      result = trainer.step(data.batch(position.epoch, position.batch));
    } catch (error) {
      if (!(error instanceof DivergedError)) throw error;
      saved = -1;
      save();
      return { position, losses, stopped: false, diverged: error };
    }
    losses.push(result.loss);
    position = { step: position.step + 1, epoch: position.epoch, batch: position.batch + 1, epochLoss: position.epochLoss + result.loss };
    options.onStep?.({ taken: losses.length, loss: result.loss, gradNorm: result.gradNorm });
    if (position.batch === data.batchesPerEpoch) {
      const val = data.validate?.(options.unit, trainer.params);
      options.onEpoch?.({ epoch: position.epoch + 1, step: position.step, loss: position.epochLoss / data.batchesPerEpoch, ...(val !== undefined ? { val } : {}) });
      position = { step: position.step, epoch: position.epoch + 1, batch: 0, epochLoss: 0 };
      save();
    } else if (options.saveEvery !== undefined && position.step % options.saveEvery === 0) {
      save();
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  save();
  return { position, losses, stopped };
}
