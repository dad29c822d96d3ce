"""The wallpaper groups, measured: the largest equivariance error of every group's layers, and
the speed of a p6 group layer against p4's at equal channel count (with torch's conv2d on the
identical banks side by side, when torch is installed).

    python benchmarks/wallpaper.py [--repeats 9] [--trials 3]

Equivariance: for each of the 13 groups, random float64 inputs and weights (k = 1, 3 and, on
the square lattice, 2 and 4; 7 x 7 inputs), the lifting correlation, group correlation and
group convolution in the modes valid, same and full, and every element h of the point group:
max |layer(L_h x) - L_h layer(x)| / max |layer(x)|.

Speed: group correlation forward, batch 8, 16 -> 16 channels per orientation, 33 x 33 input,
k = 3, float32 and float64, median of ``repeats`` calls; p6 has 6 orientations to p4's 4, so
its bank is (6/4)^2 = 2.25 times larger (7 of its 9 taps are used, but all 9 are computed).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

import groupconv
from groupconv.bench import _optional, _torch_reference, make, median_time
from groupconv.fast import transform
from groupconv.groups import WALLPAPER, Kind, Space

OPS = {"lifting": groupconv.lifting_correlation, "correlation": groupconv.group_correlation,
       "convolution": groupconv.group_convolution}


def equivariance(trials: int, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    worst = {}
    for name, group in WALLPAPER.items():
        ks = (1, 3) if group.lattice == "hexagonal" else (1, 2, 3, 4)
        s = group.samples
        err = 0.0
        for _, kind, mode, k in itertools.product(range(trials), OPS, ("valid", "same", "full"),
                                                  ks):
            axis = () if kind == "lifting" else (s,)
            x = rng.standard_normal((2, 2) + axis + (7, 7))
            w = rng.standard_normal((3, 2) + axis + (k, k))
            y = OPS[kind](x, w, group, mode=mode)
            for h in group.point_elements():
                moved = OPS[kind](transform(x, h, Kind.parse(kind).input_space(group)), w,
                                  group, mode=mode)
                err = max(err, float(np.abs(moved - transform(y, h, Space.on_group(group))).max()
                                     / np.abs(y).max()))
        worst[name] = err
    return worst


def speed(repeats: int) -> list[dict]:
    torch = _optional("torch")
    if torch is not None:
        torch.set_num_threads(2)
    rows = []
    for dtype in (np.float32, np.float64):
        row = {"dtype": np.dtype(dtype).name}
        for name in ("p4", "p6"):
            group = groupconv.get_group(name)
            x, w = make(group, False, 8, 16, 16, 33, 3, dtype)
            ws = groupconv.Workspace()
            row[name] = median_time(lambda: groupconv.group_correlation(x, w, group,
                                                                        workspace=ws), repeats)
            if torch is not None:
                row[f"torch {name}"] = median_time(_torch_reference(torch, group, False, x, w),
                                                   repeats)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args(argv)
    print("largest relative equivariance error, every element of the point group (float64)")
    for name, err in equivariance(args.trials).items():
        group = groupconv.get_group(name)
        print(f"  {name:5} |H| = {group.samples:2}  {group.lattice:9}  {err:.1e}")
    print("\ngroup correlation, batch 8, 16 -> 16 channels, 33 x 33, k = 3 (median ms)")
    for row in speed(args.repeats):
        line = (f"  {row['dtype']}: p4 {1e3 * row['p4']:7.1f}  p6 {1e3 * row['p6']:7.1f}  "
                f"p6 / p4 = {row['p6'] / row['p4']:.2f}")
        if "torch p4" in row:
            line += (f"   torch conv2d on the same banks: p4 {1e3 * row['torch p4']:7.1f}  "
                     f"p6 {1e3 * row['torch p6']:7.1f}  p6 / p4 = "
                     f"{row['torch p6'] / row['torch p4']:.2f}; time groupconv / torch: "
                     f"p4 {row['p4'] / row['torch p4']:.2f}, p6 {row['p6'] / row['torch p6']:.2f}")
        print(line)


if __name__ == "__main__":
    main()
