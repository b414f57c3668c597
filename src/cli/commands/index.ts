import type { RegisterCommand } from "../context.js";
import { registerCheck } from "./check.js";
import { registerCompile } from "./compile.js";
import { registerGradcheck } from "./gradcheck.js";
import { registerInit } from "./init.js";
import { registerIr } from "./ir.js";
import { registerOnnx } from "./onnx.js";
import { registerSample } from "./sample.js";
import { registerTrain } from "./train.js";

/**
 * The subcommands of `rnnc`, in the order `--help` lists them: one file each beside `check.ts`
 * and one line here.
 */
export const COMMANDS: readonly RegisterCommand[] = [registerCheck, registerCompile, registerIr, registerGradcheck, registerInit, registerOnnx, registerTrain, registerSample];
