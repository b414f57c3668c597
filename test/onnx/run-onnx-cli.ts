import { registerOnnx } from "../../src/cli/commands/onnx.js";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

/** Runs `rnnc onnx …` in process (only the onnx command registered) and captures what it prints. */
export async function runOnnxCli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stdoutIsTTY: false, env: {} };
  const status = await main(["node", "rnnc", ...args], io, [registerOnnx]);
  return { status, stdout: out.join(""), stderr: err.join("") };
}
