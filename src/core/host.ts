/**
 * The host's file system, for a compiler that must not depend on Node: taken at run time through
 * `process.getBuiltinModule` (Node ≥ 20.16), never imported, so a bundle for the browser carries
 * no `node:` import. Elsewhere it is absent and only the `read` function a caller passes is used.
 */

interface HostFs {
  readFileSync(path: string | URL): Uint8Array;
}

/** Node's `fs`, or undefined outside Node. */
export function hostFs(): HostFs | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.("node:fs") as HostFs | undefined;
}

/** Reads a file as strict UTF-8 text from the host's disk, or says why it cannot be (a short reason, no stack). */
export function readHostText(path: string): { text: string } | { error: string } {
  const fs = hostFs();
  if (fs === undefined) return { error: "there is no file system here: pass a `read` function to the compiler" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(fs.readFileSync(path)) };
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "";
    if (code === "ENOENT") return { error: "no such file" };
    if (code === "EISDIR") return { error: "it is a directory" };
    if (code === "EACCES") return { error: "permission denied" };
    if (e instanceof TypeError) return { error: "the file is not valid UTF-8" };
    return { error: code || "it cannot be read" };
  }
}
