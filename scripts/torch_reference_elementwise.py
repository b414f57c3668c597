#!/usr/bin/env python3
"""Reference numbers for the elementwise built-ins max(a, b), min(a, b), clamp, abs and pow, from PyTorch
in float64.

Writes into test/fixtures/vectors/ (or the directory given as the first argument):

- bounded_mgu.json, bounded_mgu_lengths.json: the cell of examples/bounded_mgu.rnn run over a batch and a
  sequence (the second with variable lengths), with outputs, final states, the loss and every gradient;
- elementwise_ties.json: the cell of test/fixtures/cells/elementwise_ties.rnn at inputs chosen to hit the
  points without a derivative (ties of max/min, clamp's bounds, 0 for abs and pow), where PyTorch's
  conventions decide the gradient: torch.maximum/minimum split a tie's gradient in halves, torch.clamp
  passes it at a bound, torch.abs has slope 0 at 0, torch.pow(x, 0) has gradient 0.

The format is that of the other files in test/fixtures/vectors/ (see the README there), with the cell's
own parameter names, one `R` per output and one `S` per state: loss = sum over outputs of sum(y ⊙ R[y]) +
sum over states of sum(state_T ⊙ S[state_T]). Past an example's length its state is carried unchanged and
its outputs are zero (rnnc's semantics, those of packed sequences).

Needs only `import torch`. Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261205


def tensor_json(t):
    """{shape, data} with data row-major; Python's float repr round-trips float64 exactly."""
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def bounded_mgu_step(x, h, W, U, b, floor):
    """One step of examples/bounded_mgu.rnn for a batch: x [B, I], h [B, H]."""
    H = h.shape[-1]
    z = x @ W.T + h @ U.T + b
    f, n = z[:, :H], z[:, H:]
    gate = torch.sigmoid(f)
    h2 = torch.clamp((1 - gate) * h + gate * torch.maximum(n, floor), -1.0, 1.0)
    y = torch.minimum(h2.abs(), torch.tensor(0.9)) * torch.pow(h2, 3) + torch.maximum(h2, torch.tensor(0.0)) * torch.pow(n.abs() + 1, -0.5)
    spread = h2.amax(dim=-1) - h2.amin(dim=-1)
    return h2, {"y": y, "spread": spread}


def run_bounded_mgu(name, lengths):
    gen = torch.Generator().manual_seed(SEED + (1 if lengths else 0))
    I, H, B, T = 3, 4, 3, 5

    def uniform(*shape, scale=1.0):
        return ((torch.rand(*shape, generator=gen) * 2 - 1) * scale).requires_grad_(True)

    # Larger weights than PyTorch's default init, so that the clamp and both sides of every max/min are hit.
    params = {"W": uniform(2 * H, I, scale=1.2), "U": uniform(2 * H, H, scale=1.2), "b": uniform(2 * H, scale=0.5), "floor": uniform(H, scale=0.5)}
    x = uniform(T, B, I, scale=1.5)
    h0 = uniform(B, H, scale=0.8)
    lens = torch.tensor(lengths if lengths else [T] * B)
    h = h0
    ys = {"y": [], "spread": []}
    clamped = 0
    for t in range(T):
        h2, out = bounded_mgu_step(x[t], h, params["W"], params["U"], params["b"], params["floor"])
        valid = (t < lens).to(torch.float64)
        clamped += int(((h2.abs() == 1.0).to(torch.float64) * valid[:, None]).sum())
        h = valid[:, None] * h2 + (1 - valid[:, None]) * h
        ys["y"].append(out["y"] * valid[:, None])
        ys["spread"].append(out["spread"] * valid)
    outputs = {k: torch.stack(v) for k, v in ys.items()}
    R = {k: (torch.rand(*v.shape, generator=gen) * 2 - 1) for k, v in outputs.items()}
    S = {"h_T": torch.rand(B, H, generator=gen) * 2 - 1}
    loss = sum((outputs[k] * R[k]).sum() for k in outputs) + (h * S["h_T"]).sum()
    leaves = {**params, "x": x, "h0": h0}
    grads = torch.autograd.grad(loss, list(leaves.values()))
    data = {
        "name": name,
        "source": f"examples/bounded_mgu.rnn as torch.maximum/minimum/clamp/abs/pow/amax/amin, torch {torch.__version__}",
        "note": f"seed {SEED}; {clamped} state entries clamped to ±1 at valid steps",
        "dims": {"I": I, "H": H},
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths else {}),
        "params": {k: tensor_json(v) for k, v in params.items()},
        "x": tensor_json(x),
        "initial": {"h0": tensor_json(h0)},
        "outputs": {**{k: tensor_json(v) for k, v in outputs.items()}, "h_T": tensor_json(h)},
        "R": {k: tensor_json(v) for k, v in R.items()},
        "S": {k: tensor_json(v) for k, v in S.items()},
        "loss_value": loss.item(),
        "grads": {k: tensor_json(g) for k, g in zip(leaves, grads)},
    }
    return data, clamped


