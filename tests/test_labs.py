"""The course labs: notebooks up to date with their sources; every exercise graded in its lab and
every solution notebook running end to end in a fresh kernel, each grader passing; student
notebooks that give neither solution code nor model answers away; and the hand-out:
``groupconv labs --out DIR`` writes the four student notebooks from a built wheel, outside the
repository, and each runs there up to its first exercise and stops with that exercise's hint.

No test here measures time: ``benchmarks/labs_time.py`` prints each lab's run time."""

from __future__ import annotations

import ast
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

from conftest import LABS, lab_builder  # noqa: E402

from groupconv.labs import EXERCISES, NAMES, write  # noqa: E402

build = lab_builder()
STEMS = [source.stem for source in build.sources()]
ROOT = LABS.parent


def _exercises(stem: str) -> list[str]:
    return [e for e in EXERCISES if e.split(".")[0] == str(int(stem[:2]))]


def test_four_labs_each_with_exercises_graded_and_questions():
    assert STEMS == list(NAMES) == ["01_groups", "02_functions_on_groups", "03_gcnn",
                                    "04_lecture_groups"]
    for source in build.sources():
        text = source.read_text()
        lines = text.splitlines()
        assert sum(map(bool, map(build.BEGIN.match, lines))) >= 1
        answers = [line.removeprefix("# ") for line in lines]
        assert sum(map(bool, map(build.BEGIN_ANSWER.match, answers))) >= 3   # questions
        for exercise in _exercises(source.stem):   # every exercise graded in its own lab
            assert re.search(rf'^grade\("{re.escape(exercise)}", ', text, re.M), exercise
        assert not re.search(r"^\s*assert ", text, re.M)    # graders, not bare asserts


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
    text = "**Question.** Why?\n\n<!-- BEGIN ANSWER -->\nBecause.\n<!-- END ANSWER -->\nNext."
    assert build._answers(text, True, "t") == f"**Question.** Why?\n\n{build.STUDENT_ANSWER}\nNext."
    assert build._answers(text, False, "t") == \
        f"**Question.** Why?\n\n{build.MODEL_ANSWER}\nBecause.\nNext."
    with pytest.raises(ValueError, match="BEGIN ANSWER without END"):
        build._answers("<!-- BEGIN ANSWER -->\nx", True, "t")
    with pytest.raises(ValueError, match="END ANSWER without BEGIN"):
        build._answers("<!-- END ANSWER -->", False, "t")


def _solution_lines(source: pathlib.Path) -> list[str]:
    """The solution code and model answers of a source, line by line (long lines only: short
    ones such as 'return x' may well appear elsewhere)."""
    out, inside = [], False
    for line in source.read_text().splitlines():
        if build.BEGIN.match(line) or build.BEGIN_ANSWER.match(line.removeprefix("# ")):
            inside = True
        elif build.END.match(line) or build.END_ANSWER.match(line.removeprefix("# ")):
            inside = False
        elif inside and len(line.strip().removeprefix("# ")) >= 24:
            out.append(line.strip().removeprefix("# "))
    return out


@pytest.mark.parametrize("stem", STEMS)
def test_student_notebooks_give_nothing_away(stem):
    student = (build.STUDENTS / f"{stem}.ipynb").read_text()
    solution = (LABS / f"{stem}_solution.ipynb").read_text()
    lines = _solution_lines(build.SOURCES / f"{stem}.py")
    assert len(lines) >= 5
    for line in lines:
        fragment = line.replace("\\", "\\\\").replace('"', '\\"')
        assert fragment not in student, line
        assert fragment in solution, line
    assert "Model answer" not in student and "Model answer" in solution
    assert student.count("Your answer.") == solution.count("Model answer.") >= 3
    for giveaway in ("matrix_power", "np.rot90(w", "(s - rot)", "[[0, -1], [1, 0]]"):
        assert giveaway not in student, giveaway


@pytest.mark.slow
@pytest.mark.parametrize("stem", STEMS)
def test_solution_notebook_runs_and_passes_its_graders(stem, executed_labs):
    nb, _ = executed_labs(stem)
    assert all(o.output_type != "error" for cell in nb.cells for o in cell.get("outputs", []))
    printed = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "")
                      for cell in nb.cells for o in cell.get("outputs", []))
    for exercise in _exercises(stem):
        assert f"Exercise {exercise} passed" in printed, exercise


