#!/usr/bin/env python3
"""Reference numbers for dropout in models (training mode), from PyTorch in float64.

Writes into test/fixtures/models/ (or the directory given as the first argument):

- dropout_lstm_2layer.json, dropout_lstm_2layer_lengths.json: examples/dropout_lstm.rnn in training, i.e.
  torch.nn.LSTM(3, 4, num_layers=2, dropout=0.3) in training — two torch.nn.LSTM layers with inverted
  dropout on the first layer's output (a fresh mask per step, example and unit), the second with variable
  lengths through pack_padded_sequence / pad_packed_sequence at each layer;
- dropout_classifier.json, dropout_classifier_lengths.json: test/fixtures/models/dropout_classifier.rnn in training — a
  variationally dropped-out GRU layer (examples/vardrop_gru.rnn's equations, one mask per example for the
  sequence on x and on h), the last valid step's state, dropout on that per-sequence value (one mask per
  example), a torch.nn.Linear head and cross_entropy against class ids.

The masks are rnnc's own, so that the generated module can reproduce them from the seed: with `seed` given to
forward, layer k's cell draws its masks from stream k of the seed and the model's j-th `dropout(…)` from
stream L + j (L layers), stream k's seed being the k-th 53-bit draw of the runtime's generator seeded with
`seed` (src/runtime/random.ts, streamSeed); every mask is filled by fillDropoutMasks (element by element in
row-major order: [T, B, W] per step, [B, W] per sequence, dropped when the uniform draw is below p, else kept
and scaled by 1 / (1 − p)). The generator is re-implemented here (torch_reference_dropout.py's) and the masks
are stored in the files too, so a test checks the two generators agree. Everything else — outputs, final
states, loss, every gradient — comes from torch modules and autograd. The LSTM cases are also checked against
torch.nn.LSTM(num_layers=2) itself with every mask 1 (p = 0): the script refuses to write them if the two
differ by more than 1e-12.

Needs only `import torch`. Deterministic: fixed seeds, one thread.
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference_dropout import Xoshiro128StarStar, dropout_masks  # noqa: E402

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261205


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def stream_seed(seed, k):
    """src/runtime/random.ts's streamSeed: the k-th 53-bit draw of the generator seeded with `seed`."""
    rng = Xoshiro128StarStar(seed)
    for _ in range(k):
        rng.next_uint32()
        rng.next_uint32()
    return rng.next_uint32() * 2097152 + (rng.next_uint32() >> 11)


def run_lstm(layer, x, h0, c0, lengths):
    """One torch.nn.LSTM layer over [T, B, I]; packed when lengths are given (zero outputs past them)."""
    T = x.shape[0]
    if lengths is None:
        y, (h, c) = layer(x, (h0, c0))
        return y, h, c
    packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=True)
    y, (h, c) = layer(packed, (h0, c0))
    y, _ = pad_packed_sequence(y, total_length=T)
    return y, h, c