def run_ties():
    """test/fixtures/cells/elementwise_ties.rnn, N = 6, one step, two examples."""
    N = 6
    # Example 0 hits the special points; example 1 is ordinary.
    a0 = [0.5, 2.0, -1.0, 1.0, 0.0, -3.0]
    b0 = [0.5, 1.0, -1.0, 2.0, 0.0, -3.0]
    a1 = [0.3, -0.7, 1.4, -2.2, 0.9, 0.1]
    b1 = [-0.4, 0.6, 1.1, -0.5, 0.8, 2.5]
    x = torch.tensor([[a0 + b0, a1 + b1]], requires_grad=True)  # [T=1, B=2, 2N]
    p = torch.tensor([0.5, 2.0, 0.0, 1.0, 0.0, 1.0], requires_grad=True)
    a, b = x[..., :N], x[..., N:]
    outputs = {
        "mx": torch.maximum(a, b),
        "mn": torch.minimum(a, p),
        "cl": torch.clamp(a, -1.0, 1.0),
        "ab": torch.abs(b),
        "pw": torch.pow(a, 3) + torch.pow(b, 2) + torch.pow(a, 0),
    }
    gen = torch.Generator().manual_seed(SEED + 2)
    R = {k: (torch.rand(*v.shape, generator=gen) * 2 - 1) for k, v in outputs.items()}
    loss = sum((outputs[k] * R[k]).sum() for k in outputs)
    gx, gp = torch.autograd.grad(loss, [x, p])
    return {
        "name": "elementwise_ties",
        "source": f"test/fixtures/cells/elementwise_ties.rnn as torch.maximum/minimum/clamp/abs/pow, torch {torch.__version__}",
        "note": "example 0 at ties of max and min, clamp's bounds and 0; example 1 away from them",
        "dims": {"N": N},
        "batch": 2,
        "steps": 1,
        "params": {"p": tensor_json(p)},
        "x": tensor_json(x),
        "initial": {},
        "outputs": {k: tensor_json(v) for k, v in outputs.items()},
        "R": {k: tensor_json(v) for k, v in R.items()},
        "S": {},
        "loss_value": loss.item(),
        "grads": {"p": tensor_json(gp), "x": tensor_json(gx)},
    }


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "test", "fixtures", "vectors")
    files = {}
    files["bounded_mgu"], c1 = run_bounded_mgu("bounded_mgu", None)
    files["bounded_mgu_lengths"], c2 = run_bounded_mgu("bounded_mgu_lengths", [5, 3, 1])
    if c1 == 0 or c2 == 0:
        raise SystemExit("the clamp is never active: choose other weights")
    files["elementwise_ties"] = run_ties()
    for name, data in files.items():
        path = os.path.join(out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(data, f)
        print(f"{path}: loss {data['loss_value']:.6f} ({data['note']})")


if __name__ == "__main__":
    main()
