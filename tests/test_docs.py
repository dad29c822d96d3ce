"""The code in README.md and docs/*.md runs as printed (every ```python block, in order, one
namespace per page), and prints what the page shows: a ```output block right after a ```python
block is that block's output, checked here. On the guide pages every block that prints shows
its output.

    python tests/test_docs.py      # records the outputs of docs/*.md anew
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import sys

import matplotlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Pages whose printing blocks need not show their outputs yet: README.md (the lead's to
#: rewrite), and the pages of the oracle's branch, written while outputs came in.
OUTPUTS_OPTIONAL = {"README.md", "interop.md", "conformance.md", "testing.md"}

_BLOCK = re.compile(r"```python\n(.*?)```\n(?:\n```output\n(.*?)```\n)?", re.S)
_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf"
#: Below this, a number is rounding error, which differs between machines (BLAS kernels,
#: summation order): a recorded value below it matches any value below it.
ROUNDING = 1e-4
#: Relative difference allowed between numbers printed in full: float32 sums in another order.
RELATIVE = 1e-5


def blocks(path: pathlib.Path) -> list[tuple[str, str | None]]:
    """(code, recorded output or None) of each ```python block of a page."""
    return [(m.group(1), m.group(2)) for m in _BLOCK.finditer(path.read_text())]


def run_page(path: pathlib.Path, folder: pathlib.Path) -> list[str]:
    """Run a page's blocks in order in one namespace, in ``folder``; what each printed."""
    matplotlib.use("Agg")
    namespace: dict = {}
    printed = []
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for code, _ in blocks(path):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(path), "exec"), namespace)
            printed.append(out.getvalue())
    finally:
        os.chdir(cwd)
    return printed


def _number_matches(expected: str, got: str) -> bool:
    if expected in ("nan", "inf") or got in ("nan", "inf"):
        return expected == got
    e, g = float(expected), float(got)
    if abs(e) < ROUNDING:
        return abs(g) < ROUNDING
    if re.fullmatch(r"[-+]?\d+", expected):
        return e == g
    mantissa = expected.lower().split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(expected.lower().split("e")[1]) if "e" in expected.lower() else 0
    # one unit in the last digit written, or float32 rounding of a long float
    return abs(g - e) <= max(10.0 ** (exponent - decimals) * (1 + 1e-9), RELATIVE * abs(e))


def output_matches(expected: str, got: str) -> bool:
    """``got`` is what ``expected`` shows: the same text up to runs of whitespace, "..." for
    any text, every number to the digits written or to RELATIVE (values below ROUNDING: any value
    below)."""
    pattern, numbers = "", []
    for token in re.split(rf"(\.\.\.|\s+|{_NUMBER})", expected.strip()):
        if not token:
            continue
        if token == "...":
            pattern += ".*?"
        elif token.isspace():
            pattern += r"\s+"
        elif re.fullmatch(_NUMBER, token):
            pattern += rf"\s*({_NUMBER})"
            numbers.append(token)
        else:
            pattern += re.escape(token)
    match = re.fullmatch(pattern, got.strip(), flags=re.S)
    return bool(match) and all(_number_matches(e, g) for e, g in zip(numbers, match.groups()))


def test_output_matching_can_fail():
    assert output_matches("x = 0.31 of 12", "x = 0.3104 of 12")
    assert output_matches("error 2.7e-07  (float32)", "error 9.1e-08 (float32)")
    assert output_matches("took ... s: [1, 2]", "took 13.2 s: [1, 2]")
    assert output_matches("loss 2.3393046855926514", "loss 2.3393051624298096")
    assert not output_matches("x = 0.31", "x = 0.33")
    assert not output_matches("loss 2.3393046855926514", "loss 2.3403046855926514")
    assert not output_matches("error 2.7e-07", "error 0.5")
    assert not output_matches("[1, 2]", "[1, 3]")
    assert not output_matches("ok", "not ok")
    assert not output_matches("12", "12 13")


@pytest.mark.parametrize("path", [p for p in DOCS if blocks(p)], ids=lambda p: p.name)
def test_code_blocks_run_and_print_what_the_page_shows(path, tmp_path):
    printed = run_page(path, tmp_path)
    for (code, recorded), got in zip(blocks(path), printed):
        first = code.strip().splitlines()[0]
        if recorded is None:
            assert not got or path.name in OUTPUTS_OPTIONAL, \
                f"{path.name}: the block starting {first!r} prints, but the page shows no " \
                f"output: run python tests/test_docs.py"
        else:
            assert output_matches(recorded, got), \
                f"{path.name}: the block starting {first!r} printed\n{got}\nthe page shows\n" \
                f"{recorded}"


def test_the_network_builders_show_every_option_of_gcnn():
    """help(nn.p4cnn) lists what its **kwargs take: gcnn's options, with their defaults."""
    import inspect

    from groupconv import nn

    def shown(default) -> str:
        if isinstance(default, str):
            return f'"{default}"'
        return f"numpy.{default.__name__}" if isinstance(default, type) else repr(default)

    options = [f"{p.name}={shown(p.default)}" for p in inspect.signature(nn.gcnn).parameters
               .values() if p.kind is p.KEYWORD_ONLY]
    assert len(options) >= 8
    for builder in (nn.z2cnn, nn.p4cnn, nn.p4mcnn):
        doc = " ".join(inspect.getdoc(builder).split())
        assert all(option in doc for option in options), (builder.__name__, options)
        assert "Parameters" in doc and "Examples" in doc


def record(path: pathlib.Path, folder: pathlib.Path) -> None:
    """Write each block's output under it (and drop the output of a block that prints none)."""
    printed = iter(run_page(path, folder))

    def block(match: re.Match) -> str:
        got = next(printed)
        shown = f"\n```output\n{got}```\n" if got else ""
        return f"```python\n{match.group(1)}```\n{shown}"

    path.write_text(_BLOCK.sub(block, path.read_text()))


if __name__ == "__main__":
    import tempfile

    for page in sys.argv[1:] or [p for p in DOCS[1:] if blocks(p)
                                 and p.name not in OUTPUTS_OPTIONAL]:
        with tempfile.TemporaryDirectory() as folder:
            record(pathlib.Path(page).resolve(), pathlib.Path(folder))
            print(f"outputs recorded in {page}")


def test_the_row_counts_the_docs_state_are_verify_s():
    """From a newcomer's review: docs/wallpaper.md said 311 rows where verify checks 339 on the
    13 wallpaper groups; README's total is the rows of every registered group (counted in a
    fresh interpreter: other tests register groups of their own)."""
    import subprocess

    count = """
from groupconv.checks.verify import CLAIMS, default_groups
from groupconv.groups import WALLPAPER, SemidirectProduct, symbolic
def rows(group):
    proofs = len(symbolic.all_proofs(group)) if isinstance(group, SemidirectProduct) else 3
    return sum(claim.applies_to(group) for claim in CLAIMS) + proofs
print(sum(rows(g) for g in WALLPAPER.values()), sum(rows(g) for g in default_groups()))
"""
    wallpaper, total = map(int, subprocess.run([sys.executable, "-c", count], check=True,
                                               capture_output=True, text=True).stdout.split())
    stated = re.search(r"every claim of the theory on each: (\d+) rows",
                       (ROOT / "docs" / "wallpaper.md").read_text())
    assert int(stated.group(1)) == wallpaper
    stated = re.search(r"one row per\s+claim and group \((\d+) rows",
                       (ROOT / "README.md").read_text())
    assert int(stated.group(1)) == total
