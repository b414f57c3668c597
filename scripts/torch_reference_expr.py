#!/usr/bin/env python3
"""Reference numbers for model expressions (pooling over time, numbers and elementwise built-ins between
sequences), from PyTorch in float64.

The programs are test/fixtures/models/expr_pooled.rnn and expr_arith.rnn; this script computes the same
models with torch.nn.LSTM / torch.nn.GRU / torch.nn.Linear and torch's own functions, one example at a time
(an example of length L runs the module over its first L steps; one of length 0 runs nothing), so the
masking rules of docs/language.md ("Timing") are written here from their definition:
  * per-step values exist only at the first L steps of an example; past them every output is 0;
  * an example of length 0 has no values: every output of it is 0, its final states are its initial ones,
    and it is in no loss's mean;
  * mean_over_time / max_over_time pool over the L valid steps (torch's mean / max(dim=0), whose gradient
    goes to the index max returns).
It writes one JSON file per case into test/fixtures/models/ (or the directory given as the first argument),
with rnnc's names (`rnn.W_ih`, `rnn.h`): params, input, initial states, targets, seeds, the outputs, the
final states, the loss, and the gradient of  loss + sum(output * seed) + sum(final * seed)  with respect to
every param, the input and every initial state (test/backends/ts/expr-pytorch.test.ts,
test/onnx/expr-pytorch.test.ts).

Needs only `import torch`. Deterministic: fixed seeds, one thread, float64.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261205


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def run_rnn(module, x_b, initial_b):
    """One example through a torch.nn.LSTM/GRU: outputs [L, H] and final states (the initial ones when L = 0)."""
    L = x_b.shape[0]
    if L == 0:
        return x_b.new_zeros(0, module.hidden_size), initial_b
    init = tuple(s.reshape(1, 1, -1) for s in initial_b)
    y, final = module(x_b.unsqueeze(1), init if len(init) > 1 else init[0])
    finals = final if isinstance(final, tuple) else (final,)
    return y.squeeze(1), tuple(f.reshape(-1) for f in finals)


def pad_steps(v, T):
    """[L, W] → [T, W] with zeros past L."""
    return torch.cat([v, v.new_zeros(T - v.shape[0], v.shape[1])])


def hardsigmoid(x):
    """F.hardsigmoid by its definition: its backward kernel multiplies by 1.0f / 6.0f, a float32 constant
    (relative error 3e-8 even in float64), which rnnc's exact 1/6 would not match to 1e-9."""
    return torch.clamp(x / 6 + 0.5, 0, 1)


# ---- the two programs, per example ------------------------------------------------------------------------


def pooled_example(mods, x_b, initial_b):
    rnn, head = mods["rnn"], mods["head"]
    h, final = run_rnn(rnn, x_b, initial_b)
    if h.shape[0] == 0:
        return {"logits": h.new_zeros(head.out_features)}, {}, final
    pooled = torch.cat([h.mean(0), (torch.tanh(h) * 2 - 0.5).max(0).values])
    return {"logits": head(pooled) / 2 + 1}, {}, final


def arith_example(mods, x_b, initial_b):
    gru, mix = mods["gru"], mods["mix"]
    h, final = run_rnn(gru, x_b, initial_b)
    H = gru.hidden_size
    if h.shape[0] == 0:
        return {"summary": h.new_zeros(H)}, {"z": h.new_zeros(0, H)}, final
    s = 0.5 * (h + torch.tanh(mix(h))) - 1
    ctx = torch.sigmoid(s).mean(0)
    a = torch.maximum(h, torch.tensor(0.1)) * torch.minimum(s, torch.tensor(-0.2)) + torch.clamp(s, -1.2, -0.5) - torch.pow(h, 3) + torch.abs(s) / (2 - h)
    b = torch.exp(-h) + torch.log(torch.sigmoid(h)) + torch.sqrt(torch.sigmoid(s)) + torch.relu(h) + F.leaky_relu(s, 0.2) + F.elu(s)
    c = F.softplus(h) - F.softsign(s) + hardsigmoid(4 * h) + torch.maximum(h, s) - torch.minimum(h, ctx)
    z = a + b / c + h * ctx
    summary = z[-1] + (-z).max(0).values
    return {"summary": summary}, {"z": z}, final


def ties_example(mods, x_b, initial_b):
    N = x_b.shape[1]
    if x_b.shape[0] == 0:
        return {"m": x_b.new_zeros(N)}, {"y": x_b.new_zeros(0, N)}, initial_b
    y = (torch.maximum(x_b, torch.tensor(0.5)) + torch.minimum(x_b, torch.tensor(-0.25)) + torch.clamp(x_b, -0.25, 0.5)
         + torch.abs(x_b) + torch.relu(x_b) + torch.maximum(x_b, 2 * x_b) + torch.pow(x_b, 0))
    m = x_b.max(0).values + torch.minimum(x_b.mean(0), torch.tensor(0.0))
    return {"m": m}, {"y": y}, initial_b


# Inputs on the kinks: ties with the numbers and bounds above, zeros, and equal values at several steps.
TIE_VALUES = torch.tensor([-0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 0.5, 0.0])


PROGRAMS = {
    "pooled": dict(
        file="test/fixtures/models/expr_pooled.rnn", model="Pooled", dims=dict(I=3, H=4, C=5),
        modules=lambda d: {"rnn": torch.nn.LSTM(d["I"], d["H"]), "head": torch.nn.Linear(2 * d["H"], d["C"])},
        states={"rnn": ["h", "c"]}, example=pooled_example,
        target=("label", "ids_once", "C"),
    ),
    "arith": dict(
        file="test/fixtures/models/expr_arith.rnn", model="Arith", dims=dict(I=3, H=4),
        modules=lambda d: {"gru": torch.nn.GRU(d["I"], d["H"]), "mix": torch.nn.Linear(d["H"], d["H"])},
        states={"gru": ["h"]}, example=arith_example,
        target=("tags", "vector_step", "H"),
    ),
    "ties": dict(
        file="test/fixtures/models/expr_ties.rnn", model="Ties", dims=dict(N=3),
        modules=lambda d: {}, states={}, example=ties_example, target=None, on_kinks=True,
    ),
}

