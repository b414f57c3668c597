import type { RegisterCommand } from "../context.js";
import { registerCheck } from "./check.js";

/**
 * The subcommands of `rnnc`, in the order `--help` lists them. Add `compile`, `ir`, `gradcheck`,
 * `onnx`, `init` … as one file each beside `check.ts` and one line here.
 */
export const COMMANDS: readonly RegisterCommand[] = [registerCheck];
