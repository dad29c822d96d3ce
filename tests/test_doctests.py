"""The docstring examples of every module of the package, each docstring a test, run against
groupconv as imported: an installed copy or an editable one alike (pytest's --doctest-modules
would import the source tree a second time beside an installed copy and refuse both)."""

import doctest
import importlib
import io
import pkgutil

import pytest

import groupconv


def docstrings(module: str) -> dict[str, doctest.DocTest]:
    """The docstrings of `module` that hold examples, by qualified name."""
    found = doctest.DocTestFinder().find(importlib.import_module(module), module)
    return {t.name: t for t in found if t.examples}


EXAMPLES = [(m.name, name) for m in pkgutil.walk_packages(groupconv.__path__, "groupconv.")
            if m.name != "groupconv.__main__" for name in sorted(docstrings(m.name))]


def _param(module: str, name: str):
    """The docstring as a test case; one that needs torch is marked for CI's torch run."""
    needs_torch = 'importorskip("torch")' in docstrings(module)[name].docstring
    return pytest.param(module, name, id=name, marks=[pytest.mark.torch] if needs_torch else [])


class Runner(doctest.DocTestRunner):
    """A runner that lets pytest.importorskip in an example skip the docstring."""

    def report_unexpected_exception(self, out, test, example, exc_info):
        if isinstance(exc_info[1], pytest.skip.Exception):
            raise exc_info[1]
        super().report_unexpected_exception(out, test, example, exc_info)


def test_the_examples_are_found():
    modules = {m for m, _ in EXAMPLES}
    assert {"groupconv.groups.point", "groupconv.nn.train", "groupconv.interop"} <= modules
    assert len(EXAMPLES) > 80


@pytest.mark.parametrize("module, name", [_param(m, n) for m, n in EXAMPLES])
def test_the_docstring_examples_run(module, name):
    report = io.StringIO()
    runner = Runner(optionflags=doctest.ELLIPSIS)
    runner.run(docstrings(module)[name], out=report.write)
    assert runner.summarize(verbose=False).failed == 0, report.getvalue()


def _public_api():
    """The classes and functions of groupconv's and groupconv.nn's ``__all__``."""
    import inspect

    from groupconv import nn
    return [(module.__name__, name, getattr(module, name)) for module in (groupconv, nn)
            for name in module.__all__ if inspect.isclass(getattr(module, name)) or
            inspect.isfunction(getattr(module, name))]


@pytest.mark.parametrize("module, name, obj", _public_api(),
                         ids=[f"{m}.{n}" for m, n, _ in _public_api()])
def test_the_public_api_has_numpydoc_sections(module, name, obj):
    """(A docs review found 28 public names without them.) Every public class and function
    has Examples (run above), Parameters where it takes any, and a function Returns."""
    import inspect
    import re

    doc = inspect.getdoc(obj) or ""
    try:
        takes = bool(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        takes = False
    needed = ["Examples"] + ["Parameters"] * takes + ["Returns"] * inspect.isfunction(obj)
    missing = [s for s in needed if not re.search(rf"^{s}\n-+$", doc, re.M)]
    assert not missing, f"{module}.{name} has no {', '.join(missing)} section"
