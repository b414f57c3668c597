import { adam, sgd, type ResumableOptimizer } from "../runtime/optim.js";
import { TrainInputError } from "./errors.js";

export type OptimizerName = "adam" | "sgd";

export interface OptimizerChoice {
  readonly name: OptimizerName;
  /** Default: 0.002 for Adam (char-rnn's), 0.1 for SGD. */
  readonly lr?: number;
  /** SGD only. */
  readonly momentum?: number;
  readonly weightDecay?: number;
}

/** The learning rate used when none is given. */
export function defaultLearningRate(name: OptimizerName): number {
  return name === "adam" ? 0.002 : 0.1;
}

/** The optimizer a training run asked for; a bad value is a TrainInputError naming the option. */
export function makeOptimizer(choice: OptimizerChoice): ResumableOptimizer {
  const lr = choice.lr ?? defaultLearningRate(choice.name);
  try {
    if (choice.name === "adam") {
      if (choice.momentum !== undefined) throw new TrainInputError("--momentum applies to --optimizer sgd only (Adam's moments are --beta1/--beta2 defaults 0.9/0.999)");
      return adam({ lr, ...(choice.weightDecay !== undefined ? { weightDecay: choice.weightDecay } : {}) });
    }
    return sgd({ lr, ...(choice.momentum !== undefined ? { momentum: choice.momentum } : {}), ...(choice.weightDecay !== undefined ? { weightDecay: choice.weightDecay } : {}) });
  } catch (e) {
    if (e instanceof TrainInputError) throw e;
    // The optimizer names its option (`adam: lr must be a finite number ≥ 0, received -1`): say it as the flag.
    throw new TrainInputError((e as Error).message.replace(/^(adam|sgd): (lr|momentum|weightDecay)/, (_m, _o, k: string) => `--${k === "weightDecay" ? "weight-decay" : k}`));
  }
}
