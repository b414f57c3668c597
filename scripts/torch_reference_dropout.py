#!/usr/bin/env python3
"""Reference numbers for variational dropout in a cell, from PyTorch in float64.

Writes vardrop_gru.json and vardrop_gru_lengths.json into test/fixtures/vectors/ (or the directory given as
the first argument): the cell of examples/vardrop_gru.rnn in training, its GRU equations written out in torch
with the dropout masks applied, the second with variable lengths (past its length an example's state is
carried and its output is zero).

The masks are rnnc's own, so that the generated module can reproduce them from the seed: this script
re-implements the runtime's generator (src/runtime/random.ts: xoshiro128** 1.1 seeded by two splitmix64
outputs, 53-bit uniform doubles) and its fillDropoutMasks (site by site, example by example, element by
element: dropped when the draw is below p, else kept and scaled by 1 / (1 − p)), and stores the masks in the
file too, so a test can check the two generators agree. Everything else — outputs, final state, loss, every
gradient — comes from torch and autograd.

Format: that of test/fixtures/vectors/ (README there) with the cell's param names, plus `seed` and
`masks` (one [B, size] mask per dropout, in source order).

Needs only `import torch`. Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261207
M64 = (1 << 64) - 1
M32 = 0xFFFFFFFF


def splitmix64(counter):
    nxt = (counter + 0x9E3779B97F4A7C15) & M64
    z = nxt
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return nxt, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class Xoshiro128StarStar:
    """src/runtime/random.ts's createRng / nextUint32 / nextFloat64."""

    def __init__(self, seed):
        counter, a = splitmix64(seed & M64)
        _, b = splitmix64(counter)
        self.s = [a & M32, a >> 32, b & M32, b >> 32]

    def next_uint32(self):
        s = self.s
        result = (rotl((s[1] * 5) & M32, 7) * 9) & M32
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def next_float64(self):
        a = self.next_uint32() >> 5
        b = self.next_uint32() >> 6
        return (a * 67108864 + b) / 9007199254740992


def dropout_masks(seed, shapes, ps):
    """src/runtime/random.ts's fillDropoutMasks."""
    rng = Xoshiro128StarStar(seed)
    masks = []
    for shape, p in zip(shapes, ps):
        n = 1
        for d in shape:
            n *= d
        keep = 1 / (1 - p)
        masks.append(torch.tensor([0.0 if rng.next_float64() < p else keep for _ in range(n)]).reshape(shape))
    return masks


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def run(name, lengths):
    gen = torch.Generator().manual_seed(SEED + (1 if lengths else 0))
    I, H, B, T = 3, 4, 3, 5
    k = 1 / H**0.5

    def uniform(*shape, scale=1.0):
        return ((torch.rand(*shape, generator=gen) * 2 - 1) * scale).requires_grad_(True)

    params = {"W_ih": uniform(3 * H, I, scale=k), "W_hh": uniform(3 * H, H, scale=k), "b_ih": uniform(3 * H, scale=k), "b_hh": uniform(3 * H, scale=k)}
    x = uniform(T, B, I)
    h0 = uniform(B, H, scale=0.5)
    mask_seed = 4242 + (1 if lengths else 0)
    mx, mh = dropout_masks(mask_seed, [(B, I), (B, H)], [0.25, 0.5])
    lens = torch.tensor(lengths if lengths else [T] * B)
    h = h0
    ys = []
    for t in range(T):
        gx = (x[t] * mx) @ params["W_ih"].T + params["b_ih"]
        gh = (h * mh) @ params["W_hh"].T + params["b_hh"]
        xr, xz, xn = gx.chunk(3, dim=-1)
        hr, hz, hn = gh.chunk(3, dim=-1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h2 = (1 - z) * n + z * h
        valid = (t < lens).to(torch.float64)[:, None]
        h = valid * h2 + (1 - valid) * h
        ys.append(h2 * valid)
    y = torch.stack(ys)
    R = torch.rand(T, B, H, generator=gen) * 2 - 1
    S = torch.rand(B, H, generator=gen) * 2 - 1
    loss = (y * R).sum() + (h * S).sum()
    leaves = {**params, "x": x, "h0": h0}
    grads = torch.autograd.grad(loss, list(leaves.values()))
    return {
        "name": name,
        "source": f"examples/vardrop_gru.rnn in training, its equations in torch {torch.__version__} with rnnc's masks",
        "note": f"seed {SEED}; masks from rnnc's generator with seed {mask_seed}",
        "dims": {"I": I, "H": H},
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths else {}),
        "seed": mask_seed,
        "masks": [tensor_json(mx), tensor_json(mh)],
        "params": {k: tensor_json(v) for k, v in params.items()},
        "x": tensor_json(x),
        "initial": {"h0": tensor_json(h0)},
        "outputs": {"h": tensor_json(y), "h_T": tensor_json(h)},
        "R": {"h": tensor_json(R)},
        "S": {"h_T": tensor_json(S)},
        "loss_value": loss.item(),
        "grads": {k: tensor_json(g) for k, g in zip(leaves, grads)},
    }


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "test", "fixtures", "vectors")
    for name, lengths in [("vardrop_gru", None), ("vardrop_gru_lengths", [5, 2, 4])]:
        data = run(name, lengths)
        path = os.path.join(out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(data, f)
        dropped = sum(v == 0 for m in data["masks"] for v in m["data"])
        print(f"{path}: loss {data['loss_value']:.6f}, {dropped} mask elements dropped")


if __name__ == "__main__":
    main()
