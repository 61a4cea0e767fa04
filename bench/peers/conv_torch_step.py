"""PyTorch peer of `npm run bench:conv`: the same small convnet, data and initial weights, SGD.

Run by bench/peers/conv-torch.ts: python3 bench/peers/conv_torch_step.py <dir> <threads>
<dir> holds spec.json ({batch, lr, steps, warm, epoch}) and float32 little-endian files:
conv0.W.bin [8,1,5,5], conv0.b.bin, conv1.W.bin [16,8,5,5], conv1.b.bin, dense.W.bin [256,10],
dense.b.bin, x.bin (all training batches, images of 28·28), y.bin, xt.bin, yt.bin (test set).
Prints one JSON line (torch_common.run).
"""
import torch.nn.functional as F

from torch_common import load, run, setup


def main():
    d, spec = setup()
    shapes = {"conv0.W": (8, 1, 5, 5), "conv0.b": (8,), "conv1.W": (16, 8, 5, 5), "conv1.b": (16,), "dense.W": (256, 10), "dense.b": (10,)}
    p = {k: load(d, f"{k}.bin", s).requires_grad_() for k, s in shapes.items()}

    def forward(h):
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv0.W"], p["conv0.b"])), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv1.W"], p["conv1.b"])), 2)
        return h.reshape(h.shape[0], 256) @ p["dense.W"] + p["dense.b"]

    run(d, spec, (1, 28, 28), list(p.values()), forward)


main()
