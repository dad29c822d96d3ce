"""The documentation site builds with Sphinx, warnings as errors, with the labs rendered from the
solution notebooks this session executed, and its API reference documents every public name."""

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
    # the labs, rendered with their outputs (images included)
    for stem in ("01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups"):
        page = (out / "_labs" / f"{stem}.html").read_text()
        assert "NotImplementedError" not in page
    assert "<img" in (out / "_labs" / "03_gcnn.html").read_text()
    assert "ρ(a b) = ρ(a) ρ(b) for all 16 pairs" in (out / "_labs" / "01_groups.html").read_text()
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
                 "interop", "conformance", "labs"):
        assert (out / f"{page}.html").exists()