# ------------------------------------------------------------------ the hand-out, from a wheel
@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory):
    """groupconv built into a wheel (from a copy of the sources, outside the repository) and
    unpacked into a folder, as pip would install it: the folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT / "groupconv", source / "groupconv",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                             "-q", "-w", str(tmp / "dist")], capture_output=True, text=True,
                            cwd=tmp)
    if result.returncode != 0 and re.search(r"No matching distribution|Could not find a "
                                            r"version|Failed to establish", result.stderr):
        pytest.skip("pip cannot fetch the build backend (setuptools) here: no network")
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = next((tmp / "dist").glob("groupconv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"groupconv/labs/notebooks/{n}.ipynb" for n in NAMES} <= set(names)
    assert "groupconv/static/p4_widget.js" in names
    assert not any("solution" in n for n in names)          # the solutions stay in the repo
    site = tmp / "site"
    zipfile.ZipFile(wheel).extractall(site)
    return site


@pytest.fixture(scope="session")
def handed_out(installed_wheel, tmp_path_factory):
    """`groupconv labs --out DIR` run from the unpacked wheel in a folder outside the
    repository: (folder, environment in which groupconv is the wheel's)."""
    out = tmp_path_factory.mktemp("course") / "labs"
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    command = [sys.executable, "-c", "import sys; from groupconv.cli import main; "
               "sys.exit(main(sys.argv[1:]))", "labs", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert "4 student notebooks written" in result.stdout
    where = subprocess.run([sys.executable, "-c", "import groupconv; print(groupconv.__file__)"],
                           capture_output=True, text=True, env=env, cwd=out.parent).stdout
    assert where.startswith(str(installed_wheel)), where
    again = subprocess.run(command, capture_output=True, text=True, env=env, cwd=out.parent)
    assert again.returncode == 2 and "not overwritten" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    return out, env


@pytest.mark.parametrize("stem", STEMS)
def test_handed_out_notebook_runs_up_to_its_first_exercise(stem, handed_out, monkeypatch):
    out, env = handed_out
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])     # the kernel imports the wheel's
    nb = nbformat.read(out / f"{stem}.ipynb", as_version=4)
    first = next(i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and "raise NotImplementedError(" in cell.source)
    line = next(s for s in nb.cells[first].source.splitlines() if "NotImplementedError(" in s)
    message = ast.literal_eval(line.split("NotImplementedError(", 1)[1][:-1])
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failure:
        build.execute(nb, cwd=out)
    assert failure.value.ename == "NotImplementedError"
    assert failure.value.evalue == message
    failed = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              and any(o.output_type == "error" for o in cell.outputs)]
    assert failed == [first]
    assert message.startswith("Exercise ")


def test_write_refuses_and_sets_what_it_is_told(tmp_path):
    paths = write(tmp_path / "a", install="https://example.org/groupconv-0.1.0-py3-none-any.whl")
    assert [p.name for p in paths] == [f"{n}.ipynb" for n in NAMES]
    first = nbformat.read(paths[0], as_version=4)
    setup = next(c.source for c in first.cells if c.cell_type == "code")
    assert 'PACKAGE = "https://example.org/groupconv-0.1.0-py3-none-any.whl"' in setup
    nbformat.validate(first)
    with pytest.raises(FileExistsError, match="not overwritten"):
        write(tmp_path / "a")
    assert len(write(tmp_path / "a", overwrite=True)) == 4
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="out must be a folder"):
        write(tmp_path / "file")
    with pytest.raises(ValueError, match="install must be a pip requirement"):
        write(tmp_path / "b", install='x"y')
    with pytest.raises(TypeError, match="solutions must be True or False"):
        write(tmp_path / "b", solutions="yes")
    solutions = write(tmp_path / "c", solutions=True)       # from this clone's labs/
    assert "Model answer" in solutions[0].read_text()


def test_groupconv_labs_command(tmp_path, capsys):
    from groupconv.cli import main

    assert main(["labs", "--out", str(tmp_path / "s"), "--solutions"]) == 0
    assert "4 solution notebooks written" in capsys.readouterr().out
    assert main(["labs", "--out", str(tmp_path / "s"), "--solutions"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("groupconv labs: ") and len(err.strip().splitlines()) == 1
    assert err.strip().endswith("pass --force") and "overwrite=True" not in err
    assert main(["labs", "--out", str(tmp_path / "s"), "--solutions", "--force"]) == 0


def test_the_setup_cell_installs_groupconv_only_from_the_build_it_names(tmp_path, monkeypatch):
    """From a newcomer's review: the first cell installed "groupconv[labs]" from PyPI, where
    no groupconv is published (and a name there could be anyone's): without --install a
    notebook where groupconv is missing now says so; with it, the named build is installed."""
    import importlib.util
    import subprocess

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("groupconv", "mlxtend") else
                        real(name, *a))
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: ran.append(args[5:]))

    def setup(folder, **options):
        notebook = nbformat.read(write(tmp_path / folder, **options)[0], as_version=4)
        exec(next(c.source for c in notebook.cells if c.cell_type == "code"), {})
    with pytest.raises(RuntimeError, match="groupconv is not installed here, and this notebook "
                                           "names no build of it to install"):
        setup("plain")
    assert ran == []
    setup("course", install="https://example.org/groupconv-0.1.0-py3-none-any.whl")
    assert ran == [["mlxtend", "https://example.org/groupconv-0.1.0-py3-none-any.whl"]]