TORCH_NAMES = {"weight_ih_l0": "W_ih", "weight_hh_l0": "W_hh", "bias_ih_l0": "b_ih", "bias_hh_l0": "b_hh", "weight": "W", "bias": "b"}


def make_case(name, program, B, T, lengths):
    p = PROGRAMS[program]
    seed = SEED + sum(map(ord, name))
    torch.manual_seed(seed)
    dims = p["dims"]
    mods = p["modules"](dims)
    params = {f"{layer}.{TORCH_NAMES[n]}": w for layer, m in mods.items() for n, w in m.named_parameters()}
    I = dims["I"] if "I" in dims else dims["N"]
    H = dims.get("H")
    lens = lengths if lengths is not None else [T] * B
    x = (TIE_VALUES[torch.randint(0, len(TIE_VALUES), (T, B, I))] if p.get("on_kinks") else torch.rand(T, B, I) * 2 - 1).requires_grad_()
    initial = {f"{layer}.{s}": (torch.rand(B, H) * 2 - 1).requires_grad_() for layer, ss in p["states"].items() for s in ss}
    state_names = list(initial)

    per_seq, per_step, finals = {}, {}, {k: [] for k in state_names}
    for b in range(B):
        init_b = tuple(initial[k][b] for k in state_names)
        once, step, final = p["example"](mods, x[: lens[b], b], init_b)
        for k, v in once.items():
            per_seq.setdefault(k, []).append(v)
        for k, v in step.items():
            per_step.setdefault(k, []).append(pad_steps(v, T))
        for k, v in zip(state_names, final):
            finals[k].append(v)
    outputs = {k: torch.stack(v) for k, v in per_seq.items()}
    outputs.update({k: torch.stack(v, dim=1) for k, v in per_step.items()})
    final = {k: torch.stack(v) for k, v in finals.items()}

    tname, tkind, tdim = p["target"] or (None, None, None)
    valid_b = [b for b in range(B) if lens[b] > 0]
    if tkind is None:
        loss = None
    elif tkind == "ids_once":
        target = torch.randint(0, dims[tdim], (B,))
        logits = outputs["logits"]
        loss = F.cross_entropy(logits[valid_b], target[valid_b]) if valid_b else logits.sum() * 0
        target_json = target.tolist()
    else:
        target = torch.randn(T, B, dims[tdim])
        pred = outputs["z"]
        rows = [(t, b) for b in range(B) for t in range(lens[b])]
        diffs = torch.stack([pred[t, b] - target[t, b] for t, b in rows])
        loss = (diffs * diffs).mean()
        target_json = tensor_json(target)

    seeds_out = {k: torch.randn(v.shape) for k, v in outputs.items()}
    seeds_final = {k: torch.randn(v.shape) for k, v in final.items()}
    objective = (loss if loss is not None else 0) + sum((outputs[k] * seeds_out[k]).sum() for k in outputs) + sum((final[k] * seeds_final[k]).sum() for k in final)
    leaves = list(params.values()) + [x] + [initial[k] for k in state_names]
    grads = torch.autograd.grad(objective, leaves)
    n = len(params)

    doc = {
        "name": name,
        "source": f"{p['file']} computed with torch {torch.__version__} ({', '.join(f'torch.nn.{type(m).__name__}' for m in mods.values()) or 'torch functions only'}), one example at a time",
        "note": f"seed {seed}; objective = loss + sum(output * seeds.outputs) + sum(final * seeds.final)",
        "program": p["file"],
        "model": p["model"],
        "dims": dims,
        "batch": B,
        "steps": T,
        **({"lengths": list(lengths)} if lengths is not None else {}),
        "params": {k: tensor_json(v) for k, v in params.items()},
        "x": tensor_json(x),
        "initial": {k: tensor_json(v) for k, v in initial.items()},
        "targets": {tname: target_json} if tname else {},
        "seeds": {"outputs": {k: tensor_json(v) for k, v in seeds_out.items()}, "final": {k: tensor_json(v) for k, v in seeds_final.items()}},
        "outputs": {k: tensor_json(v) for k, v in outputs.items()},
        "final": {k: tensor_json(v) for k, v in final.items()},
        "loss": loss.item() if loss is not None else None,
        "grads": {
            "params": {k: tensor_json(g) for k, g in zip(params, grads[:n])},
            "x": tensor_json(grads[n]),
            "initial": {k: tensor_json(g) for k, g in zip(state_names, grads[n + 1:])},
        },
    }
    return doc


CASES = [
    dict(name="expr_pooled", program="pooled", B=3, T=4, lengths=None),
    dict(name="expr_pooled_lengths", program="pooled", B=3, T=4, lengths=[4, 2, 0]),
    dict(name="expr_arith", program="arith", B=2, T=4, lengths=None),
    dict(name="expr_arith_lengths", program="arith", B=3, T=4, lengths=[3, 4, 0]),
    dict(name="expr_ties_lengths", program="ties", B=3, T=5, lengths=[5, 3, 0]),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "test", "fixtures", "models")
    os.makedirs(out_dir, exist_ok=True)
    for case in CASES:
        doc = make_case(**case)
        path = os.path.join(out_dir, f"{case['name']}.json")
        text = json.dumps(doc)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{case['name']}.json: {len(text)} bytes, loss {doc['loss']!r}")


if __name__ == "__main__":
    main()
