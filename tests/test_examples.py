"""The examples run: a smoke version of the rotated-digits experiment (a few steps, tiny
networks), which must already show the P4CNN's exact invariance to quarter turns."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("sklearn", reason="the examples need the 'examples' extra")
ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rotated_digits_smoke(tmp_path, capsys):
    rows = load("rotated_digits").main(["--smoke", "--out", str(tmp_path / "plot.png")])
    z2, p4 = rows
    assert (z2["network"], p4["network"]) == ("Z2CNN", "P4CNN")
    assert p4["rot90"] == p4["upright"]          # invariant logits: the same predictions
    assert (tmp_path / "plot.png").stat().st_size > 0
    assert "P4CNN" in capsys.readouterr().out
