"""The "traced-and-unrolled" PyTorch export of an LSTM, the peer of `rnnc onnx --recurrence unroll`
(called by bench/systems/ort-torch-traced.ts; not run on its own).

Usage: python3 torch_export.py CONFIG.json

CONFIG names a directory holding raw little-endian float32 files W_ih [4H, I], W_hh [4H, H], b_ih [4H] and
b_hh [4H] (PyTorch's layout and gate order, as rnnc's examples/lstm.rnn), the sizes I, H, B, T, the ONNX
opset and the output path. The model is a Python loop over T steps of torch.nn.LSTMCell from a zero state,
exported by torch.onnx.export, which traces it (torch.jit tracing): every step becomes its own copy of the
cell's operators in the graph, so T is fixed; the batch axis is declared dynamic. Input "x" [T, B, I],
output "y" [T, B, H] (the hidden state after each step). Prints one JSON object on stdout: torch version,
opset, export path, and the eager model's output checksum.
"""
import json
import os
import sys

# One thread, before torch loads its BLAS (as torch_bench.py): export does little arithmetic, but the
# eager sanity run below should not spread over the machine's cores.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"

import torch  # noqa: E402  (after the thread settings above)


def read_f32(directory, name, shape):
    with open(os.path.join(directory, name + ".f32"), "rb") as f:
        data = bytearray(f.read())
    expected = 4
    for n in shape:
        expected *= n
    if len(data) != expected:
        raise SystemExit(f"{name}.f32 holds {len(data)} bytes, expected {expected} for shape {list(shape)}")
    return torch.frombuffer(data, dtype=torch.float32).reshape(shape).clone()


class UnrolledLSTM(torch.nn.Module):
    """An LSTM over a whole sequence written as a Python loop of LSTMCell steps: tracing records each
    step separately, which is what "traced and unrolled" means here."""

    def __init__(self, input_size, hidden_size, steps):
        super().__init__()
        self.cell = torch.nn.LSTMCell(input_size, hidden_size)
        self.hidden_size = hidden_size
        self.steps = steps

    def forward(self, x):
        # Zero state with the batch size taken from x, so that the exported batch axis can stay dynamic.
        h = x.new_zeros(x.shape[1], self.hidden_size)
        c = x.new_zeros(x.shape[1], self.hidden_size)
        outputs = []
        for t in range(self.steps):
            h, c = self.cell(x[t], (h, c))
            outputs.append(h)
        return torch.stack(outputs)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    torch.set_num_threads(1)
    d, I, H, B, T = cfg["dir"], cfg["I"], cfg["H"], cfg["B"], cfg["T"]
    opset = cfg["opset"]
    model = UnrolledLSTM(I, H, T)
    with torch.no_grad():
        model.cell.weight_ih.copy_(read_f32(d, "W_ih", (4 * H, I)))
        model.cell.weight_hh.copy_(read_f32(d, "W_hh", (4 * H, H)))
        model.cell.bias_ih.copy_(read_f32(d, "b_ih", (4 * H,)))
        model.cell.bias_hh.copy_(read_f32(d, "b_hh", (4 * H,)))
    model.eval()
    x = read_f32(d, "x", (T, B, I))
    with torch.no_grad():
        eager = model(x)
        torch.onnx.export(
            model,
            (x,),
            cfg["out"],
            opset_version=opset,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": {1: "batch"}, "y": {1: "batch"}},
            do_constant_folding=True,
        )
    print(json.dumps({"torch": torch.__version__, "opset": opset,
                      "path": "torch.onnx.export (TorchScript tracing) of a Python loop over torch.nn.LSTMCell",
                      "eager_sum": float(eager.double().sum())}))


if __name__ == "__main__":
    main()
