"""The documentation site builds with Sphinx, warnings as errors, with the labs shown as the
students get them and the outputs of the solution notebooks this session executed, the widget's
self-contained page, and an API reference that documents every public name."""

from __future__ import annotations

import importlib
import pathlib
import re
import subprocess
import sys
import time

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
nbformat = pytest.importorskip("nbformat")

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def _documented(page: str) -> list[tuple[str, set[str]]]:
    """(module, names it must show) for each automodule directive of an API page."""
    text = (DOCS / "api" / page).read_text()
    out = []
    for block in re.findall(r"\.\. automodule:: (\S+)\n((?:   :.*\n)*)", text):
        module, options = block
        excluded = set(re.findall(r":exclude-members: (.*)", options)[0].replace(" ", "")
                       .split(",")) if "exclude-members" in options else set()
        listed = re.findall(r":members: (.+)", options)
        names = (set(listed[0].replace(" ", "").split(",")) if listed
                 else set(importlib.import_module(module).__all__)) - excluded
        out.append((module, names))
    return out


@pytest.mark.slow
def test_docs_site_builds_without_warnings(tmp_path, executed_labs):
    labs = tmp_path / "labs"
    labs.mkdir()
    for stem in ("01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups"):
        nb, _ = executed_labs(stem)
        nbformat.write(nb, labs / f"{stem}_solution.ipynb")
    out = tmp_path / "html"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, env={**__import__("os").environ,
                                             "GROUPCONV_EXECUTED_LABS": str(labs)})
    seconds = time.perf_counter() - start
    print(f"docs build: {seconds:.1f} s")
    assert result.returncode == 0, result.stderr[-4000:]
    # the labs as the students get them (exercises unsolved, questions without their model
    # answers), with the outputs of the executed solutions (images included)
    pages = {stem: (out / "_labs" / f"{stem}.html").read_text()
             for stem in ("01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups")}
    for stem, page in pages.items():
        assert "NotImplementedError" in page and "Your answer." in page
        assert "Model answer" not in page and "# BEGIN SOLUTION" not in page
    assert "matrix_power" not in pages["01_groups"] and "(s - rot)" not in \
        pages["02_functions_on_groups"]
    assert "<img" in pages["03_gcnn"]
    assert "ρ(a b) = ρ(a) ρ(b) for all 16 pairs" in pages["01_groups"]
    assert "Exercise 2.2 passed" in pages["02_functions_on_groups"]   # the float32 answer
    # the widget: a self-contained page of precomputed frames, linked from lab 2
    assert 'href="../p4_widget.html"' in pages["02_functions_on_groups"]
    widget = (out / "p4_widget.html").read_text()
    assert widget.count("data:image/png;base64,") == 4 * 49 and "<script src" not in widget
    assert 'src="p4_widget.html"' in (out / "widget.html").read_text()
    # every public name of every documented module, with its signature
    pages = sorted(p.name for p in (DOCS / "api").glob("*.md") if p.name != "index.md")
    assert len(pages) == 9
    missing = []
    for page in pages:
        html = (out / "api" / page.replace(".md", ".html")).read_text()
        missing += [f"{module}.{name}" for module, names in _documented(page) for name in names
                    if not re.search(rf'id="{re.escape(module)}(\.\w+)?\.{name}"', html)]
    assert not missing, f"public names missing from the API reference: {missing}"
    # the guide pages are all in
    for page in ("conventions", "architecture", "fast_path", "nn", "lecture_groups", "figures",
                 "interop", "conformance", "labs", "widget"):
        assert (out / f"{page}.html").exists()
