/**
 * Where /usr/bin/python3 finds PyTorch for the benchmark. Debian's python3-torch 1.13 (and OpenBLAS, which
 * it needs to be fast: see bench/README.md) may be installed system-wide, or only unpacked with
 * `apt-get download` + `dpkg -x` under /tmp/torchroot and /tmp/openblasroot. In the second case the
 * interpreter needs PYTHONPATH and LD_LIBRARY_PATH pointed at them, OpenBLAS first so that torch's
 * `libblas.so.3` resolves to it rather than to netlib's reference BLAS.
 * (libtorch also needs libnl-3 / libnl-route-3, which this machine lacks: their Debian packages unpacked
 * into /tmp/torchroot put them under lib/x86_64-linux-gnu, hence that folder in the list below.)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The interpreter the benchmark runs PyTorch scripts with. */
export const PYTHON = "/usr/bin/python3";

const TORCH_ROOT = "/tmp/torchroot";
const OPENBLAS_ROOT = "/tmp/openblasroot";

/** Library folders inside the unpacked roots, in search order (OpenBLAS first). */
const UNPACKED_LIBRARY_DIRS = [
  `${OPENBLAS_ROOT}/usr/lib/x86_64-linux-gnu/openblas-pthread`,
  `${TORCH_ROOT}/usr/lib/x86_64-linux-gnu`,
  `${TORCH_ROOT}/usr/lib`,
  `${TORCH_ROOT}/lib/x86_64-linux-gnu`,
];

function joinPath(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== "").join(":");
}

/**
 * The environment for a PyTorch child process: the current one, plus the unpacked roots when they exist
 * (an existing PYTHONPATH / LD_LIBRARY_PATH is kept, after them).
 */
export function torchEnv(): NodeJS.ProcessEnv {
  const sitePackages = `${TORCH_ROOT}/usr/lib/python3/dist-packages`;
  if (!existsSync(`${sitePackages}/torch`)) return { ...process.env };
  const libs = UNPACKED_LIBRARY_DIRS.filter((d) => existsSync(d));
  return {
    ...process.env,
    PYTHONPATH: joinPath(sitePackages, process.env.PYTHONPATH),
    LD_LIBRARY_PATH: joinPath(...libs, process.env.LD_LIBRARY_PATH),
  };
}

let torchCheck: string | null | undefined; // undefined: not checked; null: usable; string: why not

/** Null when `import torch` works in {@link PYTHON} with {@link torchEnv}, else why not, as one line. */
export function torchUnavailableReason(): string | null {
  if (torchCheck === undefined) {
    const res = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", env: torchEnv() });
    const last = (res.stderr ?? "").trim().split("\n").pop() ?? "";
    torchCheck =
      res.error !== undefined
        ? `${PYTHON} cannot be run (${res.error.message})`
        : res.status !== 0
          ? `${PYTHON} cannot import torch (${last || "Debian's python3-torch is not installed"})`
          : null;
  }
  return torchCheck;
}
