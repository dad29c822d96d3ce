"""The command line: ``groupconv verify`` prints a row per claim and exits 1 when a claim fails;
every subcommand reports a usage error with its own usage (exit 2), an error found while
running in one line (exit 2) leaving nothing behind; ``--version``, ``python -m groupconv``;
``groupconv bench`` says whose time is whose, in which unit, on which processor."""

import importlib.metadata
import json
import pathlib
import re
import runpy
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import groupconv
from groupconv import bench, cli
from groupconv.checks import claims

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_verify_table(capsys):
    assert cli.main(["verify", "--trials", "1", "--seed", "3", "--only", "p6m"]) == 0
    out = capsys.readouterr().out
    assert "lifting_equivariance" in out and "symbolic_associativity" in out
    assert "P4M" not in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("29 rows checked (29 claims on 1 group), 29 passed, 0 failed "
                              "(seed 3")


def test_verify_only_checks_any_group_get_group_builds(capsys):
    """Another SE2(N) or scale group than the registered ones: its rows alone (a scale group
    of a base that is not an integer takes the rounding branch of its kernel size)."""
    assert cli.main(["verify", "--quick", "--only", "Scale(1.4142135623730951, n=4, m=2)"]) == 0
    out = capsys.readouterr().out
    assert "fast_equals_literal" in out and "Scale(1.41421" in out and "Scale(2," not in out


