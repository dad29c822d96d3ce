"""Build the course labs' notebooks from their sources, and run them.

    python labs/build.py            write NN_topic_student.ipynb and NN_topic_solution.ipynb
    python labs/build.py --check    exit 1 if a committed notebook differs from its source
    python labs/build.py --run      execute every solution notebook (fresh kernel), print times

One source per lab, ``labs/sources/NN_topic.py``, in jupytext's percent format. An exercise is
the code between two marker lines::

    # BEGIN SOLUTION: Exercise 1.2: what to write, and a hint
    ... the solution ...
    # END SOLUTION

The solution notebook keeps the code and drops the markers; the student notebook replaces it by
``raise NotImplementedError("Exercise 1.2: what to write, and a hint")`` at the marker's
indentation. Needs the ``labs`` extra (jupytext, nbformat, nbclient, ipykernel).
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "sources"
BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION: (.+?)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def sources() -> list[pathlib.Path]:
    """The labs' sources, in order."""
    return sorted(SOURCES.glob("[0-9][0-9]_*.py"))


def _split(code: str, student: bool, where: str) -> str:
    out, inside = [], False
    for number, line in enumerate(code.splitlines(), 1):
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise ValueError(f"{where}: nested BEGIN SOLUTION at line {number}")
            inside = True
            if student:
                indent, message = begin.groups()
                out.append(f"{indent}raise NotImplementedError({message!r})")
        elif END.match(line):
            if not inside:
                raise ValueError(f"{where}: END SOLUTION without BEGIN at line {number}")
            inside = False
        elif not (inside and student):
            out.append(line)
    if inside:
        raise ValueError(f"{where}: BEGIN SOLUTION without END")
    return "\n".join(out)


def notebook(source: pathlib.Path, student: bool):
    """The student or solution notebook (an nbformat NotebookNode) of one source."""
    import jupytext
    import nbformat

    nb = jupytext.reads(source.read_text(), fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # fixed ids: the notebooks are reproducible byte for byte
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.source = _split(cell.source, student, f"{source.name}, cell {i}")
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nb


def outputs(source: pathlib.Path) -> dict[pathlib.Path, str]:
    """The two notebooks of a source, as the text to write."""
    import nbformat

    stem = source.stem
    return {HERE / f"{stem}_{kind}.ipynb": nbformat.writes(notebook(source, kind == "student"))
            + "\n" for kind in ("student", "solution")}


def execute(nb, timeout: int = 600) -> float:
    """Run a notebook (filled in place with its outputs) in a fresh kernel, in the labs folder;
    returns the seconds it took. Raises nbclient's CellExecutionError at the first cell that
    fails, the cells before it keeping their outputs."""
    import nbclient

    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a notebook is stale")
    parser.add_argument("--run", action="store_true", help="execute the solution notebooks")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        for path, text in outputs(source).items():
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
                if not args.check:
                    path.write_text(text)
    if args.check and stale:
        print("stale (run python labs/build.py):", ", ".join(stale))
        return 1
    if not args.check:
        print(f"{len(stale)} notebook(s) written" if stale else "notebooks up to date")
    if args.run:
        total = 0.0
        for source in sources():
            import nbformat

            seconds = execute(nbformat.read(HERE / f"{source.stem}_solution.ipynb", 4))
            total += seconds
            print(f"{source.stem}_solution.ipynb  {seconds:6.1f} s")
        print(f"all labs                     {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
