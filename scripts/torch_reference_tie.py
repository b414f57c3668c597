#!/usr/bin/env python3
"""Reference numbers for a language model with tied weights, from PyTorch in float64.

The model is the classic one of Press & Wolf (2017) and of PyTorch's word_language_model example: an
embedding, an LSTM and an output projection whose weight *is* the embedding's (`decoder.weight =
encoder.weight`). examples/tied_lm.rnn writes it with `tie readout.W = embed.W`. Writes
test/fixtures/models/tie_lm.json and tie_lm_lengths.json (or into the directory given as the first
argument), under the model's own names:

  embed.W   = encoder.weight.T  ([E, V]: std's Embedding stores the transpose of torch.nn.Embedding's)
  lstm.*    = the LSTM's weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0
  readout.b = decoder.bias      (readout.W is embed.W: no key of its own)

The objective is J = loss + sum(logits ⊙ R) + sum(h_T ⊙ S_h) + sum(c_T ⊙ S_c), where loss is the
cross-entropy against `next` averaged over the valid steps of every example and logits are zero past an
example's length (rnnc's semantics of a per-step value there). Every gradient is autograd's of J;
encoder.weight's is the sum of its two uses, which autograd gives by itself. Deterministic: fixed seeds,
one thread.
"""
import json
import os
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

SEED = 20261205
V, E, T, B = 7, 4, 5, 3


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


class TiedLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Embedding(V, E)
        self.lstm = torch.nn.LSTM(E, E)
        self.decoder = torch.nn.Linear(E, V)
        self.decoder.weight = self.encoder.weight  # the tie

    def forward(self, tokens, state, lengths):
        emb = self.encoder(tokens)  # [T, B, E]
        if lengths is None:
            h, (hT, cT) = self.lstm(emb, state)
        else:
            packed = pack_padded_sequence(emb, torch.tensor(lengths), enforce_sorted=False)
            out, (hT, cT) = self.lstm(packed, state)
            h, _ = pad_packed_sequence(out, total_length=T)
        logits = self.decoder(h)
        if lengths is not None:
            valid = (torch.arange(T)[:, None] < torch.tensor(lengths)[None, :]).to(logits.dtype)
            logits = logits * valid[:, :, None]  # zero past each example's length, as rnnc's outputs
        return logits, hT, cT


def case(lengths):
    torch.manual_seed(SEED + (0 if lengths is None else 1))
    model = TiedLM()
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.5, 0.5)
    assert model.decoder.weight is model.encoder.weight
    tokens = torch.randint(0, V, (T, B))
    nxt = torch.randint(0, V, (T, B))
    h0 = torch.rand(1, B, E) - 0.5
    c0 = torch.rand(1, B, E) - 0.5
    h0.requires_grad_(True)
    c0.requires_grad_(True)
    R = torch.rand(T, B, V) * 2 - 1
    S_h = torch.rand(B, E) * 2 - 1
    S_c = torch.rand(B, E) * 2 - 1

    logits, hT, cT = model(tokens, (h0, c0), lengths)
    lens = [T] * B if lengths is None else lengths
    rows = [(t, b) for b in range(B) for t in range(lens[b])]
    picked = torch.stack([logits[t, b] for t, b in rows])
    targets = torch.tensor([int(nxt[t, b]) for t, b in rows])
    loss = torch.nn.functional.cross_entropy(picked, targets)
    J = loss + (logits * R).sum() + (hT[0] * S_h).sum() + (cT[0] * S_c).sum()
    J.backward()

    lstm = model.lstm
    params = {
        "embed.W": model.encoder.weight.T,
        "lstm.W_ih": lstm.weight_ih_l0,
        "lstm.W_hh": lstm.weight_hh_l0,
        "lstm.b_ih": lstm.bias_ih_l0,
        "lstm.b_hh": lstm.bias_hh_l0,
        "readout.b": model.decoder.bias,
    }
    grads = {
        "embed.W": model.encoder.weight.grad.T,
        "lstm.W_ih": lstm.weight_ih_l0.grad,
        "lstm.W_hh": lstm.weight_hh_l0.grad,
        "lstm.b_ih": lstm.bias_ih_l0.grad,
        "lstm.b_hh": lstm.bias_hh_l0.grad,
        "readout.b": model.decoder.bias.grad,
        "initial.lstm.h": h0.grad[0],
        "initial.lstm.c": c0.grad[0],
    }
    grads = {k: v.detach().clone() for k, v in grads.items()}
    params = {k: v.detach().clone() for k, v in params.items()}

    # The tie's gradient is the sum of both uses: recompute the embedding's use alone (the readout
    # weight detached) and record the difference, so the fixture shows both parts are non-zero.
    model.zero_grad()
    with torch.no_grad():
        untied_w = model.encoder.weight.detach().clone()
    model.decoder.weight = torch.nn.Parameter(untied_w)
    logits2, hT2, cT2 = model(tokens, (h0.detach(), c0.detach()), lengths)
    picked2 = torch.stack([logits2[t, b] for t, b in rows])
    J2 = torch.nn.functional.cross_entropy(picked2, targets) + (logits2 * R).sum() + (hT2[0] * S_h).sum() + (cT2[0] * S_c).sum()
    J2.backward()
    summed = (model.encoder.weight.grad + model.decoder.weight.grad - grads["embed.W"].T).abs().max().item()
    assert abs(J2.item() - J.item()) < 1e-12 and summed < 1e-12, (J2.item(), J.item(), summed)

    return {
        "note": (
            "torch.nn.Embedding + LSTM + Linear with decoder.weight = encoder.weight, float64; "
            f"embed.W is encoder.weight.T. The tied gradient equals the embedding's use plus the readout's "
            f"(checked by untying: max difference {summed:.1e}); the readout's part alone has max |g| "
            f"{model.decoder.weight.grad.abs().max().item():.3f}, the embedding's {model.encoder.weight.grad.abs().max().item():.3f}."
        ),
        "dims": {"V": V, "E": E},
        "batch": B,
        "steps": T,
        **({"lengths": lengths} if lengths is not None else {}),
        "params": {k: tensor_json(v) for k, v in params.items()},
        "tokens": tensor_json(tokens),
        "next": tensor_json(nxt),
        "initial": {"lstm.h": tensor_json(h0[0]), "lstm.c": tensor_json(c0[0])},
        "outputs": {"logits": tensor_json(logits)},
        "final": {"lstm.h": tensor_json(hT[0]), "lstm.c": tensor_json(cT[0])},
        "loss": loss.item(),
        "R": tensor_json(R),
        "S": {"lstm.h": tensor_json(S_h), "lstm.c": tensor_json(S_c)},
        "grads": {k: tensor_json(v) for k, v in grads.items()},
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "models")
    os.makedirs(out, exist_ok=True)
    for name, lengths in (("tie_lm", None), ("tie_lm_lengths", [5, 2, 3])):
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(case(lengths), f, indent=1)
            f.write("\n")
        print(f"wrote {name}.json")


if __name__ == "__main__":
    main()
