"""Build the course labs' notebooks from their sources, and run them.

    python labs/build.py            write the student and the solution notebook of every lab
    python labs/build.py --check    exit 1 if a committed notebook differs from its source
    python labs/build.py --run      execute every solution notebook (fresh kernel), print times

One source per lab, ``labs/sources/NN_topic.py``, in jupytext's percent format. It becomes

- the student notebook, ``groupconv/labs/notebooks/NN_topic.ipynb`` (package data: handed out
  by ``groupconv labs --out DIR``), and
- the solution notebook, ``labs/NN_topic_solution.ipynb`` (the repository only).

An exercise is the code between two marker lines::

    # BEGIN SOLUTION: Exercise 1.2: what to write, and a hint that points to the idea
    ... the solution ...
    # END SOLUTION

The solution notebook keeps the code and drops the markers; the student notebook replaces it by
``raise NotImplementedError("Exercise 1.2: ...")`` at the marker's indentation. A written
question's model answer is the markdown between two marker lines::

    <!-- BEGIN ANSWER -->
    ... the model answer ...
    <!-- END ANSWER -->

which the solution notebook shows after "**Model answer.**" and the student notebook replaces by
a line to write the answer on. Needs the ``labs`` extra (jupytext, nbformat, nbclient,
ipykernel).
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import re
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
SOURCES = HERE / "sources"
STUDENTS = HERE.parent / "groupconv" / "labs" / "notebooks"
BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION: (.+?)\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
BEGIN_ANSWER = re.compile(r"^\s*<!-- BEGIN ANSWER -->\s*$")
END_ANSWER = re.compile(r"^\s*<!-- END ANSWER -->\s*$")
STUDENT_ANSWER = "**Your answer.** *(write it here)*"
MODEL_ANSWER = "**Model answer.**"
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


def _answers(text: str, student: bool, where: str) -> str:
    """A markdown cell with its model answers (solution) or a line to answer on (student)."""
    out, inside = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if BEGIN_ANSWER.match(line):
            if inside:
                raise ValueError(f"{where}: nested BEGIN ANSWER at line {number}")
            inside = True
            out.append(STUDENT_ANSWER if student else MODEL_ANSWER)
        elif END_ANSWER.match(line):
            if not inside:
                raise ValueError(f"{where}: END ANSWER without BEGIN at line {number}")
            inside = False
        elif not (inside and student):
            out.append(line)
    if inside:
        raise ValueError(f"{where}: BEGIN ANSWER without END")
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
        where = f"{source.name}, cell {i}"
        if cell.cell_type == "code":
            cell.source = _split(cell.source, student, where)
            cell.outputs, cell.execution_count = [], None
        else:
            cell.source = _answers(cell.source, student, where)
    nbformat.validate(nb)
    return nb


def outputs(source: pathlib.Path) -> dict[pathlib.Path, str]:
    """The two notebooks of a source, as the text to write: the student's (in the package) and
    the solution (in labs/)."""
    import nbformat

    stem = source.stem
    return {STUDENTS / f"{stem}.ipynb": nbformat.writes(notebook(source, True)) + "\n",
            HERE / f"{stem}_solution.ipynb": nbformat.writes(notebook(source, False)) + "\n"}


def display(student, solved):
    """The notebook the documentation site shows: the student's cells (no solution code, no
    model answer), with the outputs of the executed solution where a cell is the same in both
    (an exercise's cell shows no output, so that its printed results give nothing away)."""
    import nbformat

    shown = copy.deepcopy(student)
    for cell, done in zip(shown.cells, solved.cells):
        if cell.cell_type == "code":
            same = cell.source == done.source
            cell.outputs = [_static(o) for o in copy.deepcopy(done.outputs)] if same else []
            cell.execution_count = done.get("execution_count") if same else None
    nbformat.validate(shown)
    return shown


WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ('<p><em>In Jupyter this cell shows the live widget, computed by groupconv as you '
               'move the image. On this site: <a href="../p4_widget.html">the same widget with '
               'its frames precomputed</a> (no server needed).</em></p>')


def _static(output):
    """An output a static page can show: a live widget becomes a link to its static page."""
    if WIDGET in output.get("data", {}):
        output.data = {"text/html": WIDGET_NOTE, "text/plain": "p4 widget (live in Jupyter)"}
    return output


def execute(nb, timeout: int = 900, cwd: str | pathlib.Path = HERE) -> float:
    """Run a notebook (filled in place with its outputs) in a fresh kernel, in the folder
    ``cwd``; returns the seconds it took. The timeout is per cell and generous (a loaded machine
    may be many times slower than a quiet one). Raises nbclient's CellExecutionError at the
    first cell that fails, the cells before it keeping their outputs."""
    import nbclient

    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
        import nbformat

        total = 0.0
        for source in sources():
            seconds = execute(nbformat.read(HERE / f"{source.stem}_solution.ipynb", 4))
            total += seconds
            print(f"{source.stem}_solution.ipynb  {seconds:6.1f} s")
        print(f"all labs                     {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
