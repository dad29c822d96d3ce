"""The pytest plugin that comes with groupconv (registered as the ``pytest11`` entry point
``groupconv``): a test that takes the argument ``groupconv_case`` runs once per conformance
case, so that a library's whole conformance test is one short function:

    import pytest
    from groupconv.testing import assert_layer_matches

    @pytest.mark.groupconv_cases(groups=["p4", "p4m"], kinds=["lifting", "correlation"])
    def test_my_layer(groupconv_case):
        assert_layer_matches(factory(groupconv_case), groupconv_case)

``groupconv_cases(groups=None, kinds=None)`` narrows the cases (default: every shipped one);
the option ``--groupconv-cases DIR`` runs the cases of a folder written by
``groupconv conformance --out DIR`` instead of the shipped set (those of the marker's groups
that the folder holds; none: the test is skipped). Each case's id names the test.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pytest_addoption", "pytest_configure", "pytest_generate_tests"]

_MARKER = ("groupconv_cases(groups=None, kinds=None): the conformance cases a test taking "
           "groupconv_case runs on (groupconv's pytest plugin)")


def pytest_addoption(parser: Any) -> None:
    """The option ``--groupconv-cases DIR``."""
    parser.getgroup("groupconv").addoption(
        "--groupconv-cases", metavar="DIR", default=None,
        help="run groupconv_case tests on the conformance cases of DIR (written by "
             "'groupconv conformance --out DIR'; default: the set shipped with groupconv)")


def pytest_configure(config: Any) -> None:
    """Register the marker ``groupconv_cases``."""
    config.addinivalue_line("markers", _MARKER)


def pytest_generate_tests(metafunc: Any) -> None:
    """Parametrise every test that takes ``groupconv_case`` over the cases."""
    if "groupconv_case" not in metafunc.fixturenames:
        return
    from ..conformance import load     # only where a test asks for the cases

    marker = metafunc.definition.get_closest_marker("groupconv_cases")
    options = dict(marker.kwargs) if marker else {}
    unknown = set(options) - {"groups", "kinds"}
    if unknown or (marker and marker.args):
        raise TypeError(f"groupconv_cases takes the keywords groups= and kinds=, got "
                        f"{marker.args} {sorted(unknown)}")
    folder = metafunc.config.getoption("--groupconv-cases")
    groups = options.get("groups")
    try:
        cases = load(folder, **options)
    except ValueError:
        if folder is None or groups is None:
            raise
        # a folder of some of the marker's groups: theirs run, the others are not there
        # (the names as load reads them: any group's name, or its case ids' "p4_mmm")
        from ..conformance import _group_named, names_given
        wanted = {_group_named(g).name for g in names_given(groups, "groupconv_cases: groups")}
        cases = [c for c in load(folder, kinds=options.get("kinds"))
                 if _group_named(c.group).name in wanted]
    metafunc.parametrize("groupconv_case", cases, ids=[c.id for c in cases])
