"""PyTorch peer of `npm run bench:conv`: the same small convnet, data and initial weights, SGD.

Run by bench/peers/conv-torch.ts: python3 bench/peers/conv_torch_step.py <dir> <threads>
<dir> holds spec.json ({batch, lr, steps, warm, epoch}) and float32 little-endian files:
conv0.W.bin [8,1,5,5], conv0.b.bin, conv1.W.bin [16,8,5,5], conv1.b.bin, dense.W.bin [256,10],
dense.b.bin, x.bin (all training batches, images of 28·28), y.bin, xt.bin, yt.bin (test set).
Prints one JSON line: {"ms_median", "cpu_ms_median", "test_acc", "steps_timed"}.
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def load(d, name, shape):
    with open(os.path.join(d, name), "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(shape).clone()


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    spec = json.load(open(os.path.join(d, "spec.json")))
    batch = spec["batch"]
    shapes = {"conv0.W": (8, 1, 5, 5), "conv0.b": (8,), "conv1.W": (16, 8, 5, 5), "conv1.b": (16,), "dense.W": (256, 10), "dense.b": (10,)}
    p = {k: load(d, f"{k}.bin", s).requires_grad_() for k, s in shapes.items()}
    x = load(d, "x.bin", (-1, 1, 28, 28))
    y = load(d, "y.bin", (-1,)).long()
    xt = load(d, "xt.bin", (-1, 1, 28, 28))
    yt = load(d, "yt.bin", (-1,)).long()
    opt = torch.optim.SGD(list(p.values()), lr=spec["lr"])

    def forward(h):
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv0.W"], p["conv0.b"])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv1.W"], p["conv1.b"])), 2)
        return h.reshape(h.shape[0], 256) @ p["dense.W"] + p["dense.b"]

    def accuracy():
        with torch.no_grad():
            return (forward(xt).argmax(1) == yt).float().mean().item()

    epoch = spec["epoch"]
    times, cpu, acc = [], [], None
    for s in range(spec["steps"]):
        i = s % epoch
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(xb), yb)
        loss.backward()
        opt.step()
        loss.item()
        dt, dc = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        if s >= spec["warm"]:
            times.append(dt)
            cpu.append(dc)
        if s + 1 == epoch:
            acc = accuracy()
    if acc is None:
        acc = accuracy()
    print(json.dumps({"ms_median": statistics.median(times), "cpu_ms_median": statistics.median(cpu), "test_acc": acc, "steps_timed": len(times)}))


main()
