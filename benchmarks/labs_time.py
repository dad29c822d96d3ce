"""How long each course lab's solution notebook takes to run, in a fresh kernel (not a test: the
test suite asserts no times).

    python benchmarks/labs_time.py [--repeats 1] [--only 03_gcnn]

Prints, per lab, the wall-clock seconds of each run and the CPU seconds its kernel used (user +
system, from the kernel process's resource usage): on a shared machine the wall clock varies
with the load, the CPU seconds much less. The target is under 60 s of wall clock per lab on two
quiet cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import resource
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _build():
    spec = importlib.util.spec_from_file_location("labs_build", ROOT / "labs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs per lab (default 1)")
    parser.add_argument("--only", default=None, help="one lab, e.g. 03_gcnn")
    args = parser.parse_args(argv)
    import nbformat

    build = _build()
    rows = []
    print(f"{'lab':<26} {'wall s':>8} {'kernel CPU s':>13}")
    for source in build.sources():
        if args.only and source.stem != args.only:
            continue
        for _ in range(args.repeats):
            nb = nbformat.read(build.HERE / f"{source.stem}_solution.ipynb", 4)
            cpu = _children_cpu()
            start = time.perf_counter()
            build.execute(nb)
            wall = time.perf_counter() - start
            cpu = _children_cpu() - cpu            # the kernel has exited: its usage is in
            rows.append((source.stem, wall, cpu))
            print(f"{source.stem:<26} {wall:8.1f} {cpu:13.1f}", flush=True)
    print(f"{'all labs':<26} {sum(r[1] for r in rows):8.1f} {sum(r[2] for r in rows):13.1f}")
    return rows


if __name__ == "__main__":
    main()
