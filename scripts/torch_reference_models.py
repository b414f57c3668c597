#!/usr/bin/env python3
"""Reference numbers for stacked and bidirectional recurrent models, from PyTorch in float64.

Writes one JSON file per case into test/fixtures/models/ (or the directory given as the first argument),
in the format of test/fixtures/vectors/ extended to multi-layer / bidirectional modules (see the README
next to the fixtures). Every number comes from the torch.nn module and autograd; the module is also checked
against a hand-written float64 loop of the cell equations (forward and, through autograd, backward) and the
largest difference is recorded in each file's `note`.

Needs only `import torch` (Debian: apt-get install python3-torch). Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
# One thread: the reduction order inside BLAS calls then does not depend on the machine's core count.
torch.set_num_threads(1)

SEED = 20261122


def tensor_json(t):
    """{shape, data} with data row-major; Python's float repr round-trips float64 exactly."""
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


# ---------------------------------------------------------------------------------------------------------
# The hand-written loop: the cell equations of PyTorch's documentation, one step at a time, one example at a
# time (so variable lengths need no masking: an example simply stops at its own length).


def lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=-1)  # PyTorch's gate order in the stacked rows: i, f, g, o
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, (h, c)


def gru_step(x, state, w_ih, w_hh, b_ih, b_hh):
    (h,) = state
    gx = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    xr, xz, xn = gx.chunk(3, dim=-1)  # PyTorch's gate order: r, z, n
    hr, hz, hn = gh.chunk(3, dim=-1)
    r = torch.sigmoid(xr + hr)
    z = torch.sigmoid(xz + hz)
    n = torch.tanh(xn + r * hn)  # the reset gate multiplies W_hn h + b_hn (PyTorch's form)
    h = (1 - z) * n + z * h
    return h, (h,)


def loop_model(kind, params, x, initial, num_layers, num_directions, lengths):
    """Runs the stacked / bidirectional model as explicit loops. Returns (y [T,B,D*H], final states dict)."""
    step = lstm_step if kind == "LSTM" else gru_step
    state_names = ["h0", "c0"] if kind == "LSTM" else ["h0"]
    T, B, _ = x.shape
    H = initial["h0"].shape[-1]
    ys, finals = [], {name: [] for name in state_names}
    for b in range(B):
        n = lengths[b]
        layer_in = [x[t, b] for t in range(n)]
        final_b = {name: [] for name in state_names}
        for layer in range(num_layers):
            dir_outs = []
            for d in range(num_directions):
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                w = [params[f"{p}{sfx}"] for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                k = layer * num_directions + d  # PyTorch's state layout: index layer * D + direction
                state = tuple(initial[name][k, b] for name in state_names)
                out = [None] * n
                order = range(n - 1, -1, -1) if d == 1 else range(n)
                for t in order:
                    out[t], state = step(layer_in[t], state, *w)
                dir_outs.append(out)
                for name, s in zip(state_names, state):
                    final_b[name].append(s)
            layer_in = [torch.cat([o[t] for o in dir_outs]) for t in range(n)]
        pad = [torch.zeros(num_directions * H)] * (T - n)  # outputs past an example's length are zero
        ys.append(torch.stack(layer_in + pad))
        for name in state_names:
            finals[name].append(torch.stack(final_b[name]))
    y = torch.stack(ys, dim=1)
    return y, {name.replace("0", "_T"): torch.stack(v, dim=1) for name, v in finals.items()}


# ---------------------------------------------------------------------------------------------------------
# The module, autograd, and the JSON file.


def run_module(module, x, initial, lengths):
    """Runs the torch.nn module; with lengths, through pack_padded_sequence / pad_packed_sequence."""
    init = (initial["h0"], initial["c0"]) if isinstance(module, torch.nn.LSTM) else initial["h0"]
    if lengths is None:
        y, final = module(x, init)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=True)
        y_packed, final = module(packed, init)
        y, _ = pad_packed_sequence(y_packed, total_length=x.shape[0])
    names = ["h_T", "c_T"] if isinstance(module, torch.nn.LSTM) else ["h_T"]
    finals = final if isinstance(final, tuple) else (final,)
    return y, dict(zip(names, finals))


def loss_of(y, finals, R, S):
    return (y * R).sum() + sum((finals[k] * S[k]).sum() for k in finals)


def max_abs_diff(a, b):
    return max((p - q).abs().max().item() for p, q in zip(a, b))


