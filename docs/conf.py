"""Sphinx configuration of groupconv's documentation site.

    pip install ".[docs]"
    sphinx-build -W docs docs/_build/html      (then open docs/_build/html/index.html)

Sphinx with MyST (the Markdown pages and the labs' notebooks, through myst-nb), numpydoc and
the PyData theme: what NumPy, SciPy, pandas and xarray use, so the pages read as a
scientific-Python user expects. The labs' solution notebooks are copied from ../labs into
_labs/ at build time and executed; GROUPCONV_EXECUTED_LABS names a folder of copies already
executed instead (the test suite runs them once and builds from those).
"""

import os
import pathlib
import re
import shutil

import groupconv

HERE = pathlib.Path(__file__).resolve().parent

project = "groupconv"
author = "the groupconv developers"
copyright = "2026, the groupconv developers"
release = version = groupconv.__version__

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]   # the pages start below H1 in places, as on GitHub

# notebooks: run the committed ones (they have no outputs); fail on any error
EXECUTED = os.environ.get("GROUPCONV_EXECUTED_LABS")
nb_execution_mode = "off" if EXECUTED else "force"
nb_execution_timeout = 1800   # per cell: a loaded 2-core machine is slow, not hung
nb_execution_raise_on_error = True
nb_execution_show_tb = True

autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = "groupconv"
html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}


_SECTION = re.compile(r"^\s*-{3,}\s*$")
_LITERAL = re.compile(r"(``.+?``)")
_ITEM = re.compile(r"^([-*+]|\d+\.) ")


def _escape(text: str) -> str:
    """reST markup characters of plain prose, escaped (``literals`` left alone)."""
    parts = _LITERAL.split(text)
    for i in range(0, len(parts), 2):
        part = parts[i].replace("\\", "\\\\").replace("*", "\\*").replace("|", "\\|")
        parts[i] = re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", part)
    return "".join(parts)


_STARRED = re.compile(r"^\s*\*{1,2}\w+ :")


def plain_text_docstrings(app, what, name, obj, options, lines) -> None:
    """The docstrings are written for help(), as plain text: show them as written. Markup
    characters are escaped, and every indented block becomes a literal block. Docstrings with
    numpydoc sections keep their structure; only the markup characters of their prose (the
    * of f * psi and of shapes (..., C, *n)) are escaped, up to the Examples."""
    if any(_SECTION.match(line) for line in lines):
        out = []
        for i, line in enumerate(lines):
            if line.strip() == "Examples" and i + 1 < len(lines) and _SECTION.match(lines[i + 1]):
                out += lines[i:]
                break
            out.append(line if _STARRED.match(line) else _escape(line))
        lines[:] = out
        return
    out, in_block, in_item = [], False, False
    for line in lines:
        indented = bool(line.strip()) and line[:1] in " \t"
        if indented and not in_block and not (in_item and out[-1].strip()):
            previous = next((s for s in reversed(out) if s.strip()), "")
            if not previous.rstrip().endswith("::"):
                out += ["", "::", ""]
            in_block = True
        elif line.strip() and not indented:
            if in_block and out[-1].strip():
                out.append("")      # a literal block ends at a blank line
            in_block = False
            in_item = bool(_ITEM.match(line))
        out.append(line if in_block else _escape(line))
    lines[:] = out


def setup(app):
    app.connect("autodoc-process-docstring", plain_text_docstrings, priority=400)


def _copy_labs() -> None:
    source = pathlib.Path(EXECUTED or HERE.parent / "labs")
    target = HERE / "_labs"
    target.mkdir(exist_ok=True)
    for notebook in sorted(source.glob("*_solution.ipynb")):
        shutil.copyfile(notebook, target / notebook.name.replace("_solution", ""))


_copy_labs()
