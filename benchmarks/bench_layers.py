"""Benchmark of the fast path: layer times, GFLOP/s, bank-expansion share, the ratio to
torch.nn.functional.conv2d on the identical expanded bank and input, peak memory, scaling.

    python benchmarks/bench_layers.py [--quick] [--repeats N] [--no-literal]

Every time is the median of at least 5 repeats (time.perf_counter) after one warm-up call.
Where CuPy finds a CUDA device, the same layers are timed on the GPU as well.
NumPy's BLAS and PyTorch run thread pools that keep spinning for a while after each call and
slow the other library down; the script sleeps 0.3 s before each timed block so that each
measurement runs alone, and takes the two in turn, side by side, in one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

from groupconv import P4, P4M, Workspace, group_correlation, lifting_correlation
from groupconv.fast.banks import lattice_bank

try:
    import torch
except ImportError:  # the comparison is optional
    torch = None

CASES = [  # (name, group, kind, batch, C_in, C_out, H, k)
    ("p4 group   b8  C16 32x32 k3", P4, "correlation", 8, 16, 16, 32, 3),
    ("p4m group  b8  C16 32x32 k3", P4M, "correlation", 8, 16, 16, 32, 3),
    ("p4 group   b1  C64 64x64 k5", P4, "correlation", 1, 64, 64, 64, 5),
    ("p4m group  b1  C64 64x64 k5", P4M, "correlation", 1, 64, 64, 64, 5),
    ("p4 lifting b32 3->16 64x64 k7", P4, "lifting", 32, 3, 16, 64, 7),
]
OPS = {"correlation": group_correlation, "lifting": lifting_correlation}


def median_time(fn, repeats: int) -> float:
    time.sleep(0.3)  # let the other library's threads go idle
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make(group, kind, batch, c_in, c_out, h, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    s = group.stabiliser.order
    axis = () if kind == "lifting" else (s,)
    x = rng.standard_normal((batch, c_in) + axis + (h, h)).astype(dtype)
    w = rng.standard_normal((c_out, c_in) + axis + (k, k)).astype(dtype)
    return x, w


def flops(group, kind, batch, c_in, c_out, h, k) -> float:
    """Multiply-adds x 2 of the valid correlation with C_out S outputs, C_in S_in inputs."""
    s = group.stabiliser.order
    s_in = 1 if kind == "lifting" else s
    return 2.0 * batch * c_out * s * c_in * s_in * k * k * (h - k + 1) ** 2


def layer_table(dtypes, repeats: int, literal: bool) -> None:
    print(f"{'case':<31} {'dtype':<8} {'fast ms':>9} {'no-ws ms':>9} {'GFLOP/s':>8} "
          f"{'bank %':>7} {'torch ms':>9} {'thrpt/torch':>11}")
    for dtype in dtypes:
        for name, group, kind, batch, c_in, c_out, h, k in CASES:
            x, w = make(group, kind, batch, c_in, c_out, h, k, dtype)
            op = OPS[kind]
            ws = Workspace()
            fast = median_time(lambda: op(x, w, group, workspace=ws), repeats)
            fresh = median_time(lambda: op(x, w, group), repeats)
            bank = median_time(lambda: lattice_bank(group, kind).expand(w), repeats)
            gflops = flops(group, kind, batch, c_in, c_out, h, k) / fast / 1e9
            cols = f"{name:<31} {np.dtype(dtype).name:<8} {fast * 1e3:9.2f} {fresh * 1e3:9.2f} " \
                   f"{gflops:8.1f} {100 * bank / fast:6.1f}%"
            if torch is not None:
                s = group.stabiliser.order
                s_in = 1 if kind == "lifting" else s
                bank2d = torch.from_numpy(np.ascontiguousarray(
                    lattice_bank(group, kind).expand_groupy(w).reshape(c_out * s, c_in * s_in, k, k)))
                x2d = torch.from_numpy(np.ascontiguousarray(x.reshape(batch, c_in * s_in, h, h)))
                ref = torch.nn.functional.conv2d(x2d, bank2d).numpy().reshape(
                    op(x, w, group).shape)
                assert np.allclose(ref, op(x, w, group, workspace=ws), rtol=0,
                                   atol=1e-4 * np.abs(ref).max())
                t_torch = median_time(lambda: torch.nn.functional.conv2d(x2d, bank2d), repeats)
                cols += f" {t_torch * 1e3:9.2f} {t_torch / fast:10.2f}x"
            print(cols, flush=True)
    if literal:
        name, group, kind, batch, c_in, c_out, h, k = CASES[0]
        x, w = make(group, kind, batch, c_in, c_out, h, k, np.float64)
        start = time.perf_counter()
        op = OPS[kind]
        op(x[:1], w[:2], group, method="literal")  # 1 image, 2 output channels
        part = time.perf_counter() - start
        whole = part * batch * (c_out / 2)          # the literal sums are linear in both
        fast = median_time(lambda: op(x, w, group, workspace=Workspace()), repeats)
        print(f"\nliteral, {name.strip()}, float64: {part:.1f} s for 1 image x 2 output "
              f"channels, x {batch * c_out // 2} = {whole:.0f} s for the whole case; "
              f"fast {fast * 1e3:.2f} ms: fast is {whole / fast:,.0f}x faster")


def memory(dtype) -> None:
    """Peak traced memory of a p4m lifting of one 1024 x 1024 image, C_out = 8, k = 3."""
    x, w = make(P4M, "lifting", 1, 1, 8, 1024, 3, dtype)
    tracemalloc.start()
    out = lifting_correlation(x, w, P4M)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"p4m lifting 1x1x1024x1024 -> {tuple(out.shape)} {np.dtype(dtype).name}: output "
          f"{out.nbytes / 2**20:.0f} MiB, peak traced {peak / 2**20:.0f} MiB = "
          f"{peak / out.nbytes:.3f}x the output")


def interleaved(fns: dict, repeats: int) -> dict:
    """Median time of each function, timed round-robin (one call each per round), so that slow
    drifts of a shared machine fall on every entry alike."""
    for fn in fns.values():
        fn()
    times = {key: [] for key in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(t) for key, t in times.items()}


def scaling(repeats: int) -> None:
    """Time against H*W and against batch for the p4 group layer, C = 16, k = 3, float32,
    'same' mode, each layer with its workspace; sizes timed round-robin."""
    w = make(P4, "correlation", 1, 16, 16, 3, 3, np.float32)[1]

    def layer(batch, h):
        x = make(P4, "correlation", batch, 16, 16, h, 3, np.float32)[0]
        ws = Workspace()
        return lambda: group_correlation(x, w, P4, mode="same", workspace=ws)

    sizes = (32, 64, 128, 256)
    times = interleaved({h: layer(4, h) for h in sizes}, max(repeats, 9))
    print("\ntime against H*W (p4 group, batch 4, C 16, k 3, float32, 'same'; per pixel "
          "relative to H = 64)")
    for h in sizes:
        print(f"  H = W = {h:4d}: {times[h] * 1e3:8.2f} ms, per pixel "
              f"{times[h] / h**2 / (times[64] / 64**2):5.2f}")
    batches = (4, 8, 16, 32, 64)
    times = interleaved({b: layer(b, 32) for b in batches}, max(repeats, 9))
    print("time against batch (p4 group, 32x32, C 16, k 3, float32, 'same'; per image "
          "relative to batch 8)")
    for b in batches:
        print(f"  batch {b:3d}: {times[b] * 1e3:8.2f} ms, per image "
              f"{times[b] / b / (times[8] / 8):5.2f}")


def gpu_table(dtypes, repeats: int) -> None:
    """The same layers on a CUDA GPU through CuPy (extra ``gpu``), against the NumPy result."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as error:  # no CuPy, no driver, no device
        print(f"\nGPU: not measured ({type(error).__name__}: {error})")
        return
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    print(f"\nGPU: {name}, CuPy {cupy.__version__}")
    print(f"{'case':<31} {'dtype':<8} {'gpu ms':>9} {'GFLOP/s':>8} {'max rel err vs NumPy':>21}")
    for dtype in dtypes:
        for case_name, group, kind, batch, c_in, c_out, h, k in CASES:
            x, w = make(group, kind, batch, c_in, c_out, h, k, dtype)
            op = OPS[kind]
            xg, wg = cupy.asarray(x), cupy.asarray(w)
            ws = Workspace()

            def run():
                op(xg, wg, group, workspace=ws)
                cupy.cuda.Stream.null.synchronize()

            t = median_time(run, repeats)
            ref = op(x, w, group)
            err = float(np.abs(op(xg, wg, group).get() - ref).max() / np.abs(ref).max())
            print(f"{case_name:<31} {np.dtype(dtype).name:<8} {t * 1e3:9.3f} "
                  f"{flops(group, kind, batch, c_in, c_out, h, k) / t / 1e9:8.1f} {err:21.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (at least 5)")
    parser.add_argument("--quick", action="store_true", help="float32 only, no literal")
    parser.add_argument("--no-literal", action="store_true", help="skip the literal timing")
    args = parser.parse_args()
    repeats = max(5, args.repeats)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or '?'};"
          f" numpy {np.__version__}; torch {torch.__version__ if torch else 'not installed'}")
    dtypes = (np.float32,) if args.quick else (np.float32, np.float64)
    layer_table(dtypes, repeats, literal=not (args.quick or args.no_literal))
    print()
    for dtype in dtypes:
        memory(dtype)
    scaling(repeats)
    gpu_table(dtypes, repeats)


if __name__ == "__main__":
    main()
