/**
 * The facts RESULTS.md records about the machine and the software measured: CPU model, cores, load,
 * Node version, installed package versions, date.
 */
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./rnnc-cli.js";

/** Packages whose installed versions the report lists. */
const PACKAGES = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
  "onnxruntime-node",
  "onnx-proto",
  "protobufjs",
  "tsx",
  "typescript",
] as const;

export interface Environment {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly packages: readonly { name: string; version: string }[];
  readonly date: string;
  readonly loadAverage: readonly number[];
}

/** CPU model from /proc/cpuinfo (falls back to Node's report off Linux). */
function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
    if (line !== undefined) return line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: use what Node reports
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** Version from node_modules/NAME/package.json, or "not installed". */
function installedVersion(name: string): string {
  const file = path.join(REPO_ROOT, "node_modules", name, "package.json");
  if (!existsSync(file)) return "not installed";
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "unknown";
}

/** Gathers the environment now. */
export function readEnvironment(): Environment {
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    node: process.version,
    packages: PACKAGES.map((name) => ({ name, version: installedVersion(name) })),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    loadAverage: os.loadavg(),
  };
}
