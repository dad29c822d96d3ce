"""``groupconv bench``: layer speed on this machine, side by side with PyTorch in one run.

For each case and dtype the table gives median times in milliseconds (``time.perf_counter``,
after a warm-up), first ours, groupconv's layer on each array library:

    numpy+ws       NumPy with a kept ``Workspace`` (as an nn layer runs)
    numpy          NumPy, a plain functional call (the thread's pooled workspace)
    torch          torch CPU tensors through groupconv (bank gather + torch's conv2d)
    jax            JAX arrays through groupconv under ``jax.jit`` (float32 unless x64 is on)
    dask           a Dask array in two chunks of the batch, threaded

then the libraries' own convolutions alone on the identical expanded bank and input:
``torch.nn.functional.conv2d`` ("conv2d") and ``jax.lax.conv_general_dilated`` under
``jax.jit`` ("lax"). The ratios are time ratios, ours / torch's conv2d (below 1: ours is
faster), JAX through groupconv over lax alone, and Dask's time over NumPy's. A column shows "-"
where its library is not installed; JAX's times need no torch.

Where CuPy finds a CUDA GPU, ``gpu_table`` times CuPy against torch/cuDNN (TF32 off) on it.
The calls take turns (``interleaved_times``): NumPy and torch call by call, each turn after a
0.2 s rest (``LIBRARY_PAUSE``: each library's thread pool keeps spinning for a while after a
call and slows the next library down) and one untimed call (threads woken, memory warm, as in
a run of calls); JAX through groupconv and lax alone, one library, call by call without
rests. A drift of the machine's speed touches both sides of a ratio alike, where
separate blocks of calls seconds apart showed it as a ratio (on a shared host, up to 2x).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .arguments import integer
from .fast.banks import LatticeBank
from .fast.correlate import group_correlation, lifting_correlation
from .fast.engine import Workspace
from .groups import P4, P4M, Kind, SemidirectProduct

__all__ = ["CASES", "GPU_CASES", "TIMES", "RATIOS", "LIBRARY_PAUSE", "median_time",
           "interleaved_times", "make", "throughput_table", "gpu_table", "cpu_model", "machine",
           "main"]

#: (name, group, lifting, batch, C_in, C_out, H, k)
CASES: tuple[tuple[str, SemidirectProduct, bool, int, int, int, int, int], ...] = (
    ("p4 group   b8  C16 32x32 k3", P4, False, 8, 16, 16, 32, 3),
    ("p4m group  b8  C16 32x32 k3", P4M, False, 8, 16, 16, 32, 3),
    ("p4 group   b1  C64 64x64 k5", P4, False, 1, 64, 64, 64, 5),
    ("p4m group  b1  C64 64x64 k5", P4M, False, 1, 64, 64, 64, 5),
    ("p4 lifting b32 3->16 64x64 k7", P4, True, 32, 3, 16, 64, 7),
)
#: The larger cases of the GPU table.
GPU_CASES = CASES + (
    ("p4 group   b64 C32 64x64 k3", P4, False, 64, 32, 32, 64, 3),
    ("p4m group  b64 C16 64x64 k3", P4M, False, 64, 16, 16, 64, 3),
    ("p4 group   b128 C64 32x32 k3", P4, False, 128, 64, 64, 32, 3),
)


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``fn`` over ``repeats`` calls, after a pause and a warm-up call."""
    repeats = integer(repeats, "repeats")
    time.sleep(0.3)  # let the other library's threads go idle
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_times(fns: dict[Any, Callable[[], Any]], repeats: int,
                      pause: float = 0.0) -> dict[Any, float]:
    """Median wall time of each of ``fns``, called in turn in each of ``repeats`` rounds after a
    pause and a warm-up: a drift of the machine's speed during the rounds touches all of them
    alike, so their ratios hold where separate blocks of calls would not. ``pause`` (seconds)
    before every turn lets the previous library's threads go idle (their spinning slows the
    next one): set it where ``fns`` belong to different libraries; each turn then makes one
    untimed call before the timed one, so that the library's own threads, woken from their
    sleep, and its memory are as warm as in a run of calls."""
    repeats = integer(repeats, "repeats")
    if isinstance(pause, bool) or not isinstance(pause, (int, float)) or not 0 <= pause <= 10:
        raise ValueError(f"pause must be a number of seconds in [0, 10], got {pause!r}")
    time.sleep(0.3)
    for fn in fns.values():
        fn()
    times: dict[Any, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            if pause:
                time.sleep(pause)
                fn()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


#: Seconds of rest before each call when libraries take turns call by call: longer than
#: OpenBLAS's threads spin after a call (2^28 cycles, about 0.1 s) and torch's.
LIBRARY_PAUSE = 0.2


def make(group: SemidirectProduct, lifting: bool, batch: int, c_in: int, c_out: int, h: int,
         k: int, dtype: Any, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random input and weights of a case."""
    rng = np.random.default_rng(seed)
    axis = () if lifting else (group.samples,)
    x = rng.standard_normal((batch, c_in) + axis + (h, h)).astype(dtype)
    w = rng.standard_normal((c_out, c_in) + axis + (k, k)).astype(dtype)
    return x, w


def _optional(module: str) -> Any:
    """An optional library, or None where it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _op(lifting: bool):
    return lifting_correlation if lifting else group_correlation


def _flat(group, lifting, x, w) -> tuple[np.ndarray, np.ndarray]:
    """The identical expanded bank (C_out S_out, C_in S_in, k, k) and input (B, C_in S_in, H, W)
    of a plain 2D convolution."""
    bank = LatticeBank(group, Kind.LIFTING if lifting else Kind.CORRELATION).expand_groupy(w)
    c_out, s_out, c_in, s_in, k, _ = bank.shape
    return (np.ascontiguousarray(x.reshape(x.shape[0], c_in * s_in, *x.shape[-2:])),
            np.ascontiguousarray(bank.reshape(c_out * s_out, c_in * s_in, k, k)))


def _torch_reference(torch, group, lifting, x, w):
    """torch's conv2d on the identical expanded bank and input."""
    x2d, bank2d = (torch.from_numpy(a) for a in _flat(group, lifting, x, w))
    return lambda: torch.nn.functional.conv2d(x2d, bank2d)


def _lax_reference(jax, group, lifting, x, w):
    """jax.lax.conv_general_dilated under jax.jit on the identical expanded bank and input."""
    x2d, bank2d = (jax.numpy.asarray(a) for a in _flat(group, lifting, x, w))
    conv = jax.jit(lambda a, b: jax.lax.conv_general_dilated(
        a, b, (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")))
    return lambda: conv(x2d, bank2d).block_until_ready()


#: The table's columns: (row key, header) of the times in ms, then (numerator, denominator,
#: header) of the time ratios.
TIMES = (("numpy_ws", "numpy+ws"), ("numpy", "numpy"), ("torch_gc", "torch"), ("jax", "jax"),
         ("dask", "dask"), ("torch", "conv2d"), ("lax", "lax"))
RATIOS = (("numpy_ws", "torch", "numpy+ws"), ("numpy", "torch", "numpy"),
          ("torch_gc", "torch", "torch"), ("jax", "torch", "jax"), ("jax", "lax", "jax/lax"),
          ("dask", "numpy", "dask/numpy"))
_CASE, _WIDTH = 31, 10


def _header() -> list[str]:
    """Two header lines: whose times, in which unit, or which ratio; then the columns."""
    def over(title: str, columns: int) -> str:
        return f"{f' {title} ':-^{columns * (_WIDTH + 1) - 1}}"

    return [f"{'':<{_CASE}} {'':<8} {over('ours (groupconv), ms', 5)} {over('theirs, ms', 2)} "
            f"{over('time ours / torch conv2d', 4)} {over('ours / theirs', 2)}",
            f"{'case':<{_CASE}} {'dtype':<8} "
            + " ".join(f"{name:>{_WIDTH}}" for _, name in TIMES) + " "
            + " ".join(f"{name:>{_WIDTH}}" for *_, name in RATIOS)]


def throughput_table(dtypes: tuple = (np.float32, np.float64), repeats: int = 5,
                     cases: tuple = CASES, out: Callable[[str], None] = print) -> list[dict]:
    """Print (through ``out``) and return one row per case and dtype: the times in seconds
    under the keys of ``TIMES`` (see the module docstring)."""
    torch, jax, da = _optional("torch"), _optional("jax"), _optional("dask.array")
    for line in _header():
        out(line)
    rows = []
    for dtype in dtypes:
        for name, group, lifting, batch, c_in, c_out, h, k in cases:
            x, w = make(group, lifting, batch, c_in, c_out, h, k, dtype)
            op = _op(lifting)
            ws = Workspace()
            calls = {"numpy_ws": lambda: op(x, w, group, workspace=ws),
                     "numpy": lambda: op(x, w, group)}
            if torch is not None:
                xt, wt = torch.from_numpy(x), torch.from_numpy(w)
                calls["torch"] = _torch_reference(torch, group, lifting, x, w)
                calls["torch_gc"] = lambda: op(xt, wt, group)
            # NumPy and torch in turn, call by call, each after a rest: side by side
            row = {"case": name, "dtype": np.dtype(dtype).name,
                   **interleaved_times(calls, repeats, pause=LIBRARY_PAUSE)}
            if jax is not None and (dtype == np.float32 or jax.config.jax_enable_x64):
                run = jax.jit(lambda a, b: op(a, b, group))
                xj, wj = jax.numpy.asarray(x), jax.numpy.asarray(w)
                row.update(interleaved_times(   # one library: its calls in turn, one drift
                    {"jax": lambda: run(xj, wj).block_until_ready(),
                     "lax": _lax_reference(jax, group, lifting, x, w)}, repeats))
            if da is not None:
                lazy = da.from_array(x, chunks=(max(1, batch // 2),) + x.shape[1:])
                row["dask"] = median_time(lambda: op(lazy, w, group).compute(), repeats)
            rows.append(row)
            out(_format_row(row))
    return rows


def _format_row(row: dict) -> str:
    """One line of the table: the times in ms, then the ratios ("-" where not measured)."""
    times = [f"{row[key] * 1e3:{_WIDTH}.2f}" if key in row else f"{'-':>{_WIDTH}}"
             for key, _ in TIMES]
    ratios = [f"{row[a] / row[b]:{_WIDTH}.2f}" if a in row and b in row else f"{'-':>{_WIDTH}}"
              for a, b, _ in RATIOS]
    return f"{row['case']:<{_CASE}} {row['dtype']:<8} " + " ".join(times + ratios)


def gpu_table(dtypes: tuple = (np.float32, np.float64), repeats: int = 5,
              out: Callable[[str], None] = print) -> list[dict]:
    """CuPy through groupconv against torch's conv2d (cuDNN, TF32 off) on the same GPU, on the
    identical bank; and the largest relative error against NumPy. Prints "not measured" where
    there is no CuPy or no GPU."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as error:  # no CuPy, no driver, no device
        out(f"GPU: not measured ({type(error).__name__}: {error})")
        return []
    torch = _optional("torch")
    torch_gpu = torch is not None and torch.cuda.is_available()
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    out(f"GPU: {name}, CuPy {cupy.__version__}, "
        f"torch {torch.__version__ if torch_gpu else 'without CUDA'}")
    out(f"{'case':<31} {'dtype':<8} {'ours, ms':>9} {'cuDNN, ms':>9} {'ours/cuDNN':>10} "
        f"{'max rel err':>12}")
    rows = []
    for dtype in dtypes:
        for case_name, group, lifting, batch, c_in, c_out, h, k in GPU_CASES:
            x, w = make(group, lifting, batch, c_in, c_out, h, k, dtype)
            op = _op(lifting)
            xg, wg = cupy.asarray(x), cupy.asarray(w)
            ws = Workspace()

            def run():
                op(xg, wg, group, workspace=ws)
                cupy.cuda.Stream.null.synchronize()

            row = {"case": case_name, "dtype": np.dtype(dtype).name,
                   "cupy": median_time(run, repeats)}
            if torch_gpu:
                torch.backends.cudnn.allow_tf32 = False
                torch.backends.cuda.matmul.allow_tf32 = False
                bank = LatticeBank(group, Kind.LIFTING if lifting else Kind.CORRELATION
                                   ).expand(wg)
                xt = torch.as_tensor(xg.reshape(batch, -1, h, h), device="cuda")
                wt = torch.as_tensor(bank, device="cuda").permute(0, 3, 1, 2).contiguous()

                def reference():
                    torch.nn.functional.conv2d(xt, wt)
                    torch.cuda.synchronize()

                row["cudnn"] = median_time(reference, repeats)
            ref = op(x, w, group)
            row["error"] = float(np.abs(op(xg, wg, group).get() - ref).max() / np.abs(ref).max())
            rows.append(row)
            cudnn = f"{row['cudnn'] * 1e3:9.3f}" if "cudnn" in row else f"{'-':>9}"
            ratio = f"{row['cupy'] / row['cudnn']:10.2f}" if "cudnn" in row else f"{'-':>10}"
            out(f"{case_name:<31} {row['dtype']:<8} {row['cupy'] * 1e3:9.3f} {cudnn} {ratio} "
                f"{row['error']:12.1e}")
    return rows


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux, sysctl on macOS, else what
    ``platform`` knows), never empty."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model") and value.strip():
                    return value.strip()
    except OSError:
        pass
    if platform.system() == "Darwin":
        import subprocess

        with contextlib.suppress(OSError, subprocess.SubprocessError):
            name = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"],
                                  capture_output=True, text=True, timeout=5).stdout.strip()
            if name:
                return name
    return platform.processor() or platform.machine() or "an unnamed processor"


def machine() -> str:
    """One line: the processor, its count of CPUs, and the libraries' versions."""
    versions = [f"numpy {np.__version__}"]
    for name in ("torch", "jax", "dask", "cupy"):
        module = _optional(name)
        versions.append(f"{name} {module.__version__}" if module else f"{name} not installed")
    return (f"machine: {cpu_model()} ({platform.machine()}), {os.cpu_count()} CPUs; "
            + ", ".join(versions))


def main(quick: bool = True, repeats: int = 5) -> None:
    """The quick table (float32) or the full one (float32 and float64), then the GPU table."""
    print(machine())
    dtypes = (np.float32,) if quick else (np.float32, np.float64)
    throughput_table(dtypes, repeats)
    gpu_table(dtypes, repeats)