def lstm_case(name, lengths):
    gen = torch.manual_seed(SEED + (1 if lengths else 0))
    I, H, B, T, p = 3, 4, 2, 5, 0.3
    stacked = torch.nn.LSTM(I, H, num_layers=2, dropout=p)
    l0 = torch.nn.LSTM(I, H)
    l1 = torch.nn.LSTM(H, H)
    with torch.no_grad():
        for k, layer in enumerate([l0, l1]):
            for n in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
                getattr(layer, f"{n}_l0").copy_(getattr(stacked, f"{n}_l{k}"))
    x = (torch.rand(T, B, I, generator=gen) * 2 - 1).requires_grad_(True)
    h0 = (torch.rand(2, B, H, generator=gen) * 2 - 1).requires_grad_(True)
    c0 = (torch.rand(2, B, H, generator=gen) * 2 - 1).requires_grad_(True)
    R = torch.randn(T, B, H, generator=gen)
    S = {"h_T": torch.randn(2, B, H, generator=gen), "c_T": torch.randn(2, B, H, generator=gen)}
    mask_seed = 7000 + (1 if lengths else 0)
    # Stream 2: after the two layers' (whose cells have no dropout), the model's first dropout.
    (mask,) = dropout_masks(stream_seed(mask_seed, 2), [(T, B, H)], [p])

    def forward(m):
        y0, h_a, c_a = run_lstm(l0, x, h0[0:1], c0[0:1], lengths)
        y1, h_b, c_b = run_lstm(l1, y0 * m, h0[1:2], c0[1:2], lengths)
        return y1, torch.cat([h_a, h_b]), torch.cat([c_a, c_b])

    # The independent check: with every mask 1 the two layers are torch.nn.LSTM(num_layers=2) in eval mode.
    stacked.eval()
    with torch.no_grad():
        y_ref, (h_ref, c_ref) = run_stacked(stacked, x, h0, c0, lengths)
        y_mine, h_mine, c_mine = forward(torch.ones(T, B, H))
        diff = max((y_ref - y_mine).abs().max().item(), (h_ref - h_mine).abs().max().item(), (c_ref - c_mine).abs().max().item())
    if diff > 1e-12:
        raise SystemExit(f"{name}: two layers differ from torch.nn.LSTM(num_layers=2) by {diff}")

    y, h, c = forward(mask)
    loss = (y * R).sum() + (h * S["h_T"]).sum() + (c * S["c_T"]).sum()
    named = [(f"{n}_l{k}", getattr(layer, f"{n}_l0")) for k, layer in enumerate([l0, l1]) for n in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]]
    grads = torch.autograd.grad(loss, [t for _, t in named] + [x, h0, c0])
    return {
        "name": name,
        "source": f"examples/dropout_lstm.rnn in training: torch.nn.LSTM({I}, {H}) then torch.nn.LSTM({H}, {H}) with rnnc's inverted-dropout mask between (torch.nn.LSTM({I}, {H}, num_layers=2, dropout={p}) in training), torch {torch.__version__}"
        + (f", each layer through pack_padded_sequence(lengths={lengths}) / pad_packed_sequence" if lengths else ""),
        "note": f"seed {SEED + (1 if lengths else 0)}; mask from rnnc's generator, seed {mask_seed} (stream 2); with every mask 1, max |difference| from torch.nn.LSTM(num_layers=2) {diff:.3e}",
        "dims": {"I": I, "H": H},
        "num_layers": 2,
        "bidirectional": False,
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths else {}),
        "seed": mask_seed,
        "p": p,
        "mask": tensor_json(mask),
        "params": {n: tensor_json(t) for n, t in named},
        "x": tensor_json(x),
        "initial": {"h0": tensor_json(h0), "c0": tensor_json(c0)},
        "outputs": {"y": tensor_json(y), "h_T": tensor_json(h), "c_T": tensor_json(c)},
        "loss": "sum(y * R) + sum(state_T * S_state) over every final state",
        "R": tensor_json(R),
        "S": {k: tensor_json(v) for k, v in S.items()},
        "loss_value": loss.item(),
        "grads": {**{n: tensor_json(g) for (n, _), g in zip(named, grads)}, "x": tensor_json(grads[-3]), "h0": tensor_json(grads[-2]), "c0": tensor_json(grads[-1])},
    }


def run_stacked(stacked, x, h0, c0, lengths):
    if lengths is None:
        return stacked(x, (h0, c0))
    y, hc = stacked(pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=True), (h0, c0))
    y, _ = pad_packed_sequence(y, total_length=x.shape[0])
    return y, hc


