"""The engine's "stacked" arrangement against "im2col" on the same inputs: the forward and the
weight gradient, each forced by moving the thresholds that choose between them, timed in turn
(``groupconv.bench.interleaved_times``). A ratio below 1: "stacked" is faster. The shapes are
lifting layers (few input channels) and small maps in 1D, 2D and 3D, the P4CNN's lifting
layer among them; ``_STACKED_MAX_K`` (k^d C) is set from such a table.

    python benchmarks/bench_engine.py [--repeats N] [--dtype float32|float64]
"""

from __future__ import annotations

import argparse
from unittest import mock

import numpy as np

import groupconv.fast.engine as engine
from groupconv.bench import interleaved_times

#: (d, side, batch, input channels, k, padding, output channels)
CASES = [(2, 28, 64, 1, 3, 0, 40),     # the P4CNN's lifting layer
         (2, 28, 64, 1, 5, 2, 64), (2, 28, 64, 3, 3, 1, 64), (2, 28, 64, 3, 5, 0, 64),
         (2, 28, 64, 8, 3, 1, 64), (2, 28, 64, 16, 3, 1, 64),
         (2, 12, 64, 3, 3, 1, 64), (2, 12, 64, 8, 3, 0, 64), (2, 12, 64, 16, 3, 0, 64),
         (2, 32, 8, 3, 5, 2, 64), (2, 16, 32, 8, 3, 1, 16),
         (1, 200, 16, 3, 5, 2, 64), (1, 200, 16, 16, 5, 0, 64),
         (3, 10, 8, 1, 3, 1, 64), (3, 10, 8, 3, 3, 0, 64)]


def forced(stacked: bool):
    """The thresholds that make the engine take "stacked" (or "im2col") on these shapes."""
    return mock.patch.multiple(engine, _STACKED_MAX_K=10**9 if stacked else 0,
                               _IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9,
                               _DIRECT_MIN_POSITIONS=10**9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'case':<40} {'K':>4} {'forward stacked / im2col':>26} "
          f"{'weight gradient stacked / im2col':>34}")
    for d, side, batch, c, k, p, o in CASES:
        x = rng.standard_normal((batch, c) + (side,) * d).astype(args.dtype)
        w = rng.standard_normal((o,) + (k,) * d + (c,)).astype(args.dtype)
        dy = rng.standard_normal(engine.correlate(x, w, p).shape).astype(args.dtype)
        spaces = {True: engine.Workspace(), False: engine.Workspace()}

        def call(stacked: bool, gradient: bool):
            def run():
                with forced(stacked):
                    if gradient:
                        return engine.weight_gradient(x, dy, k, p, workspace=spaces[stacked])
                    return engine.correlate(x, w, p, workspace=spaces[stacked])
            return run

        t = interleaved_times({(s, g): call(s, g) for s in (True, False) for g in (False, True)},
                              args.repeats)
        name = f"{d}D b{batch} {c} -> {o}, {side}^{d}, k {k}, p {p}"
        cells = [f"{t[True, g] / t[False, g]:.2f} ({t[True, g] * 1e3:.2f} / "
                 f"{t[False, g] * 1e3:.2f} ms)" for g in (False, True)]
        print(f"{name:<40} {k**d * c:>4} {cells[0]:>26} {cells[1]:>34}")
    print(f"\nthe engine takes \"stacked\" where K = k^d C <= {engine._STACKED_MAX_K} "
          f"({args.dtype})")


if __name__ == "__main__":
    main()
