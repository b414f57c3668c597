"""PyTorch peer of bench/models.ts (not run on its own).

Usage: python3 torch_models.py CONFIG.json

CONFIG names a directory of raw little-endian float32 files: every param of the model under PyTorch's name
(weight_ih_l0, …), x [T, B, I] and R [T, B, D·H]. The script builds torch.nn.LSTM(num_layers=…) or
torch.nn.GRU(bidirectional=…), writes its output y and d(sum(y ⊙ R))/d weight_hh_l0 back for the
correctness check, times forward and forward+backward on one thread, and prints one JSON object: samples in
ms per mode.
"""
import array
import json
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402

torch.set_num_threads(1)


def read_f32(directory, name, shape):
    with open(os.path.join(directory, name + ".f32"), "rb") as f:
        data = bytearray(f.read())
    return torch.frombuffer(data, dtype=torch.float32).reshape(shape).clone()


def write_f32(directory, name, tensor):
    with open(os.path.join(directory, name + ".f32"), "wb") as f:
        f.write(array.array("f", tensor.detach().contiguous().reshape(-1).tolist()).tobytes())


def samples(fn, plan):
    for _ in range(plan["warmup"]):
        fn()
    out, spent = [], 0.0
    while len(out) < plan["maxReps"] and (len(out) < plan["minReps"] or spent < plan["budgetMs"]):
        t0 = time.perf_counter()
        fn()
        dt = (time.perf_counter() - t0) * 1000.0
        out.append(dt)
        spent += dt
    return out


def main():
    cfg = json.load(open(sys.argv[1]))
    d = cfg["dir"]
    I, H, T, B = cfg["I"], cfg["H"], cfg["T"], cfg["B"]
    ctor = torch.nn.LSTM if cfg["kind"] == "LSTM" else torch.nn.GRU
    net = ctor(I, H, num_layers=cfg["layers"], bidirectional=cfg["bidirectional"])
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(read_f32(d, name, tuple(p.shape)))
    x = read_f32(d, "x", (T, B, I))
    D = 2 if cfg["bidirectional"] else 1
    R = read_f32(d, "R", (T, B, D * H))
    y, _ = net(x)
    write_f32(d, "y", y)
    net.zero_grad()
    (y * R).sum().backward()
    write_f32(d, "dW_hh", net.weight_hh_l0.grad)

    def fwd():
        with torch.no_grad():
            net(x)

    def fwd_bwd():
        net.zero_grad()
        out, _ = net(x)
        (out * R).sum().backward()

    plan = cfg["plan"]
    print(json.dumps({"torch": torch.__version__, "forward": samples(fwd, plan), "fwd+bwd": samples(fwd_bwd, plan)}))


main()
