"""Benchmark of training: one forward + backward step of the P4CNN at batch 64, the share of the
time spent in the fast-path correlations, backward / forward per correlation layer, and the
same network's step in PyTorch side by side (where torch is installed): the bank expanded by
``groupconv.filter_bank`` on torch tensors, then conv2d, batch norm, pooling and autograd.

    python benchmarks/bench_training.py [--repeats N] [--batch B] [--dtype float32|float64]

Times are medians over N steps after one warm-up step (time.perf_counter). Each layer's
forward and backward are timed inside the same steps, so the per-layer figures add up to the
step (up to the loss and Python overhead).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import numpy as np

from groupconv import filter_bank, nn
from groupconv.nn import BankConv

try:
    import torch
except ImportError:  # the comparison is optional
    torch = None


def timed_step(model, x, y, log):
    """One training step as ``nn.fit`` does it (no input gradient for the first layer, whose
    input is the data), recording every layer's forward and backward time in ``log``."""
    start = time.perf_counter()
    caches = []
    h = x
    for i, layer in enumerate(model.layers):
        t = time.perf_counter()
        h, cache = layer.forward(h, True)
        log[i, "forward"].append(time.perf_counter() - t)
        caches.append(cache)
    loss, dy = nn.softmax_cross_entropy(h, y)
    for i in range(len(model.layers) - 1, -1, -1):
        t = time.perf_counter()
        dy, _ = model.layers[i].backward(caches[i], dy, input_grad=i > 0)  # as in fit()
        log[i, "backward"].append(time.perf_counter() - t)
    return time.perf_counter() - start


def torch_step(model, x, y):
    """The same network, weights and batch in torch: returns a function doing one forward and
    backward step (autograd), and the loss of that step."""
    F = torch.nn.functional
    params = {name: torch.tensor(np.array(value), requires_grad=True)
              for name, value in model.params.items()}
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def forward():
        h = xt
        for i, layer in enumerate(model.layers):
            if isinstance(layer, BankConv):
                w = params[f"{i}.weight"]
                bank = filter_bank(w, layer.bank.group)
                o, s, c, t, k = bank.shape[0], bank.shape[1], bank.shape[2], bank.shape[3], \
                    bank.shape[-1]
                h = F.conv2d(h.reshape(h.shape[0], c * t, h.shape[-2], h.shape[-1]),
                             bank.reshape(o * s, c * t, k, k))
                h = h.reshape(h.shape[0], o, s, h.shape[-2], h.shape[-1])
                if f"{i}.bias" in params:
                    h = h + params[f"{i}.bias"].reshape(-1, 1, 1, 1)
            elif isinstance(layer, nn.BatchNorm):
                shape = h.shape       # one mean and variance per G-channel, as nn.BatchNorm
                h = F.batch_norm(h.reshape(shape[0], shape[1], -1), None, None,
                                 params[f"{i}.gamma"], params[f"{i}.beta"], training=True,
                                 eps=layer.eps).reshape(shape)
            elif isinstance(layer, nn.ReLU):
                h = F.relu(h)
            elif isinstance(layer, nn.SpatialPool):
                b, c, s, hh, ww = h.shape
                h = F.max_pool2d(h.reshape(b, c * s, hh, ww), layer.size).reshape(
                    b, c, s, hh // 2, ww // 2)
            elif isinstance(layer, nn.SubgroupPool):
                h = h.amax(dim=2)
            elif isinstance(layer, nn.GlobalPool):
                h = h.mean(dim=(-2, -1))
        return F.cross_entropy(h, yt)

    def step():
        for p in params.values():
            p.grad = None
        loss = forward()
        loss.backward()
        return float(loss.detach())

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    model = nn.p4cnn(dtype=dtype)
    x = rng.standard_normal((args.batch, 1, 28, 28)).astype(dtype)
    y = rng.integers(0, 10, args.batch)
    log = defaultdict(list)
    timed_step(model, x, y, defaultdict(list))  # warm-up: workspaces, caches
    other = torch_step(model, x, y) if torch is not None else None
    steps, torch_steps = [], []
    for _ in range(max(args.repeats, 5)):      # the two libraries in turn, side by side
        time.sleep(0.3)
        steps.append(timed_step(model, x, y, log))
        if other is not None:
            time.sleep(0.3)
            start = time.perf_counter()
            other()
            torch_steps.append(time.perf_counter() - start)
    step = statistics.median(steps)

    print(f"P4CNN ({model.n_parameters} parameters), batch {args.batch}, 28x28, {dtype.name}: "
          f"one forward + backward step {step * 1e3:.1f} ms (median of {len(steps)})")
    if other is not None:
        ours = nn.softmax_cross_entropy(model.forward(x, True)[0], y)[0]
        theirs = other()
        t = statistics.median(torch_steps)
        print(f"the same step in torch {torch.__version__} (filter_bank on torch tensors, conv2d, "
              f"autograd): {t * 1e3:.1f} ms; groupconv's throughput / torch's: {t / step:.2f}x "
              f"(losses {ours:.6f} and {theirs:.6f})")
    print(f"\n{'layer':<4} {'':<62} {'forward ms':>10} {'backward ms':>11} {'bwd/fwd':>8}")
    conv_total = 0.0
    worst = 0.0
    for i, layer in enumerate(model.layers):
        fwd = statistics.median(log[i, "forward"])
        bwd = statistics.median(log[i, "backward"])
        ratio = bwd / fwd
        mark = ""
        if isinstance(layer, BankConv):
            conv_total += fwd + bwd
            worst = max(worst, ratio)
            mark = "  <- correlation"
        print(f"{i:<4} {layer!r:<62.62} {fwd * 1e3:10.2f} {bwd * 1e3:11.2f} {ratio:8.2f}{mark}")
    print(f"\ncorrelation layers (fast path): {conv_total * 1e3:.1f} ms = "
          f"{100 * conv_total / step:.0f}% of the step")
    print(f"largest backward / forward of a correlation layer: {worst:.2f} (target <= 2.5)")


if __name__ == "__main__":
    main()
