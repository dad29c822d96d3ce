"""The documentation site builds with Sphinx (warnings as errors, nitpicky: every reference
resolves), with the labs shown as the students get them and the outputs of the solution
notebooks this session executed, and the widget's self-contained page; then the built HTML is
checked as a reader meets it: every public name documented once, under the path
the README uses; no broken link or anchor; everything offline (MathJax bundled); figures that
open full size, the GIF playing, a picture on the front page, navigation that fits one row."""

from __future__ import annotations

import collections
import html.parser
import importlib
import inspect
import os
import pathlib
import pkgutil
import re
import subprocess
import sys
import urllib.parse
from types import SimpleNamespace

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_nb")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
nbformat = pytest.importorskip("nbformat")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LABS = ("01_groups", "02_functions_on_groups", "03_gcnn", "04_lecture_groups")


class Page(html.parser.HTMLParser):
    """What the checks read of one HTML page: its ids, links, images, documented objects, and
    the header's and the sidebar's navigation."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []      # (tag, url) of every href and src
        self.images: list[tuple[str, str | None]] = []   # (src, href of the enclosing link)
        self.objects: list[str] = []                # ids of documented Python objects
        self.header_items: list[str] = []           # the header navigation's entries
        self.section_nav: list[int] = []            # links in each "Section Navigation"
        self._open: list[tuple[str, dict]] = []
        self._text_of: list | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag not in ("img", "link", "meta", "br", "hr", "input", "source"):
            self._open.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if key in a:
                self.links.append((tag, a[key]))
        classes = a.get("class", "").split()
        if tag == "dt" and "sig-object" in classes and "py" in classes and a.get("id"):
            self.objects.append(a["id"])
        if tag == "img":
            link = next((o[1].get("href") for o in reversed(self._open) if o[0] == "a"), None)
            self.images.append((a.get("src", ""), link))
        if tag == "nav" and a.get("aria-label") == "Section Navigation":
            self.section_nav.append(0)
        if tag == "a" and self.section_nav and self._inside("nav", "Section Navigation"):
            self.section_nav[-1] += 1
        if tag == "a" and self._inside("ul", "bd-navbar-elements") and "dropdown-item" \
                not in classes:
            self._text_of = self.header_items
            self.header_items.append("")
        if tag == "button" and self._inside("ul", "bd-navbar-elements"):
            self.header_items.append("More")           # the theme's overflow menu

    def _inside(self, tag: str, marker: str) -> bool:
        return any(t == tag and (marker in o.get("class", "").split()
                                 or o.get("aria-label") == marker) for t, o in self._open)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break
        if tag == "a":
            self._text_of = None

    def handle_data(self, data):
        if self._text_of is not None:
            self._text_of[-1] += " ".join(data.split())


@pytest.fixture(scope="module")
def site(tmp_path_factory, executed_labs):
    """The site built once for this module: the HTML pages, parsed, and the build's result."""
    tmp = tmp_path_factory.mktemp("docs")
    labs = tmp / "labs"
    labs.mkdir()
    for stem in LABS:
        nb, _ = executed_labs(stem)
        nbformat.write(nb, labs / f"{stem}_solution.ipynb")
    out = tmp / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
         "-d", str(tmp / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, env={**os.environ, "GROUPCONV_EXECUTED_LABS": str(labs)})
    pages = {p.relative_to(out).as_posix(): Page(p.read_text(errors="replace"))
             for p in out.rglob("*.html") if not p.relative_to(out).parts[0] == "_static"}
    return SimpleNamespace(out=out, result=result, pages=pages)


@pytest.mark.slow
def test_docs_site_builds_without_warnings(site):
    """Sphinx -W -n: no warning, and every cross-reference resolves (nitpicky)."""
    assert site.result.returncode == 0, site.result.stderr[-4000:]
    # the labs as the students get them (exercises unsolved, questions without their model
    # answers), with the outputs of the executed solutions (images included)
    pages = {stem: (site.out / "_labs" / f"{stem}.html").read_text() for stem in LABS}
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
    widget = (site.out / "p4_widget.html").read_text()
    assert widget.count("data:image/png;base64,") == 4 * 49 and "<script src" not in widget
    assert 'src="p4_widget.html"' in (site.out / "widget.html").read_text()
    for page in ("conventions", "architecture", "fast_path", "nn", "lecture_groups", "figures",
                 "wallpaper", "interop", "conformance", "testing", "labs", "widget"):
        assert f"{page}.html" in site.pages


