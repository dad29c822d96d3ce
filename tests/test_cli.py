"""The main job: ``groupconv verify`` prints a row per claim, exits 1 when a claim fails."""

import json
import subprocess
import sys

import pytest

import groupconv
from groupconv import cli
from groupconv.checks import claims


def test_verify_table(capsys):
    assert cli.main(["verify", "--trials", "1", "--seed", "3", "--only", "p6m"]) == 0
    out = capsys.readouterr().out
    assert "lifting_equivariance" in out and "symbolic_associativity" in out
    assert "P4M" not in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("22 claims checked, 22 passed, 0 failed (seed 3")


@pytest.mark.slow
def test_verify_json_every_registered_group(capsys):
    """Every registered group, lattice (1, 2, 3 dimensions) and sampled, with every claim stated
    for it: the wallpaper groups, the translations of the line and of space, SE(2)_8 and the
    scale group (exact claims and one measured row each)."""
    assert cli.main(["verify", "--trials", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0 and report["passed"] == len(report["rows"])
    groups = {r["group"] for r in report["rows"]}
    assert {"Z1", "Z2", "Z3", "P2", "PM", "CM", "PMM", "CMM", "P4", "P4M", "P3", "P3M1", "P31M",
            "P6", "P6M", "SE2(8)", "Scale(2, n=3, m=2)"} <= groups
    for group in groups:
        named = groupconv.get_group(next(n for n, g in groupconv.groups.registered().items()
                                         if g.name == group))
        numeric = {r["claim"] for r in report["rows"]
                   if r["group"] == group and r["kind"] != "symbolic"}
        assert numeric == {c.name for c in claims.CLAIMS if c.applies_to(named)}, group
    sampled = [r for r in report["rows"] if r["group"] in ("SE2(8)", "Scale(2, n=3, m=2)")]
    assert {r["kind"] for r in sampled} == {"numeric", "measured"}
    for group in ("P4M", "P6", "P31M"):
        row = next(r for r in report["rows"] if r["claim"] == "group_convolution_equivariance"
                   and r["group"] == group)
        assert row["passed"] and row["max_error"] <= claims.TOLERANCE


def test_verify_fails_when_a_claim_fails(monkeypatch, capsys):
    broken = claims.Claim("broken", "1 = 2", claims.every_group, lambda group, rng: 1.0)
    monkeypatch.setattr("groupconv.checks.verify.CLAIMS", (broken,))
    assert cli.main(["verify", "--trials", "1"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_verify_rejects_bad_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["verify", "--trials", "0"])
    assert exit_info.value.code == 2
    assert "expected a positive integer up to 10^6, got 0" in capsys.readouterr().err


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "groupconv.cli", "verify", "--trials", "1",
                             "--only", "p4"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stdout
