"""Benchmark of the fast path: the throughput table of ``groupconv bench`` (NumPy with and
without a Workspace, torch tensors, JAX, Dask, against torch's conv2d on the identical bank;
CuPy against cuDNN on a GPU), then the literal sums' time, peak memory and scaling.

    python benchmarks/bench_layers.py [--quick] [--repeats N] [--no-literal]

Every time is the median of at least 5 repeats (time.perf_counter) after one warm-up call;
the libraries take turns, each after a 0.3 s pause (see groupconv/bench.py).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from groupconv import P4, P4M, Workspace, group_correlation, lifting_correlation
from groupconv.bench import (CASES, LIBRARY_PAUSE, gpu_table, interleaved_times, machine, make,
                             median_time, throughput_table)
from groupconv.fast.banks import LatticeBank
from groupconv.groups import Kind


def literal_time(repeats: int) -> None:
    """The literal sums on the first case, scaled from 1 image x 2 output channels."""
    name, group, lifting, batch, c_in, c_out, h, k = CASES[0]
    x, w = make(group, lifting, batch, c_in, c_out, h, k, np.float64)
    op = lifting_correlation if lifting else group_correlation
    start = time.perf_counter()
    op(x[:1], w[:2], group, method="literal")  # 1 image, 2 output channels
    part = time.perf_counter() - start
    whole = part * batch * (c_out / 2)          # the literal sums are linear in both
    fast = median_time(lambda: op(x, w, group, workspace=Workspace()), repeats)
    print(f"\nliteral, {name.strip()}, float64: {part:.1f} s for 1 image x 2 output "
          f"channels, x {batch * c_out // 2} = {whole:.0f} s for the whole case; "
          f"fast {fast * 1e3:.2f} ms: fast is {whole / fast:,.0f}x faster")


def gemm_ceiling(repeats: int) -> None:
    """The bound OpenBLAS puts on each float32 case: the least work of any arrangement of the
    engine is one product (O, k^2 C) @ (k^2 C, B H' W') of the expanded bank, every output's
    products and nothing else. Timed as one np.matmul into a kept array, in turn with
    groupconv's call and torch's conv2d on the identical bank; the ratio torch / GEMM is the
    most groupconv's throughput against torch could be with no copy at all."""
    try:
        import torch
    except ImportError:
        print("\nGEMM ceiling: not measured (torch is not installed)")
        return
    print("\nGEMM ceiling, float32: one np.matmul of the expanded bank against every output "
          "position's taps (GFLOP/s on the products of a valid correlation)")
    print(f"{'case':<31} {'GFLOP':>6} {'groupconv':>10} {'GEMM':>10} {'conv2d':>10} "
          f"{'ceiling':>8} {'ours':>6}")
    for name, group, lifting, batch, c_in, c_out, h, k in CASES:
        x, w = make(group, lifting, batch, c_in, c_out, h, k, np.float32)
        bank = LatticeBank(group, Kind.LIFTING if lifting else Kind.CORRELATION) \
            .expand_groupy(w)
        rows, cols = bank.shape[0] * bank.shape[1], int(np.prod(bank.shape[2:]))
        positions = batch * (h - k + 1) ** 2
        rng = np.random.default_rng(0)
        a = rng.standard_normal((rows, cols)).astype(np.float32)
        b = rng.standard_normal((cols, positions)).astype(np.float32)
        product = np.empty((rows, positions), np.float32)
        op = lifting_correlation if lifting else group_correlation
        x2d = torch.from_numpy(np.ascontiguousarray(
            x.reshape(batch, -1, h, h)))
        bank2d = torch.from_numpy(np.ascontiguousarray(bank.reshape(rows, -1, k, k)))
        ws = Workspace()
        times = interleaved_times({
            "groupconv": lambda: op(x, w, group, workspace=ws),
            "gemm": lambda: np.matmul(a, b, out=product),
            "torch": lambda: torch.nn.functional.conv2d(x2d, bank2d)},
            repeats, pause=LIBRARY_PAUSE)
        flop = 2 * rows * cols * positions
        rate = {key: flop / t / 1e9 for key, t in times.items()}
        print(f"{name:<31} {flop / 1e9:6.2f} {rate['groupconv']:10.0f} {rate['gemm']:10.0f} "
              f"{rate['torch']:10.0f} {times['torch'] / times['gemm']:7.2f}x "
              f"{times['torch'] / times['groupconv']:5.2f}x")


def memory(dtype) -> None:
    """Peak traced memory of a p4m lifting of one 1024 x 1024 image, C_out = 8, k = 3."""
    x, w = make(P4M, True, 1, 1, 8, 1024, 3, dtype)
    tracemalloc.start()
    out = lifting_correlation(x, w, P4M)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"p4m lifting 1x1x1024x1024 -> {tuple(out.shape)} {np.dtype(dtype).name}: output "
          f"{out.nbytes / 2**20:.0f} MiB, peak traced {peak / 2**20:.0f} MiB = "
          f"{peak / out.nbytes:.3f}x the output")


def scaling(repeats: int) -> None:
    """Time against H*W and against batch for the p4 group layer, C = 16, k = 3, float32,
    'same' mode, each layer with its workspace; sizes timed round-robin."""
    w = make(P4, False, 1, 16, 16, 3, 3, np.float32)[1]

    def layer(batch, h):
        x = make(P4, False, batch, 16, 16, h, 3, np.float32)[0]
        ws = Workspace()
        return lambda: group_correlation(x, w, P4, mode="same", workspace=ws)

    sizes = (32, 64, 128, 256)
    times = interleaved_times({h: layer(4, h) for h in sizes}, max(repeats, 9))
    print("\ntime against H*W (p4 group, batch 4, C 16, k 3, float32, 'same'; per pixel "
          "relative to H = 64)")
    for h in sizes:
        print(f"  H = W = {h:4d}: {times[h] * 1e3:8.2f} ms, per pixel "
              f"{times[h] / h**2 / (times[64] / 64**2):5.2f}")
    batches = (4, 8, 16, 32, 64)
    times = interleaved_times({b: layer(b, 32) for b in batches}, max(repeats, 9))
    print("time against batch (p4 group, 32x32, C 16, k 3, float32, 'same'; per image "
          "relative to batch 8)")
    for b in batches:
        print(f"  batch {b:3d}: {times[b] * 1e3:8.2f} ms, per image "
              f"{times[b] / b / (times[8] / 8):5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (at least 5)")
    parser.add_argument("--quick", action="store_true", help="float32 only, no literal")
    parser.add_argument("--no-literal", action="store_true", help="skip the literal timing")
    args = parser.parse_args()
    repeats = max(5, args.repeats)
    print(machine())
    dtypes = (np.float32,) if args.quick else (np.float32, np.float64)
    throughput_table(dtypes, repeats)
    gemm_ceiling(repeats)
    if not (args.quick or args.no_literal):
        literal_time(repeats)
    print()
    for dtype in dtypes:
        memory(dtype)
    scaling(repeats)
    print()
    gpu_table(dtypes, repeats)


if __name__ == "__main__":
    main()
