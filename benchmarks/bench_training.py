"""Benchmark of training: one forward + backward step of the P4CNN at batch 64, the share of the
time spent in the fast-path correlations, and backward / forward per correlation layer.

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

from groupconv import nn
from groupconv.nn import BankConv


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    steps = [timed_step(model, x, y, log) for _ in range(max(args.repeats, 5))]
    step = statistics.median(steps)

    print(f"P4CNN ({model.n_parameters} parameters), batch {args.batch}, 28x28, {dtype.name}: "
          f"one forward + backward step {step * 1e3:.1f} ms (median of {len(steps)})")
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
