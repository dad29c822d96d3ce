"""The course labs: notebooks up to date with their sources, every solution notebook runs end to
end in a fresh kernel, every student notebook runs up to its first exercise and stops there
with that exercise's message."""

from __future__ import annotations

import ast

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

from conftest import LABS, lab_builder  # noqa: E402

build = lab_builder()
STEMS = [source.stem for source in build.sources()]


def test_four_labs_each_with_exercises():
    assert STEMS == ["01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups"]
    for source in build.sources():
        assert sum(map(bool, map(build.BEGIN.match, source.read_text().splitlines()))) >= 1


@pytest.mark.parametrize("stem", STEMS)
def test_notebooks_up_to_date(stem):
    for path, text in build.outputs(build.SOURCES / f"{stem}.py").items():
        assert path.exists(), f"{path.name} missing: run python labs/build.py"
        assert path.read_text() == text, f"{path.name} is stale: run python labs/build.py"


def test_markers():
    code = "def f():\n    # BEGIN SOLUTION: Exercise 9: do it\n    return 1\n    # END SOLUTION\n"
    assert build._split(code, True, "t") == \
        "def f():\n    raise NotImplementedError('Exercise 9: do it')"
    assert build._split(code, False, "t") == "def f():\n    return 1"
    with pytest.raises(ValueError, match="without END"):
        build._split("x = 1\n# BEGIN SOLUTION: Exercise 9: do it\ny = 2", True, "t")
    with pytest.raises(ValueError, match="without BEGIN"):
        build._split("# END SOLUTION", True, "t")
    with pytest.raises(ValueError, match="nested"):
        build._split("# BEGIN SOLUTION: a\n# BEGIN SOLUTION: b\n# END SOLUTION", True, "t")


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_solution_notebook_runs(stem, executed_labs):
    nb, _ = executed_labs(stem)
    assert all(o.output_type != "error" for cell in nb.cells for o in cell.get("outputs", []))


@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_stops_at_its_first_exercise(stem):
    nb = nbformat.read(LABS / f"{stem}_student.ipynb", as_version=4)
    first = next(i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and "raise NotImplementedError(" in cell.source)
    line = next(s for s in nb.cells[first].source.splitlines() if "NotImplementedError(" in s)
    message = ast.literal_eval(line.split("NotImplementedError(", 1)[1][:-1])
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failure:
        build.execute(nb, timeout=120)
    assert failure.value.ename == "NotImplementedError"
    assert failure.value.evalue == message
    failed = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              and any(o.output_type == "error" for o in cell.outputs)]
    assert failed == [first]
    assert message.startswith("Exercise ")
