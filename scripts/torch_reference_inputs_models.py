#!/usr/bin/env python3
"""Reference numbers for models with several inputs, from PyTorch in float64.

Writes inputs_*.json into test/fixtures/models/ (or the directory given as the first argument), one file
per model of test/fixtures/models/inputs_models.rnn, with and without variable lengths:

  inputs_cond_per_sequence  CondPerSequence: a conditional GRU whose condition `style` [C] is one vector per
                            sequence, then a linear readout and an mse loss;
  inputs_cond_per_step      CondPerStep: the same with a condition `ctx` [C] at every step;
  inputs_concat             Concat2: two per-step inputs a [I], b [J], concatenated into a GRU(I + J, H);
  inputs_concat_once        ConcatPerSequence: a per-step x [I] and a per-sequence style [C] concatenated
                            (the style repeated at every step) into a GRU(I + C, H).

PyTorch computes each as torch.nn.GRU(I + C, H) over the inputs concatenated along the features (the
per-sequence condition repeated at every step with expand), its weight_ih being [W_ih | W_ch] by columns,
then torch.nn.Linear(H, O); with lengths through pack_padded_sequence / pad_packed_sequence. The readout's
values past an example's length are zero (the model's rule), and the loss is the mean of (o − y)² over the
valid steps, the examples and the features. The objective differentiated is

  J = loss + sum(o ⊙ R) + sum(h_T ⊙ S)

so the outputs, the final state and the loss all reach the gradients: of every param (`layer.param`), of
every input by name (a per-sequence one summed over its example's steps by autograd) and of the initial
state `gru.h`.

Format (README next to the fixtures): dims, batch, steps, lengths?, params {name: {shape, data}}, inputs
{name: …} ([T, B, n] per step, [B, n] per sequence), initial {"gru.h"}, targets {y}, R {o}, S {"gru.h"},
outputs {o, "gru.h"}, loss_value, objective_value, grads {params…, inputs…, "gru.h"}.

Needs only `import torch`. Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261205


def tensor_json(t):
    """{shape, data} with data row-major; Python's float repr round-trips float64 exactly."""
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def uniform(*shape):
    return torch.rand(*shape) * 2 - 1


def gru_over(both, h0, gru, lengths):
    """torch.nn.GRU over [T, B, n]; with lengths, packed (outputs past a length are zero)."""
    T = both.shape[0]
    if lengths is None:
        return gru(both, h0)
    packed = pack_padded_sequence(both, torch.tensor(lengths), enforce_sorted=False)
    out, hn = gru(packed, h0)
    y, _ = pad_packed_sequence(out, total_length=T)
    return y, hn


