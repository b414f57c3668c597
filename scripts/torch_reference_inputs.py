#!/usr/bin/env python3
"""Reference numbers for a cell with two inputs, from PyTorch in float64.

Writes conditional_gru.json and conditional_gru_lengths.json into test/fixtures/vectors/ (or the directory
given as the first argument): the cell of examples/conditional_gru.rnn, which reads a token x [I] and a
context ctx [C] at every step, computed by torch.nn.GRU(I + C, H) itself on the two concatenated (its
weight_ih is [W_ih | W_ch], split by columns), the second file through pack_padded_sequence with variable
lengths. Every gradient comes from autograd; the gradients of x and ctx are the two column blocks of the
gradient of the concatenated input.

Format: that of test/fixtures/vectors/ (README there) with the cell's own param names, the inputs under
`inputs` by name ([T, B, size] each) and their gradients under `grads` by the same names.

Needs only `import torch`. Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261206


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def run(name, lengths):
    torch.manual_seed(SEED + (1 if lengths else 0))
    I, C, H, B, T = 3, 2, 4, 3, 5
    gru = torch.nn.GRU(I + C, H)
    x = (torch.rand(T, B, I) * 2 - 1).requires_grad_(True)
    ctx = (torch.rand(T, B, C) * 2 - 1).requires_grad_(True)
    h0 = (torch.rand(1, B, H) - 0.5).requires_grad_(True)
    both = torch.cat([x, ctx], dim=-1)
    if lengths:
        packed = pack_padded_sequence(both, torch.tensor(lengths), enforce_sorted=False)
        out, hn = gru(packed, h0)
        y, _ = pad_packed_sequence(out, total_length=T)
    else:
        y, hn = gru(both, h0)
    R = torch.rand(T, B, H) * 2 - 1
    S = torch.rand(B, H) * 2 - 1
    loss = (y * R).sum() + (hn[0] * S).sum()
    w_ih, w_hh, b_ih, b_hh = gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0
    g = torch.autograd.grad(loss, [w_ih, w_hh, b_ih, b_hh, x, ctx, h0])
    params = {"W_ih": w_ih[:, :I], "W_ch": w_ih[:, I:], "W_hh": w_hh, "b_ih": b_ih, "b_hh": b_hh}
    grads = {"W_ih": g[0][:, :I], "W_ch": g[0][:, I:], "W_hh": g[1], "b_ih": g[2], "b_hh": g[3], "x": g[4], "ctx": g[5], "h0": g[6][0]}
    return {
        "name": name,
        "source": f"torch.nn.GRU({I + C}, {H}) on cat([x, ctx]){' through pack_padded_sequence' if lengths else ''}, torch {torch.__version__}",
        "note": f"seed {SEED}; examples/conditional_gru.rnn with W_ih, W_ch the column blocks of weight_ih",
        "dims": {"I": I, "C": C, "H": H},
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths else {}),
        "params": {k: tensor_json(v) for k, v in params.items()},
        "inputs": {"x": tensor_json(x), "ctx": tensor_json(ctx)},
        "initial": {"h0": tensor_json(h0[0])},
        "outputs": {"h": tensor_json(y), "h_T": tensor_json(hn[0])},
        "R": {"h": tensor_json(R)},
        "S": {"h_T": tensor_json(S)},
        "loss_value": loss.item(),
        "grads": {k: tensor_json(v) for k, v in grads.items()},
    }


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "test", "fixtures", "vectors")
    for name, lengths in [("conditional_gru", None), ("conditional_gru_lengths", [5, 2, 4])]:
        data = run(name, lengths)
        path = os.path.join(out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(data, f)
        print(f"{path}: loss {data['loss_value']:.6f}")


if __name__ == "__main__":
    main()
