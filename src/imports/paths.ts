/**
 * Import paths without `node:path`: '/'-separated (a '\' is read as '/'), `.` and `..` resolved
 * lexically. A path relative to the importing file stays relative, so an in-memory file system
 * keyed by such paths sees the names it was given.
 */

/** The folder of a file: `a/b.rnn` → `a`, `b.rnn` → `.`. */
export function dirnameOf(path: string): string {
  const p = path.replace(/\\/g, "/");
  const i = p.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : p.slice(0, i);
}

/** `dir` and `rel` joined and normalized (`a/./b/../c` → `a/c`; a leading `..` that cannot go up stays). */
export function joinPath(dir: string, rel: string): string {
  const joined = `${dir}/${rel}`.replace(/\\/g, "/");
  const absolute = joined.startsWith("/");
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part !== ".." || !absolute) parts.push(part);
  }
  const body = parts.join("/");
  return absolute ? `/${body}` : body || ".";
}

/** One name per file however it was reached (`./a.rnn`, `b/../a.rnn` → `a.rnn`). */
export function normalizePath(path: string): string {
  return joinPath(".", path);
}
