"""What the PyTorch peers share: reading the float32 files the bench wrote, and the timed SGD loop.

<dir> holds spec.json ({batch, lr, steps, warm, epoch, ...}) and float32 little-endian files,
among them x.bin (all training batches), y.bin, xt.bin and yt.bin (the test set).
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


def setup():
    """(dir, spec) from argv: python3 <script> <dir> <threads>; sets torch's thread count."""
    d, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    return d, json.load(open(os.path.join(d, "spec.json")))


def run(d, spec, example_shape, params, forward):
    """Trains with SGD on the spec's batches, timing zero_grad + forward + backward + step; test
    accuracy after one epoch. Prints one JSON line: ms_median, cpu_ms_median, test_acc, steps_timed."""
    batch = spec["batch"]
    x = load(d, "x.bin", (-1, *example_shape))
    y = load(d, "y.bin", (-1,)).long()
    xt = load(d, "xt.bin", (-1, *example_shape))
    yt = load(d, "yt.bin", (-1,)).long()
    opt = torch.optim.SGD(params, lr=spec["lr"])

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
