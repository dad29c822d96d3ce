"""Sphinx configuration of groupconv's documentation site.

    pip install ".[docs]"
    sphinx-build -W -n docs docs/_build/html      (then open docs/_build/html/index.html)

Sphinx with MyST (the Markdown pages and the labs' notebooks, through myst-nb), numpydoc and
the PyData theme: what NumPy, SciPy, pandas and xarray use, so the pages read as a
scientific-Python user expects.

The labs are shown without their solutions: each page is the student notebook (exercises as
``raise NotImplementedError``, no model answers) with the outputs of the executed solution
notebook in every cell the two share (``labs/build.py``'s ``display``), written to _labs/ at
build time. The solution notebooks are executed here, or GROUPCONV_EXECUTED_LABS names a folder
of copies already executed (the test suite runs them once and builds from those). The widget's
self-contained page, p4_widget.html, is written into the built site by groupconv.widget.

The site works offline: MathJax is bundled (sphinx-mathjax-offline), nothing is fetched from
the network.
"""

import importlib.util
import os
import pkgutil
import pathlib
import re
import sys

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
    "sphinx-mathjax-offline",      # MathJax 3 copied into _static: maths renders offline
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]   # the pages start below H1 in places, as on GitHub

# notebooks: the labs' pages are made below, already executed
EXECUTED = os.environ.get("GROUPCONV_EXECUTED_LABS")
nb_execution_mode = "off"
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# -n (nitpicky): every reference must resolve. The site has no network, so no intersphinx: the
# types of other libraries in signatures are left as text, and so are private helper types.
nitpick_ignore_regex = [
    ("py:class", r"(numpy|matplotlib|collections\.abc|typing|pathlib|os|sympy|dask|torch|jax"
                 r"|cupy|array_api_strict)\..*"),
    ("py:class", r"groupconv\.(\w+\.)*_\w+"),
    ("py:class", r"(dict|list|tuple)\[.*"),      # a generic type split at its comma
]

autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = "groupconv"
html_theme_options = {"show_toc_level": 2, "navigation_with_keys": False}
html_sidebars = {"index": [], "genindex": [], "search": []}   # pages without a section
html_static_path = ["_static"]
html_css_files = ["groupconv.css"]     # the outputs shown under the guide pages' code


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


def link_images_to_full_size(app, doctree) -> None:
    """Every picture opens full size: an image is given its own width in pixels (it still
    shrinks to the column), and Sphinx links an image with a width to the file itself
    (html_scaled_image_link)."""
    from docutils import nodes
    from sphinx.util.images import get_image_size

    for image in doctree.findall(nodes.image):
        if isinstance(image.parent, nodes.reference) or any(
                key in image for key in ("width", "height", "scale")):
            continue
        size = get_image_size(os.path.join(app.srcdir, image.get("candidates", {}).get(
            "*", image["uri"])))
        if size is not None:
            image["width"] = f"{size[0]}px"


def fix_source_back_links(app, pagename, templatename, context, doctree) -> None:
    """The [docs] links of the highlighted source pages (sphinx.ext.viewcode) point at the
    anchor of the path each object is documented under. viewcode assumes one module path per
    source module; here a module's names may be documented under the package
    (groupconv.lifting_correlation) and under their module (groupconv.fast.correlate.forward)."""
    if not pagename.startswith("_modules/") or "body" not in context:
        return
    module = pagename[len("_modules/"):].replace("/", ".")
    where = {}
    for path, entry in app.env.domains["py"].objects.items():
        if entry.aliased:
            continue
        try:
            obj = pkgutil.resolve_name(path)
        except (ImportError, AttributeError):
            continue
        obj = getattr(obj, "fget", obj)
        if getattr(obj, "__module__", None) == module and hasattr(obj, "__qualname__"):
            where.setdefault(obj.__qualname__, (entry.docname, entry.node_id))

    def back_link(match: re.Match) -> str:
        name = match.group(1)
        if name not in where:
            return match.group(0)
        docname, anchor = where[name]
        uri = app.builder.get_relative_uri(pagename, docname)
        return f'{match.group(0).split(" href=")[0]} href="{uri}#{anchor}"'

    context["body"] = re.sub(r'id="([\w.]+)">\n<a class="viewcode-back" href="[^"]*"',
                             back_link, context["body"])


def data_docstrings(app, what, name, obj, options, lines) -> None:
    """A constant documented under a path that re-exports it (``groupconv.P4``) shows the
    comment (``#:``) it has where it is defined, not its type's docstring."""
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer

    short = name.rsplit(".", 1)[-1]
    for module_name, module in sorted(sys.modules.items()):
        if not module_name.startswith("groupconv") or getattr(module, short, None) is not obj:
            continue
        try:
            doc = ModuleAnalyzer.for_module(module_name).find_attr_docs().get(("", short))
        except Exception:  # noqa: BLE001 - a module without source
            continue
        if doc:
            lines[:] = list(doc)
            return


def _write_widget(app, exception) -> None:
    """The widget's self-contained page (frames precomputed by groupconv), in the built site."""
    if exception is None and app.builder.format == "html":
        from groupconv.widget import write_page

        write_page(pathlib.Path(app.outdir) / "p4_widget.html")


def setup(app):
    from pygments.lexers.special import TextLexer

    app.add_lexer("output", TextLexer)   # ```output: what the ```python block above prints
    app.connect("autodoc-process-docstring", data_docstrings, priority=300)
    app.connect("autodoc-process-docstring", plain_text_docstrings, priority=400)
    app.connect("doctree-read", link_images_to_full_size, priority=600)  # after the collector
    app.connect("html-page-context", fix_source_back_links)
    app.connect("build-finished", _write_widget)


def _lab_pages() -> None:
    """_labs/NN_topic.ipynb: the student notebook with the executed solution's outputs."""
    import nbformat

    spec = importlib.util.spec_from_file_location("labs_build", HERE.parent / "labs" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    target = HERE / "_labs"
    target.mkdir(exist_ok=True)
    for source in build.sources():
        stem = source.stem
        if EXECUTED:
            solved = nbformat.read(pathlib.Path(EXECUTED) / f"{stem}_solution.ipynb", 4)
        else:
            solved = nbformat.read(build.HERE / f"{stem}_solution.ipynb", 4)
            build.execute(solved)
        student = nbformat.read(build.STUDENTS / f"{stem}.ipynb", 4)
        nbformat.write(build.display(student, solved), target / f"{stem}.ipynb")


_lab_pages()