# ------------------------------------------------------------ one path per public name
def _api_modules() -> list[str]:
    """groupconv and every module an API page documents with automodule."""
    found = ["groupconv"]
    for page in sorted((DOCS / "api").glob("*.md")):
        found += re.findall(r"\.\. automodule:: (\S+)", page.read_text())
    return list(dict.fromkeys(found))


def documented(pages: dict[str, Page]) -> dict[str, list[str]]:
    """Documented paths of each module-level object, by identity: id(object) -> paths."""
    by_object = collections.defaultdict(list)
    for name, page in pages.items():
        if not name.startswith("api/"):
            continue
        for path in page.objects:
            parent = path.rsplit(".", 1)[0]
            if inspect.ismodule(pkgutil.resolve_name(parent)):
                by_object[id(pkgutil.resolve_name(path))].append(path)
    return by_object


def duplicates(by_object: dict[str, list[str]]) -> list[list[str]]:
    """Objects documented under two paths with one name (an alias of another name, such as
    P1 for Z2, is documented as itself)."""
    out = []
    for paths in by_object.values():
        names = collections.Counter(p.rsplit(".", 1)[1] for p in paths)
        out += [sorted(p for p in paths if p.endswith("." + n)) for n, c in names.items()
                if c > 1]
    return out


def test_duplicates_are_seen():
    """The check can fail: one function under two module paths is a duplicate; an alias is
    not."""
    import groupconv.literal as literal

    got = duplicates({1: ["groupconv.fast.lifting_correlation", "groupconv.lifting_correlation",
                          "groupconv.literal.x"], 2: ["groupconv.groups.Z2",
                                                      "groupconv.groups.P1"]})
    assert got == [["groupconv.fast.lifting_correlation", "groupconv.lifting_correlation"]]
    assert pkgutil.resolve_name("groupconv.literal.lifting_correlation") is \
        literal.lifting_correlation


@pytest.mark.slow
def test_every_public_name_is_documented_once_under_its_public_path(site):
    """Each name of each documented module's __all__ is documented, exactly once; the
    package's own names (groupconv.P4, groupconv.lifting_correlation, ...) under that path."""
    by_object = documented(site.pages)
    paths = {p for ps in by_object.values() for p in ps}
    assert not duplicates(by_object), duplicates(by_object)
    missing = []
    for module in _api_modules():
        for name in importlib.import_module(module).__all__:
            obj = getattr(importlib.import_module(module), name)
            if inspect.ismodule(obj):
                continue
            if not any(p.rsplit(".", 1)[1] == name for p in by_object.get(id(obj), [])):
                missing.append(f"{module}.{name}")
    assert not missing, f"public names missing from the API reference: {missing}"
    import groupconv

    top = [f"groupconv.{n}" for n in groupconv.__all__
           if not inspect.ismodule(getattr(groupconv, n))]
    assert not [p for p in top if p not in paths], "the package's names under their own path"


def _readme_paths() -> set[str]:
    """The dotted paths README.md names: groupconv.x.y, and `from groupconv.x import a, b`."""
    text = (ROOT / "README.md").read_text()
    found = set(re.findall(r"\bgroupconv(?:\.[A-Za-z_]\w*)+", text))
    for module, names in re.findall(r"^\s*from (groupconv[\w.]*) import ([\w, ]+)$", text,
                                    flags=re.M):
        found |= {f"{module}.{n.strip()}" for n in names.split(",")}
    return found | {"groupconv.lifting_correlation", "groupconv.check_layer",
                    "groupconv.get_group"}


