"""A 3D lifting layer on a volume whose output does not fit the memory budget: chunk by chunk,
from a lazy Dask array into a Zarr store, with the peak memory and the throughput measured.

    pip install ".[zarr]"
    python benchmarks/out_of_core.py [--side 200] [--chunk 48] [--budget-mb 1024] [--out DIR]
                                     [--workers N]

The input is a random volume (1, 1, n, n, n) in float32, generated lazily, chunk by chunk; the
layer is the cube's rotation group's lifting correlation (P432, 24 orientations, 4 output
channels, k = 3, "same"): its output, (1, 4, 24, n, n, n), is 96 times the input. Each chunk
reads a halo of k - 1 voxels from its neighbours (``dask.array.map_overlap``), so the Zarr store
holds what one in-memory call would give (the same sums; float32 rounding may differ, each
chunk's GEMMs summing in their own order). The script runs the computation in a child process
and reports its peak resident memory (``ru_maxrss``) against the budget, the time, and the
throughput in output voxels per second; then it checks a window of the store that straddles the
corner where the first chunks meet (every axis crossing a chunk boundary, so that the halos are
checked) against one in-memory call on that window.

``--workers N`` runs the same graph on a ``dask.distributed`` cluster of N worker processes on
this machine (``LocalCluster``, one thread each; ``pip install ".[zarr]"`` brings
``distributed``): every chunk is an independent task, the workers write their chunks into the
store, and the peak reported is each worker's. On a real cluster, connect the ``Client`` to its
scheduler instead; nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent("""
    import collections, json, resource, sys, time
    import dask
    import dask.array as da
    import numpy as np
    import groupconv

    side, chunk, out, workers = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if workers:
        from dask.distributed import Client, LocalCluster
        client = Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                     dashboard_address=None))
    else:
        dask.config.set(scheduler="threads", num_workers=2)
    x = da.random.default_rng(0).standard_normal((1, 1, side, side, side), chunks=(1, 1) +
                                                 (chunk,) * 3, dtype=np.float32)
    w = np.random.default_rng(1).standard_normal((4, 1, 3, 3, 3)).astype(np.float32)
    y = groupconv.lifting_correlation(x, w, "P432", mode="same")
    start = time.perf_counter()
    if workers:
        from dask.distributed import get_task_stream
        with get_task_stream(client) as stream:
            da.to_zarr(y, out, overwrite=True)
        tasks = sorted(collections.Counter(t["worker"] for t in stream.data).values())
    else:
        da.to_zarr(y, out, overwrite=True)
        tasks = []
    seconds = time.perf_counter() - start
    peaks = sorted(client.run(peak_mb).values()) if workers else [peak_mb()]
    print(json.dumps({"seconds": seconds, "shape": list(y.shape), "chunks": len(y.chunks[-1]) ** 3,
                      "peak_mb": peaks, "tasks": tasks}))
""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=200, help="the volume's side (default 200)")
    parser.add_argument("--chunk", type=int, default=48, help="chunk side (default 48)")
    parser.add_argument("--budget-mb", type=int, default=1024,
                        help="the memory budget to compare with (default 1024 MiB)")
    parser.add_argument("--out", default=None, help="folder of the Zarr store (default: temp)")
    parser.add_argument("--workers", type=int, default=0,
                        help="run on a local dask.distributed cluster of this many worker "
                             "processes (default 0: the threaded scheduler, 2 threads)")
    args = parser.parse_args()
    if args.side < 3 or args.chunk < 3 or args.budget_mb < 1 or args.workers < 0:
        parser.error(f"--side and --chunk must be at least 3 (a 3 x 3 x 3 kernel), --budget-mb "
                     f"at least 1 and --workers at least 0, got {args.side}, {args.chunk}, "
                     f"{args.budget_mb}, {args.workers}")
    if args.chunk >= args.side:
        parser.error(f"--chunk must be smaller than --side (the check reads a window across "
                     f"chunk boundaries), got {args.chunk} and {args.side}")
    if args.out is not None:     # the store is written over: never one that holds anything
        folder = pathlib.Path(args.out)
        if folder.exists() and not folder.is_dir():
            parser.error(f"--out must be a folder, got the file {args.out}")
        if (folder / "lifted.zarr").exists():
            parser.error(f"--out: {folder / 'lifted.zarr'} exists; this script writes its "
                         f"store there and would replace it: remove it, or give another "
                         f"folder")
    import numpy as np
    import zarr

    import groupconv

    with tempfile.TemporaryDirectory() as tmp:
        store = pathlib.Path(args.out or tmp) / "lifted.zarr"
        run = subprocess.run([sys.executable, "-c", CHILD, str(args.side), str(args.chunk),
                              str(store), str(args.workers)], capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"the computation failed:\n{run.stderr}")
        result = json.loads(run.stdout.strip().splitlines()[-1])
        output_mb = 4 * np.prod(result["shape"]) / 2**20
        voxels = np.prod(result["shape"][3:])
        print(f"P432 lifting, input (1, 1, {args.side}^3) float32, output {tuple(result['shape'])}"
              f" = {output_mb:,.0f} MiB, {result['chunks']} spatial chunks of {args.chunk}^3")
        peak = max(result["peak_mb"])
        where = (f"the largest of {args.workers} dask.distributed workers' ("
                 + ", ".join(f"{p:,.0f}" for p in result["peak_mb"]) + " MiB)") \
            if args.workers else "one process, 2 threads"
        print(f"  peak resident memory {peak:,.0f} MiB, {where} (budget {args.budget_mb} MiB;"
              f" {'within' if peak <= args.budget_mb else 'OVER'} it), output "
              f"{output_mb / args.budget_mb:.1f}x the budget")
        print(f"  {result['seconds']:.1f} s: {voxels / result['seconds'] / 1e6:.2f} M output "
              f"voxels/s ({output_mb / result['seconds']:.0f} MiB/s written)")
        if args.workers:
            print(f"  tasks run by each worker (every chunk on the cluster): "
                  f"{', '.join(map(str, result['tasks']))}")
        # a window of the store across the first chunks' boundaries against one in-memory
        # call on it (plus a voxel of halo, "same" padding only where it meets the volume's edge)
        import dask.array as da

        x = da.random.default_rng(0).standard_normal((1, 1) + (args.side,) * 3,
                                                     chunks=(1, 1) + (args.chunk,) * 3,
                                                     dtype=np.float32)
        w = np.random.default_rng(1).standard_normal((4, 1, 3, 3, 3)).astype(np.float32)
        lo, hi = max(0, args.chunk - 10), min(args.side, args.chunk + 10)
        a, b = max(0, lo - 1), min(args.side, hi + 1)
        window = (Ellipsis,) + (slice(a, b),) * 3
        inner = (Ellipsis,) + (slice(lo - a, hi - a),) * 3
        reference = groupconv.lifting_correlation(np.asarray(x[window]), w, "P432",
                                                  mode="same")[inner]
        stored = zarr.open(str(store), mode="r")[(Ellipsis,) + (slice(lo, hi),) * 3]
        print(f"  voxels {lo}..{hi - 1} on every axis (across the first chunks' boundaries) "
              f"against one in-memory call: max relative difference "
              f"{np.abs(stored - reference).max() / np.abs(reference).max():.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
