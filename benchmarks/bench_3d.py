"""The 3D group correlation against the libraries' own 3D convolutions on the identical expanded
bank, side by side in one run: NumPy through groupconv against torch's conv3d, torch tensors
through groupconv (bank gather + conv3d), JAX through groupconv (under jax.jit) against
jax.lax.conv_general_dilated on the same bank.

    python benchmarks/bench_3d.py [--repeats 7] [--dtype float32 float64]

Cases: the cube's rotation group O (P432, 24 orientations) and the square prism's D4h (P4/mmm,
16), G-channels 4 -> 4, volumes 14^3, k = 3, "valid", batch 8 and 1. Times are medians of
``--repeats`` calls after a warm-up. NumPy through groupconv, torch's conv3d and torch through
groupconv take turns call by call, each call after a 0.2 s rest (the previous library's threads
idle), so that a drift of the host's speed touches every side of a ratio alike; JAX runs after
every NumPy and torch case, in a pass of its own, JAX through groupconv and lax alone in turn.
Ratios are the other library's time over ours (above 1: groupconv is faster).
"""

from __future__ import annotations

import argparse

import numpy as np

from groupconv import group_correlation
from groupconv.bench import LIBRARY_PAUSE, interleaved_times, machine
from groupconv.fast.banks import LatticeBank
from groupconv.fast.engine import Workspace
from groupconv.groups import Kind, get_group

#: (name, group, batch, G-channels in, G-channels out, side, k)
CASES = (
    ("O    b8 4->4 14^3 k3", "P432", 8, 4, 4, 14, 3),
    ("O    b1 4->4 14^3 k3", "P432", 1, 4, 4, 14, 3),
    ("D4h  b8 4->4 14^3 k3", "P4/mmm", 8, 4, 4, 14, 3),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dtype", nargs="+", default=["float32", "float64"],
                        choices=["float32", "float64"])
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
    except ImportError:
        jax = None
    print(machine())
    print(f"{'case':<22} {'dtype':<8} {'numpy ms':>9} {'conv3d ms':>10} {'conv3d/np':>10} "
          f"{'torch-gc ms':>12} {'conv3d/tgc':>11} {'jax-gc ms':>10} {'lax ms':>8} "
          f"{'lax/jgc':>8}")
    cases = [(dtype, case) for dtype in map(np.dtype, args.dtype) for case in CASES]
    rows: dict[tuple, dict[str, float]] = {}
    # NumPy and torch first, every case; JAX in a pass of its own after them (XLA's threads,
    # busy just before, slowed the next case's NumPy calls by up to 40% in one process)
    for dtype, case in cases:
        name, group_name, batch, c_in, c_out, side, k = case
        group, x, w, bank, flat = _inputs(dtype, case)
        ws = Workspace()
        calls = {"numpy": lambda: group_correlation(x, w, group, workspace=ws)}
        if torch is not None:
            xt, bt = torch.from_numpy(flat.copy()), torch.from_numpy(bank.copy())
            x6, w6 = torch.from_numpy(x), torch.from_numpy(w)
            calls["conv3d"] = lambda: torch.nn.functional.conv3d(xt, bt)
            calls["torch_gc"] = lambda: group_correlation(x6, w6, group)
        # side by side: the libraries take turns call by call, each call after a rest
        rows[dtype, name] = interleaved_times(calls, args.repeats, pause=LIBRARY_PAUSE)
    for dtype, case in cases if jax is not None else ():
        group, x, w, bank, flat = _inputs(dtype, case)
        xj, wj = jax.numpy.asarray(x), jax.numpy.asarray(w)
        ours = jax.jit(lambda a, b, group=group: group_correlation(a, b, group))
        lax = jax.jit(lambda a, b: jax.lax.conv_general_dilated(
            a, b, (1, 1, 1), "VALID", dimension_numbers=("NCDHW", "OIDHW", "NCDHW")))
        fj, bj = jax.numpy.asarray(flat), jax.numpy.asarray(bank)
        rows[dtype, case[0]].update(interleaved_times(   # one library: its calls in turn
            {"jax_gc": lambda: ours(xj, wj).block_until_ready(),
             "lax": lambda: lax(fj, bj).block_until_ready()}, args.repeats))
    for dtype, (name, *_) in cases:
        row = rows[dtype, name]

        def ms(key):
            return f"{row[key] * 1e3:.2f}" if key in row else "-"

        def ratio(a, b):
            return f"{row[b] / row[a]:.2f}x" if a in row and b in row else "-"

        print(f"{name:<22} {dtype.name:<8} {ms('numpy'):>9} {ms('conv3d'):>10} "
              f"{ratio('numpy', 'conv3d'):>10} {ms('torch_gc'):>12} "
              f"{ratio('torch_gc', 'conv3d'):>11} {ms('jax_gc'):>10} {ms('lax'):>8} "
              f"{ratio('jax_gc', 'lax'):>8}")


def _inputs(dtype: np.dtype, case: tuple) -> tuple:
    """A case's group, x, w, and the expanded bank and flat input the other libraries take."""
    _, group_name, batch, c_in, c_out, side, k = case
    group = get_group(group_name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, c_in, group.samples) + (side,) * 3).astype(dtype)
    w = rng.standard_normal((c_out, c_in, group.samples) + (k,) * 3).astype(dtype)
    bank = LatticeBank(group, Kind.CORRELATION).expand_groupy(w)
    bank = bank.reshape(c_out * group.samples, c_in * group.samples, k, k, k)
    flat = x.reshape(batch, c_in * group.samples, side, side, side)
    return group, x, w, bank, flat

if __name__ == "__main__":
    main()
