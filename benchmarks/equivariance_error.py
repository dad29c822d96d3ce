"""Measured equivariance error of SE(2) with N orientations and of the scale-translation group.

    python benchmarks/equivariance_error.py [--size 64] [--out figures]

Prints a table and writes figures/equivariance_se2.png and figures/equivariance_scale.png:
- SE2(N), N in {4, 8, 16}: relative L2 error inside a central disk against the input rotation
  angle, 0 to 360 degrees in 5-degree steps, for a random lifting layer and for a random
  3-layer network followed by the projection over theta; and the error of rotating the input
  alone and back (what the bilinear interpolation itself costs);
- the scale lifting (base sqrt 2, 5 scales; error at the middle scale) against the input scale
  factor, and the error of scaling the input alone and back;
- the time of one SE2(N) lifting and group layer (batch 8, 8 channels, 64 x 64, float32).
The input is the grace_hopper photograph shipped with matplotlib, grey, size x size.
See groupconv/checks/equivariance.py for the definitions.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import time

import numpy as np

from groupconv import SE2, nn
from groupconv.checks import equivariance as eq
from groupconv.fast.interpolation import scale_image
from groupconv.images import grace_hopper

NS = (4, 8, 16)
KERNEL, LAYERS = 5, 3
BASE, N_SCALES = 2**0.5, 5


def rotation_results(size: int) -> dict:
    image = grace_hopper(size)
    radius = size / 2 - LAYERS * (KERNEL - 1) / 2 - 2   # rotated corners and padding stay out
    angles = np.arange(0, 361, 5)
    results = {"angles": angles, "radius": radius,
               "interpolation": eq.interpolation_curve(image, angles, radius)}
    for n in NS:
        results["lifting", n] = eq.rotation_curve(eq.se2_lifting(n, k=KERNEL), image, angles,
                                                  radius, n=n)
        results["network", n] = eq.rotation_curve(eq.se2_network(n, k=KERNEL), image, angles,
                                                  radius)
    return results


def scale_results(size: int) -> dict:
    image = grace_hopper(size)
    factors = BASE ** np.linspace(-2, 2, 33)
    return {"factors": factors,
            "lifting": eq.scale_curve(eq.scale_lifting(N_SCALES, BASE), image, factors, size / 4,
                                      BASE),
            "interpolation": np.array([
                eq.relative_l2_error(scale_image(scale_image(image, f), 1 / f), image,
                                  eq.disk(size, size / 4)) for f in factors])}


def layer_times(repeats: int = 5) -> dict:
    rng = np.random.default_rng(0)
    times = {}
    for n in NS:
        x = rng.standard_normal((8, 8, 64, 64)).astype(np.float32)
        lift = nn.LiftingConv(SE2(n), 8, 8, KERNEL, mode="same", rng=0)
        group = nn.GroupConv(SE2(n), 8, 8, KERNEL, mode="same", rng=0)
        y = lift(x)
        for name, layer, arg in (("lifting", lift, x), ("group", group, y)):
            layer(arg)
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                layer(arg)
                runs.append(time.perf_counter() - start)
            times[name, n] = statistics.median(runs)
    return times


def plot(rot: dict, sc: dict, out: pathlib.Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    for ax, what in zip(axes, ("lifting", "network")):
        for n in NS:
            ax.plot(rot["angles"], rot[what, n], marker=".", label=f"N = {n}")
        ax.set_title("one lifting layer" if what == "lifting" else
                     f"{LAYERS}-layer network + projection over theta")
    axes[2].plot(rot["angles"], rot["interpolation"], color="k", marker=".")
    axes[2].set_title("rotating the input alone and back")
    for ax in axes:
        ax.set_xlabel("input rotation (degrees)")
        ax.set_xticks(range(0, 361, 45))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("relative L2 error in the central disk")
    axes[0].legend()
    fig.suptitle("SE(2) with N orientations: measured equivariance error (zero at multiples "
                 "of 90 degrees)")
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "equivariance_se2.png", dpi=100)

    fig = Figure(figsize=(6, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.semilogx(sc["factors"], sc["lifting"], marker=".", label=f"scale lifting, middle of "
                f"{N_SCALES} scales (base {BASE:.3g})")
    ax.semilogx(sc["factors"], sc["interpolation"], marker=".", color="k",
                label="scaling the input alone and back")
    ticks = BASE ** np.arange(-2, 3)
    ax.set_xticks(ticks, [f"{t:.3g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("input scale factor")
    ax.set_ylabel("relative L2 error in the central disk")
    ax.set_title("Scale-translation group: measured equivariance error")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.savefig(out / "equivariance_scale.png", dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=64, help="test image size (pixels)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("figures"))
    args = parser.parse_args()
    rot = rotation_results(args.size)
    sc = scale_results(args.size)
    shown = [0, 5, 10, 20, 45, 90, 135, 180, 270]
    print(f"SE(2): relative L2 equivariance error in a disk of radius {rot['radius']:.0f} px "
          f"({args.size} x {args.size} grace_hopper, k = {KERNEL}, random weights, seed 0)")
    print(f"{'angle':>6} {'interp.':>8} " + " ".join(f"{f'lift N={n}':>10}" for n in NS)
          + " " + " ".join(f"{f'net N={n}':>10}" for n in NS))
    for degrees in shown:
        i = int(np.flatnonzero(rot["angles"] == degrees)[0])
        print(f"{degrees:6g} {rot['interpolation'][i]:8.4f} "
              + " ".join(f"{rot['lifting', n][i]:10.4f}" for n in NS) + " "
              + " ".join(f"{rot['network', n][i]:10.4f}" for n in NS))
    print(f"\nscale lifting (base {BASE:.4g}, {N_SCALES} scales, k = 3): error at the middle scale "
          f"against the input scale factor, disk of radius {args.size // 4} px")
    for f, e, i in zip(sc["factors"][::4], sc["lifting"][::4], sc["interpolation"][::4]):
        print(f"  factor {f:6.3f}: lifting {e:.4f}   (scaling alone and back {i:.4f})")
    print("\ntime per layer (batch 8, 8 -> 8 channels, 64 x 64, k = 5, float32, 'same')")
    times = layer_times()
    for n in NS:
        print(f"  N = {n:2d}: lifting {times['lifting', n] * 1e3:7.1f} ms, "
              f"group {times['group', n] * 1e3:8.1f} ms")
    plot(rot, sc, args.out)
    print(f"\nplots written to {args.out}/equivariance_se2.png, {args.out}/equivariance_scale.png")


if __name__ == "__main__":
    main()