def make_case(name, kind, I, H, B, T, num_layers, bidirectional, lengths=None):
    seed = SEED + sum(map(ord, name))  # each case its own fixed stream, independent of the others' order
    torch.manual_seed(seed)
    ctor = torch.nn.LSTM if kind == "LSTM" else torch.nn.GRU
    module = ctor(I, H, num_layers=num_layers, bidirectional=bidirectional)
    D = 2 if bidirectional else 1
    state_names = ["h0", "c0"] if kind == "LSTM" else ["h0"]
    x = (torch.rand(T, B, I) * 2 - 1).requires_grad_()
    initial = {s: (torch.rand(num_layers * D, B, H) * 2 - 1).requires_grad_() for s in state_names}
    R = torch.randn(T, B, D * H)
    S = {s.replace("0", "_T"): torch.randn(num_layers * D, B, H) for s in state_names}

    y, finals = run_module(module, x, initial, lengths)
    loss = loss_of(y, finals, R, S)
    named = list(module.named_parameters())
    inputs = [p for _, p in named] + [x] + [initial[s] for s in state_names]
    grads = torch.autograd.grad(loss, inputs)

    # Independent check: the same loss through the hand-written loop, differentiated by autograd.
    params = {n: p for n, p in named}
    y_loop, finals_loop = loop_model(kind, params, x, initial, num_layers, D, lengths or [T] * B)
    loss_loop = loss_of(y_loop, finals_loop, R, S)
    grads_loop = torch.autograd.grad(loss_loop, inputs)
    out_diff = max_abs_diff([y] + [finals[k] for k in finals], [y_loop] + [finals_loop[k] for k in finals])
    grad_diff = max_abs_diff(grads, grads_loop)
    loss_diff = abs(loss.item() - loss_loop.item())
    if max(out_diff, grad_diff) > 1e-12:
        sys.exit(f"{name}: the module and the hand-written loop disagree ({out_diff:.3e} / {grad_diff:.3e})")

    args = [str(I), str(H)]
    if num_layers != 1:
        args.append(f"num_layers={num_layers}")
    if bidirectional:
        args.append("bidirectional=True")
    source = f"torch.nn.{kind}({', '.join(args)}) torch {torch.__version__}"
    if lengths is not None:
        source += f", input through pack_padded_sequence(lengths={lengths}) / pad_packed_sequence"
    note = (
        f"seed {seed}; checked against a hand-written float64 loop of the cell equations: "
        f"max |difference| {out_diff:.3e} on outputs and final states, {grad_diff:.3e} on gradients, "
        f"{loss_diff:.3e} on the loss"
    )
    doc = {
        "name": name,
        "source": source,
        "note": note,
        "dims": {"I": I, "H": H},
        "num_layers": num_layers,
        "bidirectional": bidirectional,
        "batch": B,
        "steps": T,
    }
    if lengths is not None:
        doc["lengths"] = list(lengths)
    doc.update({
        "params": {n: tensor_json(p) for n, p in named},
        "x": tensor_json(x),
        "initial": {s: tensor_json(initial[s]) for s in state_names},
        "outputs": {"y": tensor_json(y), **{k: tensor_json(v) for k, v in finals.items()}},
        "loss": "sum(y * R) + sum(state_T * S_state) over every final state",
        "R": tensor_json(R),
        "S": {k: tensor_json(v) for k, v in S.items()},
        "loss_value": loss.item(),
        "grads": {
            **{n: tensor_json(g) for (n, _), g in zip(named, grads)},
            "x": tensor_json(grads[len(named)]),
            **{s: tensor_json(g) for s, g in zip(state_names, grads[len(named) + 1:])},
        },
    })
    return doc, out_diff, grad_diff


CASES = [
    dict(name="lstm_2layer", kind="LSTM", I=3, H=4, B=2, T=5, num_layers=2, bidirectional=False),
    dict(name="gru_bidirectional", kind="GRU", I=3, H=4, B=2, T=5, num_layers=1, bidirectional=True),
    dict(name="gru_bidirectional_lengths", kind="GRU", I=3, H=4, B=2, T=5, num_layers=1,
         bidirectional=True, lengths=[5, 3]),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "test", "fixtures", "models")
    os.makedirs(out_dir, exist_ok=True)
    for case in CASES:
        doc, out_diff, grad_diff = make_case(**case)
        path = os.path.join(out_dir, f"{case['name']}.json")
        text = json.dumps(doc)  # same layout as test/fixtures/vectors: one line, no trailing newline
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{case['name']}.json: {len(text)} bytes, loss {doc['loss_value']!r}, "
              f"module vs loop: outputs {out_diff:.3e}, grads {grad_diff:.3e}")


if __name__ == "__main__":
    main()
