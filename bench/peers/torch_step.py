"""PyTorch peer of `npm run bench`: the same MLP, data and initial weights, SGD, one thread by default.

Run by bench/peers/torch.ts: python3 bench/peers/torch_step.py <dir> <threads>
<dir> holds spec.json ({sizes, batch, lr, steps, warm, epoch}) and float32 little-endian files:
W<l>.bin, b<l>.bin, x.bin (all training batches, rows of 784), y.bin, xt.bin, yt.bin (test set).
Prints one JSON line: {"ms_median": ..., "test_acc": ..., "steps_timed": ...}.
"""
import json
import os
import statistics
import sys
import time

import torch


def load(d, name, shape):
    with open(os.path.join(d, name), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(shape).clone()


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    spec = json.load(open(os.path.join(d, "spec.json")))
    sizes, batch = spec["sizes"], spec["batch"]
    layers = len(sizes) - 1
    W = [load(d, f"W{l}.bin", (sizes[l], sizes[l + 1])).requires_grad_() for l in range(layers)]
    b = [load(d, f"b{l}.bin", (sizes[l + 1],)).requires_grad_() for l in range(layers)]
    x = load(d, "x.bin", (-1, 784))
    y = load(d, "y.bin", (-1,)).long()
    xt = load(d, "xt.bin", (-1, 784))
    yt = load(d, "yt.bin", (-1,)).long()
    opt = torch.optim.SGD(W + b, lr=spec["lr"])

    def forward(h):
        for l in range(layers):
            h = h @ W[l] + b[l]
            if l + 1 < layers:
                h = torch.relu(h)
        return h

    def accuracy():
        with torch.no_grad():
            return (forward(xt).argmax(1) == yt).float().mean().item()

    epoch = spec["epoch"]
    times, acc = [], None
    for s in range(spec["steps"]):
        i = s % epoch
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(forward(xb), yb)
        loss.backward()
        opt.step()
        loss.item()
        dt = (time.perf_counter() - t0) * 1000
        if s >= spec["warm"]:
            times.append(dt)
        if s + 1 == epoch:
            acc = accuracy()
    if acc is None:
        acc = accuracy()
    print(json.dumps({"ms_median": statistics.median(times), "test_acc": acc, "steps_timed": len(times)}))


main()
