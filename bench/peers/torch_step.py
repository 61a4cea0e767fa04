"""PyTorch peer of `npm run bench`: the same MLP, data and initial weights, SGD, one thread by default.

Run by bench/peers/torch.ts: python3 bench/peers/torch_step.py <dir> <threads>
<dir> holds spec.json ({sizes, batch, lr, steps, warm, epoch}) and float32 little-endian files:
W<l>.bin, b<l>.bin, x.bin (all training batches, rows of 784), y.bin, xt.bin, yt.bin (test set).
Prints one JSON line (torch_common.run).
"""
import torch

from torch_common import load, run, setup


def main():
    d, spec = setup()
    sizes = spec["sizes"]
    layers = len(sizes) - 1
    W = [load(d, f"W{l}.bin", (sizes[l], sizes[l + 1])).requires_grad_() for l in range(layers)]
    b = [load(d, f"b{l}.bin", (sizes[l + 1],)).requires_grad_() for l in range(layers)]

    def forward(h):
        for l in range(layers):
            h = h @ W[l] + b[l]
            if l + 1 < layers:
                h = torch.relu(h)
        return h

    run(d, spec, (784,), W + b, forward)


main()
