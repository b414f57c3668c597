/**
 * Files the compiler writes and reads on the user's behalf. Every failure becomes a `FileError`
 * naming the path and the reason in words (`cannot write out/lstm.ts: permission denied`), never
 * Node's errno text or a stack; the CLI prints it and exits 1. An output's folder is created when it
 * is missing (as `rnnc compile -o out/lstm.ts` always did, for every command). Writes are atomic: the
 * bytes go to a temporary file beside the target, which is then renamed over it, so an interrupted
 * or failed command never leaves a torn output (and never clobbers a good one).
 */
import { UserError } from "./user-error.js";

/** A file the user named cannot be read or written; `message` says which and why. */
export class FileError extends UserError {
  override readonly name = "FileError";
  constructor(
    readonly path: string,
    readonly verb: "read" | "write",
    readonly reason: string,
  ) {
    super(`cannot ${verb} ${path}: ${reason}`);
  }
}

/** The few file-system calls the writer makes (a parameter, so tests can make them fail). */
export interface WriteFs {
  statSync(path: string): { isDirectory(): boolean };
  mkdirSync(path: string, options: { recursive: true }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, data: Uint8Array): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}

/** Node's `fs`, taken at run time (the core imports no Node built-in; see host.ts), or undefined outside Node. */
function hostWriteFs(): (WriteFs & { readFileSync(path: string): Uint8Array }) | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.("node:fs") as (WriteFs & { readFileSync(path: string): Uint8Array }) | undefined;
}

function requireFs(path: string, verb: "read" | "write") {
  const fs = hostWriteFs();
  if (fs === undefined) throw new FileError(path, verb, "there is no file system here");
  return fs;
}

/** The folder of a path, as node:path's dirname (either separator; "." for a bare name). */
function dirname(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  const i = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  if (i < 0) return ".";
  return i === 0 ? trimmed[0]! : trimmed.slice(0, i);
}

function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  return trimmed.slice(Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\")) + 1);
}

let temporaryCounter = 0;

/**
 * Writes `data` to `path` atomically (a temporary file in the same folder, flushed, then renamed
 * over `path`). Throws `FileError` for every file-system failure; the temporary file is removed.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, fs: WriteFs = requireFs(path, "write")): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const folder = dirname(path);
  if (isDirectory(fs, path)) throw new FileError(path, "write", "it is a directory");
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const temporary = `${folder}/.${basename(path)}.${pid}.${temporaryCounter++}.tmp`;
  let fd: number | undefined;
  try {
    fs.mkdirSync(folder, { recursive: true });
    fd = fs.openSync(temporary, "wx", 0o644);
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes.subarray(done));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) ignoreErrors(() => fs.closeSync(fd!));
    ignoreErrors(() => fs.rmSync(temporary, { force: true }));
    throw new FileError(path, "write", describeFsError(error, folder));
  }
}

/**
 * Refuses, before any work, a target `writeFileAtomic` would fail on for certain: a directory, or a
 * path under something that is not a folder (a long `rnnc train` should not fail at the end).
 */
export function checkWritableTarget(path: string): void {
  const nodeFs = requireFs(path, "write");
  if (isDirectory(nodeFs, path)) throw new FileError(path, "write", "it is a directory");
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    if (exists(nodeFs, folder)) {
      if (!isDirectory(nodeFs, folder)) throw new FileError(path, "write", `${folder} is not a folder`);
      return;
    }
    if (dirname(folder) === folder) return;
  }
}

/** The bytes of a file the user named; `FileError` (`cannot read …: no such file or directory`) if it cannot be read. */
export function readFileBytes(path: string): Uint8Array {
  const fs = requireFs(path, "read");
  try {
    return fs.readFileSync(path);
  } catch (error) {
    throw new FileError(path, "read", describeFsError(error, dirname(path)));
  }
}

/**
 * A failed file operation in words, without Node's errno prefix or a stack. `folder` is the folder
 * the file is (or would be) in, named when it is the folder that is missing.
 */
export function describeFsError(error: unknown, folder?: string): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const reason = FS_REASONS[code];
  const fs = hostWriteFs();
  if (code === "ENOENT" && folder !== undefined && folder !== "." && fs !== undefined && !exists(fs, folder)) return `its folder ${folder} does not exist`;
  if (reason !== undefined) return reason;
  const message = error instanceof Error ? error.message : String(error);
  // Node says `EXDEV: cross-device link not permitted, rename 'a' -> 'b'`: keep the words, not the call.
  return code !== "" && message.startsWith(`${code}: `) ? `${message.slice(code.length + 2).split(", ")[0]} (${code})` : message;
}

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "a part of the path is not a directory",
  ENAMETOOLONG: "the file name is too long",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EIO: "an input/output error occurred on the device",
  EFBIG: "the file is too large",
  EMFILE: "too many files are open",
  ELOOP: "too many levels of symbolic links",
  EBUSY: "the file is busy",
};

function isDirectory(fs: Pick<WriteFs, "statSync">, path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(fs: Pick<WriteFs, "statSync">, path: string): boolean {
  try {
    fs.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function ignoreErrors(f: () => void): void {
  try {
    f();
  } catch {
    // Cleaning up after a failure: the first error is the one to report.
  }
}
