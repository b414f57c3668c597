import { UserError } from "../core/user-error.js";

/**
 * The training driver's one error type for a user's mistake (data too short for the batch, a
 * cell without a `loss` output, weights without a vocabulary): the message names the file,
 * option or tensor, what was expected and what was found. The CLI prints `message` alone and
 * exits 1; any other exception is a bug in rnnc.
 */
export class TrainInputError extends UserError {
  override readonly name = "TrainInputError";
}