def test_verify_says_what_it_has_done_while_it_runs(capsys):
    """A line per claim (and per group's proofs) on stderr as each finishes: the whole run takes
    minutes, and its table comes at the end."""
    assert cli.main(["verify", "--quick", "--only", "p4"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("verify: group_axioms: 1 row (") and err[0].endswith(" s)")
    assert any(line.startswith("verify: sympy proofs on P4: ") for line in err)
    assert len(err) == sum(1 for line in err if line.startswith("verify: "))


def test_verify_says_how_far_a_slow_claim_has_come(monkeypatch, capsys):
    """Within a claim, a line after a group once ``PROGRESS_EVERY`` seconds have passed (here
    0: after every group but the last), so that a claim of minutes does not look like a
    hang."""
    from groupconv.checks import verify
    monkeypatch.setattr(verify, "PROGRESS_EVERY", 0.0)
    assert cli.main(["verify", "--quick", "--only", "group_axioms"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "group_axioms" in line]
    claim = next(c for c in verify.CLAIMS if c.name == "group_axioms")
    n = sum(map(claim.applies_to, verify.default_groups()))
    assert [re.sub(r" \([0-9.]+ s\)$", "", line) for line in err] == [
        f"verify: group_axioms: {i} row{'s' * (i > 1)} of {n} so far" for i in range(1, n)] + [
        f"verify: group_axioms: {n} rows"]


def test_verify_only_takes_a_users_group_by_module_and_name(tmp_path, monkeypatch, capsys):
    """From a 1D user's review: --only refused MODULE:NAME, which conformance's --groups takes;
    the group is imported and registered, and its rows run."""
    (tmp_path / "my_line_groups.py").write_text(
        "from groupconv.groups import PointGroup, SemidirectProduct\n"
        "LINE = SemidirectProduct(PointGroup('C2line', {'m': [[-1]]}), name='line_verify_cli')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.main(["verify", "--quick", "--only", "my_line_groups:LINE"]) == 0
    out = capsys.readouterr().out
    assert "line_verify_cli" in out and "fast_equals_literal" in out and "P4" not in out
    assert cli.main(["verify", "--only", "my_line_groups:NOPE"]) == 2
    assert "--only my_line_groups:NOPE: my_line_groups has no group 'NOPE'" in \
        capsys.readouterr().err


def test_conformance_check_names_a_missing_import_of_the_users_file(tmp_path, capsys):
    """The file is found, but it imports what is not installed: that is what to say (it said
    the module was looked up in the current folder, and to give the file's path)."""
    layer = tmp_path / "layer.py"
    layer.write_text("import not_installed_anywhere_xyz\n\ndef factory(case):\n    pass\n")
    assert cli.main(["conformance", "--check", f"{layer}:factory"]) == 2
    err = capsys.readouterr().err
    assert "imports 'not_installed_anywhere_xyz', which is not installed here" in err
    assert "looked up in the current folder" not in err


@pytest.mark.slow
def test_verify_json_every_registered_group(capsys):
    """Every registered group, lattice (1, 2, 3 dimensions) and sampled, with every claim stated
    for it: the wallpaper groups, the translations of the line and of space, SE(2)_8 and the
    scale group (exact claims and one measured row each)."""
    assert cli.main(["verify", "--trials", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["failed"] == 0 and report["passed"] == len(report["rows"])
    groups = {r["group"] for r in report["rows"]}
    assert {"Z1", "Z1m", "Z2", "Z3", "P2", "PM", "CM", "PMM", "CMM", "P4", "P4M", "P3", "P3M1",
            "P31M", "P6", "P6M", "SE2(8)", "Scale(2, n=3, m=2)"} <= groups
    for group in groups:
        named = groupconv.get_group(next(n for n, g in groupconv.groups.registered().items()
                                         if g.name == group))
        numeric = {r["claim"] for r in report["rows"]
                   if r["group"] == group and r["kind"] != "symbolic"
                   and r["claim"] != "matrix_rounding"}     # (the sampled proofs' number)
        assert numeric == {c.name for c in claims.CLAIMS if c.applies_to(named)}, group
    sampled = [r for r in report["rows"] if r["group"] in ("SE2(8)", "Scale(2, n=3, m=2)")]
    assert {r["kind"] for r in sampled} == {"numeric", "measured", "symbolic"}
    assert {r["claim"] for r in sampled if r["kind"] == "symbolic"} == \
        {"symbolic_sampled_law", "symbolic_point_law"}
    for group in ("P4M", "P6", "P31M"):
        row = next(r for r in report["rows"] if r["claim"] == "group_convolution_equivariance"
                   and r["group"] == group)
        assert row["passed"] and row["worst"] <= claims.TOLERANCE


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


@pytest.mark.parametrize("argv", [["verify", "--only", "p4", "--only", "p4m"],
                                  ["figures", "--only", "a", "--only", "b"],
                                  ["conformance", "--check", "m:f", "--check", "m:g"]])
def test_an_option_of_one_value_given_twice_is_refused(argv, capsys):
    """argparse would keep the last value and drop the first without a word."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert f"{argv[1]} given twice ({argv[2]!r}, {argv[4]!r}): it takes one value" in \
        capsys.readouterr().err


def test_python_dash_m_groupconv_runs_the_command_line():
    result = subprocess.run([sys.executable, "-m", "groupconv", "verify", "--quick", "--only",
                             "p4"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stdout
    result = subprocess.run([sys.executable, "-m", "groupconv", "verify", "--bogus"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith("usage: groupconv verify ")


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"groupconv {groupconv.__version__}"
    assert groupconv.__version__ == importlib.metadata.version("groupconv")


COMMANDS = re.search(r"\{(.+?)\}", cli.build_parser().format_usage()).group(1).split(",")


@pytest.mark.parametrize("command", COMMANDS)
def test_each_subcommand_reports_a_bad_option_with_its_own_usage(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--bogus"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: groupconv {command} ")
    assert f"groupconv {command}: error: " in err


def test_verify_only_names_what_it_can_name(capsys):
    """An --only that names nothing: one line with the closest names and every valid one."""
    assert cli.main(["verify", "--only", "lifting_equivarance"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("groupconv verify: ") and err.count("\n") == 1
    assert "did you mean 'lifting_equivariance'" in err
    for name in ("p4m", "p6m", "se2_8", "fast_equals_literal", "symbolic_associativity"):
        assert name in err


@pytest.mark.parametrize("options, trials", [(["--quick"], 1), (["--trials", "2"], 2)])
def test_verify_json_reports_the_trials_it_ran(options, trials, capsys):
    """The trials at the top are the trials of every numeric row; a proof runs once, over its
    cases."""
    assert cli.main(["verify", *options, "--only", "p4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["trials"] == trials
    numeric = [r for r in report["rows"] if r["kind"] != "symbolic"]
    proofs = [r for r in report["rows"] if r["kind"] == "symbolic"]
    assert numeric and proofs
    assert all(r["trials"] == r["cases"] == trials for r in numeric)
    assert all(r["trials"] == 1 and r["cases"] > 1 for r in proofs)


def _listing(folder: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _under_a_file(tmp_path: pathlib.Path, capsys, args: list[str]) -> str:
    """Runs ``groupconv *args --out <a path under a file>``: exit 2, one line on stderr (which
    is returned), nothing left behind."""
    (tmp_path / "afile").write_text("not a folder")
    before = _listing(tmp_path)
    assert cli.main([*args, "--out", str(tmp_path / "afile" / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _listing(tmp_path) == before
    return err


def test_figures_into_a_path_under_a_file_is_one_line_and_leaves_nothing(tmp_path, capsys):
    err = _under_a_file(tmp_path, capsys, ["figures", "--only", "cayley_p4m"])
    assert err.startswith("groupconv figures: ")


def test_a_failed_conformance_run_leaves_nothing(tmp_path, monkeypatch, capsys):
    """Under a file: one line, exit 2. A run that fails after writing some cases (here a
    refusal halfway) removes the folder it made."""
    from groupconv import conformance

    err = _under_a_file(tmp_path, capsys, ["conformance", "--groups", "p4"])
    assert err.startswith("groupconv conformance: cannot write into")
    before = _listing(tmp_path)
    real = conformance.write

    def half_then_refuse(out, **kwargs):
        real(out, **{**kwargs, "groups": ["z2"]})          # some files are written ...
        raise ValueError("no such group 'p5'")              # ... then a refusal

    monkeypatch.setattr(conformance, "write", half_then_refuse)
    assert cli.main(["conformance", "--groups", "p4", "--out", str(tmp_path / "new")]) == 2
    assert capsys.readouterr().err == "groupconv conformance: no such group 'p5'\n"
    assert _listing(tmp_path) == before


def test_figures_into_a_read_only_folder_leaves_nothing(tmp_path, monkeypatch, capsys):
    """A folder that refuses writes (simulated: the tests may run as root, whom chmod does not
    stop) fails after the command created folders or wrote a first figure: all of it goes."""
    matplotlib.use("Agg")
    real_savefig = matplotlib.figure.Figure.savefig
    calls = []

    def savefig(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) > 1:
            raise PermissionError(13, "Permission denied", str(path))
        return real_savefig(self, path, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    from groupconv import viz

    first, second = list(viz.FIGURES)[-2:]
    monkeypatch.setattr(viz, "FIGURES", {k: viz.FIGURES[k] for k in (first, second)})
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "mine.txt").write_text("kept")
    for out in (tmp_path / "new" / "sub", existing):
        before = _listing(tmp_path)
        calls.clear()
        assert cli.main(["figures", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"groupconv figures: cannot write into {str(out)!r}: Permission "
                              f"denied") and err.count("\n") == 1
        assert len(calls) == 2                     # one figure was written, then removed
        assert _listing(tmp_path) == before


def test_bench_table_names_its_columns_units_and_processor(monkeypatch):
    """Times in ms under "ours" and "theirs", ratios said to be ours / torch conv2d and JAX
    through groupconv over lax alone; the JAX columns without torch; the processor's model
    name."""
    pytest.importorskip("jax")
    small = (("p4 tiny", groupconv.P4, False, 2, 2, 2, 8, 3),)
    real = bench._optional
    monkeypatch.setattr(bench, "_optional", lambda m: None if m == "torch" else real(m))
    lines = []
    rows = bench.throughput_table((np.float32,), repeats=1, cases=small, out=lines.append)
    assert "ours (groupconv), ms" in lines[0] and "theirs, ms" in lines[0]
    assert "time ours / torch conv2d" in lines[0] and "ours / theirs" in lines[0]
    assert lines[1].split() == ["case", "dtype", "numpy+ws", "numpy", "torch", "jax", "dask",
                                "conv2d", "lax", "numpy+ws", "numpy", "torch", "jax",
                                "jax/lax", "dask/numpy"]
    cells = lines[2].split()[3:]
    assert rows[0]["jax"] > 0 and float(cells[3]) == pytest.approx(rows[0]["jax"] * 1e3,
                                                                   abs=0.01)
    assert float(cells[6]) == pytest.approx(rows[0]["lax"] * 1e3, abs=0.01)
    assert float(cells[11]) == pytest.approx(rows[0]["jax"] / rows[0]["lax"], abs=0.01)
    assert cells[2] == cells[5] == cells[7] == cells[10] == "-"   # torch's: not installed
    assert bench.cpu_model() in bench.machine() and "?" not in bench.machine()


def test_cpu_model_is_never_unknown(monkeypatch):
    def no_file(*args, **kwargs):
        raise OSError("no /proc here")

    monkeypatch.setattr("builtins.open", no_file)
    monkeypatch.setattr(bench.platform, "system", lambda: "Plan9")
    monkeypatch.setattr(bench.platform, "processor", lambda: "")
    assert bench.cpu_model() == bench.platform.machine() != ""


@pytest.mark.parametrize("script", sorted([*(ROOT / "benchmarks").glob("*.py"),
                                            *(ROOT / "examples").glob("*.py"),
                                            ROOT / "labs" / "build.py"]),
                         ids=lambda p: p.name)
def test_benchmark_help_has_the_whole_description(script, monkeypatch, capsys):
    """--help shows the docstring's first paragraph whole, not its first line."""
    monkeypatch.setattr(sys, "argv", [script.name, "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(script), run_name="__main__")
    assert exit_info.value.code == 0
    out = "".join(capsys.readouterr().out.split())    # argparse rewraps, also at hyphens
    doc = "".join(runpy.run_path(str(script))["__doc__"].split("\n\n")[0].split())
    assert doc in out and doc.endswith((".", ")"))


def test_figures_in_a_vector_format_and_an_out_that_names_a_file(tmp_path, capsys):
    """(A figure author's review: PNG only, and --out x.pdf made a folder named x.pdf.)"""
    assert cli.main(["figures", "--only", "cayley_p4m", "--format", "svg",
                     "--out", str(tmp_path / "svg")]) == 0
    written = tmp_path / "svg" / "cayley_p4m.svg"
    assert written.read_text().lstrip().startswith("<?xml")
    capsys.readouterr()
    assert cli.main(["figures", "--only", "cayley_p4m", "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "out names the folder" in err and "--format" in err
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_options_come_before_missing_ones_and_options_are_named(capsys, tmp_path,
                                                                        monkeypatch):
    """From a review of the command line: an unknown option was hidden behind "the following
    arguments are required"; a library message named 'layout' or 'out' where the command line
    has --layout and --out; Ctrl-C printed a traceback; conformance --out wrote over vectors
    without a word."""
    for argv, said in ((["--bogus"], "unrecognized arguments: --bogus"),
                       ([], "a command is required: verify, figures"),
                       (["conformance", "--list"], "unrecognized arguments: --list"),
                       (["conformance"], "one of the arguments --out --check is required")):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2 and said in capsys.readouterr().err, argv
    factory = str(ROOT / "tests" / "data" / "numpy_reference_layers.py") + ":factory"
    assert cli.main(["conformance", "--check", factory, "--layout", "bogus"]) == 2
    assert "--check: --layout must be one of" in capsys.readouterr().err
    assert cli.main(["conformance", "--check", factory, "--force"]) == 2
    assert "--force goes with --out" in capsys.readouterr().err
    (tmp_path / "a_file").write_text("")
    assert cli.main(["labs", "--out", str(tmp_path / "a_file")]) == 2
    assert "groupconv labs: --out must be a folder" in capsys.readouterr().err
    out = str(tmp_path / "vectors")
    assert cli.main(["conformance", "--out", out, "--groups", "p4", "--kinds", "lifting"]) == 0
    assert cli.main(["conformance", "--out", out, "--groups", "p4", "--kinds", "lifting"]) == 2
    assert "holds conformance vectors already" in capsys.readouterr().err
    assert cli.main(["conformance", "--out", out, "--groups", "p4", "--kinds", "lifting",
                     "--force"]) == 0

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_bench", interrupted)
    assert cli.main(["bench"]) == 130
    assert capsys.readouterr().err.strip() == "groupconv bench: interrupted"