def case(name, kind, lengths):
    seed = SEED + sum(map(ord, name))
    torch.manual_seed(seed)
    B, T = 3, 5
    if kind == "concat":
        I, J, H = 3, 2, 4
        dims = {"I": I, "J": J, "H": H}
        gru = torch.nn.GRU(I + J, H)
        inputs = {"a": uniform(T, B, I).requires_grad_(), "b": uniform(T, B, J).requires_grad_()}
        both = torch.cat([inputs["a"], inputs["b"]], dim=-1)
        readout = None
    elif kind == "concat_once":
        I, C, H = 3, 2, 4
        dims = {"I": I, "C": C, "H": H}
        gru = torch.nn.GRU(I + C, H)
        inputs = {"x": uniform(T, B, I).requires_grad_(), "style": uniform(B, C).requires_grad_()}
        both = torch.cat([inputs["x"], inputs["style"].unsqueeze(0).expand(T, B, C)], dim=-1)
        readout = None
    else:
        I, C, H, O = 3, 2, 4, 2
        dims = {"I": I, "C": C, "H": H, "O": O}
        gru = torch.nn.GRU(I + C, H)
        readout = torch.nn.Linear(H, O)
        cond = "style" if kind == "per_sequence" else "ctx"
        x = uniform(T, B, I).requires_grad_()
        c = (uniform(B, C) if kind == "per_sequence" else uniform(T, B, C)).requires_grad_()
        inputs = {"x": x, cond: c}
        # A per-sequence value is the same at every step of its example.
        c_steps = c.unsqueeze(0).expand(T, B, C) if kind == "per_sequence" else c
        both = torch.cat([x, c_steps], dim=-1)
    h0 = (torch.rand(1, B, H) - 0.5).requires_grad_()
    h, hn = gru_over(both, h0, gru, lengths)
    valid = torch.tensor([[1.0 if t < (lengths[b] if lengths else T) else 0.0 for b in range(B)] for t in range(T)]).unsqueeze(-1)

    w_ih, w_hh, b_ih, b_hh = gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0
    if readout is None:
        out_name, o = "h", h
        params = {"gru.W_ih": w_ih, "gru.W_hh": w_hh, "gru.b_ih": b_ih, "gru.b_hh": b_hh}
        loss = torch.tensor(0.0)
        targets = {}
    else:
        out_name = "o"
        # The readout is zero past an example's length, as every per-step value of a model.
        o = readout(h) * valid
        y = uniform(T, B, O)
        loss = (((o - y) ** 2) * valid).sum() / (valid.sum() * O)
        targets = {"y": y}
        params = {
            "gru.W_ih": w_ih[:, :I], "gru.W_ch": w_ih[:, I:], "gru.W_hh": w_hh, "gru.b_ih": b_ih, "gru.b_hh": b_hh,
            "out.W": readout.weight, "out.b": readout.bias,
        }
    R = uniform(*o.shape)
    S = uniform(B, H)
    objective = loss + (o * R).sum() + (hn[0] * S).sum()
    leaves = [w_ih, w_hh, b_ih, b_hh] + ([readout.weight, readout.bias] if readout else []) + list(inputs.values()) + [h0]
    g = torch.autograd.grad(objective, leaves)
    gw_ih, gw_hh, gb_ih, gb_hh = g[:4]
    rest = list(g[4:])
    if readout is None:
        grads = {"gru.W_ih": gw_ih, "gru.W_hh": gw_hh, "gru.b_ih": gb_ih, "gru.b_hh": gb_hh}
    else:
        gW, gb = rest[0], rest[1]
        rest = rest[2:]
        grads = {"gru.W_ih": gw_ih[:, :I], "gru.W_ch": gw_ih[:, I:], "gru.W_hh": gw_hh, "gru.b_ih": gb_ih, "gru.b_hh": gb_hh, "out.W": gW, "out.b": gb}
    for k, gk in zip(inputs.keys(), rest):
        grads[k] = gk
    grads["gru.h"] = rest[-1][0]

    doc = {
        "name": name,
        "source": f"torch.nn.GRU over the inputs concatenated{'' if readout is None else ' then torch.nn.Linear'}"
                  f"{' through pack_padded_sequence' if lengths else ''}, torch {torch.__version__}",
        "note": f"seed {seed}; test/fixtures/models/inputs_models.rnn; J = loss + sum({out_name} * R) + sum(h_T * S)",
        "model": {"concat": "Concat2", "concat_once": "ConcatPerSequence", "per_sequence": "CondPerSequence", "per_step": "CondPerStep"}[kind],
        "dims": dims,
        "batch": B,
        "steps": T,
    }
    if lengths is not None:
        doc["lengths"] = list(lengths)
    doc.update({
        "params": {k: tensor_json(v) for k, v in params.items()},
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "initial": {"gru.h": tensor_json(h0[0])},
        "targets": {k: tensor_json(v) for k, v in targets.items()},
        "R": {out_name: tensor_json(R)},
        "S": {"gru.h": tensor_json(S)},
        "outputs": {out_name: tensor_json(o), "gru.h": tensor_json(hn[0])},
        "loss_value": loss.item(),
        "objective_value": objective.item(),
        "grads": {k: tensor_json(v) for k, v in grads.items()},
    })
    return doc


CASES = [
    ("inputs_cond_per_sequence", "per_sequence", None),
    ("inputs_cond_per_sequence_lengths", "per_sequence", [5, 2, 3]),
    ("inputs_cond_per_step", "per_step", None),
    ("inputs_cond_per_step_lengths", "per_step", [4, 5, 1]),
    ("inputs_concat", "concat", None),
    ("inputs_concat_lengths", "concat", [3, 5, 2]),
    ("inputs_concat_once", "concat_once", None),
    ("inputs_concat_once_lengths", "concat_once", [2, 5, 4]),
]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models")
    for name, kind, lengths in CASES:
        path = os.path.join(out_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump(case(name, kind, lengths), f, indent=1)
            f.write("\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