def classifier_case(name, lengths):
    gen = torch.Generator().manual_seed(SEED + 10 + (1 if lengths else 0))
    I, H, C, B, T = 3, 4, 5, 3, 5
    k = 1 / H**0.5

    def uniform(*shape, scale=1.0):
        return ((torch.rand(*shape, generator=gen) * 2 - 1) * scale).requires_grad_(True)

    gru = {"W_ih": uniform(3 * H, I, scale=k), "W_hh": uniform(3 * H, H, scale=k), "b_ih": uniform(3 * H, scale=k), "b_hh": uniform(3 * H, scale=k)}
    head = torch.nn.Linear(H, C)
    with torch.no_grad():
        head.weight.copy_(torch.rand(C, H, generator=gen) * 2 - 1)
        head.bias.copy_(torch.rand(C, generator=gen) * 2 - 1)
    x = uniform(T, B, I)
    h0 = uniform(B, H, scale=0.5)
    labels = torch.randint(0, C, (B,), generator=gen)
    S = torch.randn(B, H, generator=gen)
    mask_seed = 8000 + (1 if lengths else 0)
    # Layer 0 (the GRU) draws its two masks from stream 0; the model's dropout (after 2 layers) from stream 2.
    mx, mh = dropout_masks(stream_seed(mask_seed, 0), [(B, I), (B, H)], [0.25, 0.5])
    (mlast,) = dropout_masks(stream_seed(mask_seed, 2), [(B, H)], [0.5])
    lens = torch.tensor(lengths if lengths else [T] * B)
    h = h0
    for t in range(T):
        gx = (x[t] * mx) @ gru["W_ih"].T + gru["b_ih"]
        gh = (h * mh) @ gru["W_hh"].T + gru["b_hh"]
        xr, xz, xn = gx.chunk(3, dim=-1)
        hr, hz, hn = gh.chunk(3, dim=-1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h2 = (1 - z) * n + z * h
        valid = (t < lens).to(torch.float64)[:, None]
        h = valid * h2 + (1 - valid) * h
    # last(…) of the per-step output is the state at each example's last valid step: h after the loop.
    logits = head(h * mlast)
    ce = torch.nn.functional.cross_entropy(logits, labels)
    loss = ce + (h * S).sum()
    named = [(f"l0.{n}", t) for n, t in gru.items()] + [("head.W", head.weight), ("head.b", head.bias)]
    grads = torch.autograd.grad(loss, [t for _, t in named] + [x, h0])
    return {
        "name": name,
        "source": f"test/fixtures/models/dropout_classifier.rnn in training: the GRU of examples/vardrop_gru.rnn written out in torch {torch.__version__}, torch.nn.Linear, torch.nn.functional.cross_entropy; rnnc's masks",
        "note": f"seed {SEED + 10 + (1 if lengths else 0)}; masks from rnnc's generator, seed {mask_seed}: the layer's from stream 0, the model's from stream 2",
        "dims": {"I": I, "H": H, "C": C},
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths else {}),
        "seed": mask_seed,
        "masks": {"l0": [tensor_json(mx), tensor_json(mh)], "model": [tensor_json(mlast)]},
        "params": {n: tensor_json(t) for n, t in named},
        "x": tensor_json(x),
        "labels": labels.tolist(),
        "initial": {"l0.h": tensor_json(h0)},
        "outputs": {"logits": tensor_json(logits), "l0.h": tensor_json(h)},
        "cross_entropy": ce.item(),
        "loss": "cross_entropy(logits, labels) + sum(h_T * S)",
        "S": {"l0.h": tensor_json(S)},
        "loss_value": loss.item(),
        "grads": {**{n: tensor_json(g) for (n, _), g in zip(named, grads)}, "x": tensor_json(grads[-2]), "l0.h": tensor_json(grads[-1])},
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "test", "fixtures", "models")
    os.makedirs(out, exist_ok=True)
    cases = [
        ("dropout_lstm_2layer", lambda n: lstm_case(n, None)),
        ("dropout_lstm_2layer_lengths", lambda n: lstm_case(n, [5, 3])),
        ("dropout_classifier", lambda n: classifier_case(n, None)),
        ("dropout_classifier_lengths", lambda n: classifier_case(n, [5, 2, 4])),
    ]
    for name, make in cases:
        doc = make(name)
        path = os.path.join(out, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc))
        print(f"{path}: loss {doc['loss_value']!r}; {doc['note']}")


if __name__ == "__main__":
    main()
