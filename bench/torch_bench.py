"""PyTorch peer of the rnnc benchmark (called by bench/systems/torch.ts; not run on its own).

Usage: python3 torch_bench.py CONFIG.json

CONFIG names a directory holding raw little-endian float32 files (W_ih, W_hh, b_ih, b_hh, x, R) and says
the cell, the sizes, the modes and the repetition plan. The script writes the outputs (and dLoss/dW_hh for
fwd+bwd, loss = sum(outputs * R)) back to that directory for the correctness check, times each mode on one
thread, and prints one JSON object on stdout: torch version, BLAS configuration, samples in ms per mode.
"""
import array
import json
import os
import re
import sys
import time

# One thread everywhere, set before torch loads its BLAS: torch.set_num_threads does not reach a BLAS it
# was not built against (Debian's build says BLAS_INFO=generic and takes whatever libblas.so.3 resolves to).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402  (after the thread settings above)


def read_f32(directory, name, shape):
    with open(os.path.join(directory, name + ".f32"), "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=torch.float32).reshape(shape).clone()


def write_f32(directory, name, tensor):
    values = array.array("f", tensor.detach().contiguous().reshape(-1).tolist())
    with open(os.path.join(directory, name + ".f32"), "wb") as f:
        f.write(values.tobytes())


def time_repeated(fn, plan):
    for _ in range(plan["warmup"]):  # fewer when one run takes half the budget (as bench/stats.ts does)
        t0 = time.perf_counter()
        fn()
        if (time.perf_counter() - t0) * 1000.0 > plan["budgetMs"] / 2:
            break
    wall, cpu, spent = [], [], 0.0
    while len(wall) < plan["maxReps"] and (len(wall) < plan["minReps"] or spent < plan["budgetMs"]):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        dt = (time.perf_counter() - t0) * 1000.0
        cpu.append((time.process_time() - c0) * 1000.0)
        wall.append(dt)
        spent += dt
    return {"wall": wall, "cpu": cpu}


def blas_lines():
    """Which BLAS torch was built for and which one it actually loaded (the libraries mapped into this
    process after the benchmark ran), plus whether oneDNN (MKL-DNN) is in the build."""
    config = torch.__config__.show()
    settings = re.findall(r"\b(?:BLAS_INFO|LAPACK_INFO|USE_MKLDNN|USE_OPENMP)=[^,\s]*", config)
    settings += [m.strip() for m in re.findall(r"CPU capability usage: *[^\n]*", config)]
    loaded = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if any(k in name.lower() for k in ("blas", "mkl", "dnnl", "lapack")):
                    loaded.add(os.path.realpath(path))
    except OSError:
        pass
    return settings + ["loaded: " + ", ".join(sorted(loaded)) if loaded else "loaded: no BLAS library mapped"]


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    d, I, H, B, T = cfg["dir"], cfg["I"], cfg["H"], cfg["B"], cfg["T"]
    G = 4 if cfg["cell"] == "LSTM" else 3
    rnn = (torch.nn.LSTM if cfg["cell"] == "LSTM" else torch.nn.GRU)(I, H)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(read_f32(d, "W_ih", (G * H, I)))
        rnn.weight_hh_l0.copy_(read_f32(d, "W_hh", (G * H, H)))
        rnn.bias_ih_l0.copy_(read_f32(d, "b_ih", (G * H,)))
        rnn.bias_hh_l0.copy_(read_f32(d, "b_hh", (G * H,)))
    x = read_f32(d, "x", (T, B, I))
    R = read_f32(d, "R", (T, B, H))

    def forward():
        with torch.no_grad():
            return rnn(x)[0]

    def forward_backward():
        rnn.zero_grad(set_to_none=True)
        xg = x.detach().requires_grad_(True)
        y = rnn(xg)[0]
        (y * R).sum().backward()
        return y

    samples = {}
    for mode in cfg["modes"]:
        if mode == "fwd":
            write_f32(d, "out_fwd_h", forward())
            samples[mode] = time_repeated(forward, cfg["plan"])
        else:
            write_f32(d, "out_bwd_h", forward_backward())
            write_f32(d, "out_bwd_gWhh", rnn.weight_hh_l0.grad)
            samples[mode] = time_repeated(forward_backward, cfg["plan"])
    print(json.dumps({"torch": torch.__version__, "blas": blas_lines(), "threads": torch.get_num_threads(),
                      "samples": samples}))


if __name__ == "__main__":
    main()