@pytest.mark.slow
def test_the_readme_names_are_in_the_index(site):
    """Every name the README uses is documented under that path and listed in the index."""
    index = " ".join(url for _, url in site.pages["genindex.html"].links)
    anchors = {i for name, page in site.pages.items() if name.startswith("api/")
               for i in page.ids}
    missing = []
    for path in sorted(_readme_paths()):
        obj = pkgutil.resolve_name(path)
        anchor = f"module-{path}" if inspect.ismodule(obj) else path
        if anchor not in anchors or (not inspect.ismodule(obj) and f"#{path}" not in index):
            missing.append(path)
    assert not missing, f"README names not in the API reference and its index: {missing}"


# ------------------------------------------------------------ links, offline, figures
def broken_links(pages: dict[str, Page], out: pathlib.Path) -> list[str]:
    """Every relative href and src that names no file, or an anchor the page does not have."""
    bad = []
    for name, page in pages.items():
        for _, url in page.links:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("mailto:"):
                continue
            target = name if not parts.path else \
                os.path.normpath(os.path.join(os.path.dirname(name), urllib.parse.unquote(
                    parts.path))).replace(os.sep, "/")
            if not (out / target).exists():
                bad.append(f"{name}: {url}")
            elif parts.fragment and target.endswith(".html") and \
                    parts.fragment not in pages[target].ids:
                bad.append(f"{name}: {url}")
    return bad


def test_broken_links_are_seen(tmp_path):
    """The link check can fail: a missing file, a missing anchor."""
    (tmp_path / "a.html").write_text('<p id="here">x</p>')
    pages = {"a.html": Page('<a href="a.html#here">ok</a><a href="#gone">no</a>'
                            '<a href="b.html">no</a><a href="https://x.org/">out</a>')}
    pages["a.html"].ids.add("here")
    assert broken_links(pages, tmp_path) == ["a.html: #gone", "a.html: b.html"]


@pytest.mark.slow
def test_no_broken_link_and_nothing_from_the_network(site):
    """Internal links and anchors all resolve (the source pages' back links included), and no
    page loads a script, style sheet or image from the network: MathJax is bundled."""
    broken = broken_links(site.pages, site.out)
    assert not broken, f"{len(broken)} broken links: {broken[:20]}"
    remote = sorted({f"{name}: {url}" for name, page in site.pages.items()
                     for tag, url in page.links
                     if tag in ("script", "link", "img") and urllib.parse.urlsplit(url).netloc})
    assert not remote, remote
    mathjax = [f"{name}: {url}" for name, page in site.pages.items() for tag, url in page.links
               if tag == "script" and "mathjax" in url.lower()]
    assert mathjax, "the pages with maths (the labs) load MathJax, from _static/"


@pytest.mark.slow
def test_figures_open_full_size_and_the_gif_plays(site):
    """Every picture on a guide page is a link to the picture itself; the GIF is an <img>;
    the front page shows a picture."""
    figures = site.pages["figures.html"]
    assert len(figures.images) >= 12, figures.images
    for name, page in site.pages.items():
        if "/" in name:
            continue
        for src, link in page.images:
            if "_images/" in src:
                assert link == src, f"{name}: {src} is not a link to itself (got {link})"
    assert any(src.endswith(".gif") for src, _ in figures.images), figures.images
    assert not any(url.endswith(".gif") and tag == "a" and "_downloads" in url
                   for tag, url in figures.links)
    assert any("_images/" in src for src, _ in site.pages["index.html"].images), \
        site.pages["index.html"].images


@pytest.mark.slow
def test_navigation_fits_one_row_and_no_sidebar_is_empty(site):
    """The header lists a few short entries and no overflow menu; a page's "Section
    Navigation" lists pages or is not there."""
    items = list(dict.fromkeys(site.pages["index.html"].header_items))  # wide, narrow screen
    assert 2 <= len(items) <= 5 and "More" not in items, items
    assert sum(len(i) for i in items) <= 60, items
    empty = [name for name, page in site.pages.items() if 0 in page.section_nav]
    assert not empty, f"empty Section Navigation on {empty}"
