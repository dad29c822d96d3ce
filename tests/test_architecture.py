"""The shape of the house (docs/architecture.md): imports run down the layers only, importing
the groups or the package loads nothing above them, cached arrays are read-only, and a lattice
group built by a user from generators works by name everywhere without touching the library."""

import ast
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import groupconv
from groupconv import P4, P4M, SE2, Kind, ScaleTranslation
from groupconv.fast import banks, interpolation
from groupconv.fast.action import transform, transform_indices

PACKAGE = pathlib.Path(groupconv.__file__).parent

#: Layer of every module, bottom (0) to top; a module may import only from its layer or below.
LAYERS = {
    "arguments": 0, "caching": 0, "modes": 0, "images": 0,
    "groups": 1, "feature_maps": 2, "literal": 3, "fast": 4, "nn": 5, "hexagonal": 6,
    "interop": 6, "checks": 7, "viz": 8, "cli": 8, "bench": 8, "conformance": 8, "labs": 8,
    "widget": 8, "testing": 8, "__main__": 8,
}


def _top(module: str) -> str:
    return module.split(".")[0]


def _imports(path: pathlib.Path, root: pathlib.Path) -> list[str]:
    """The groupconv modules a file below ``root`` imports (dotted names below groupconv)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                if node.module:
                    found.append(".".join(base + (node.module,)))
                else:   # "from .. import x": a module, or a name of the package (__version__)
                    found += [".".join(base + (a.name,)) for a in node.names
                              if base or a.name in LAYERS]
            elif node.module and node.module.startswith("groupconv"):
                found.append(node.module.removeprefix("groupconv").lstrip("."))
        elif isinstance(node, ast.Import):
            found += [a.name.removeprefix("groupconv").lstrip(".") for a in node.names
                      if a.name.startswith("groupconv.")]
    return [f for f in found if f]


def _upward(root: pathlib.Path) -> list[str]:
    """Every import, in the package at ``root``, of a module above the importer's layer."""
    upward = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).parts[0].removesuffix(".py")
        if name == "__init__":
            continue
        for target in _imports(path, root):
            if LAYERS[_top(target)] > LAYERS[name]:
                upward.append(f"{path.relative_to(root)} imports {target}")
    return upward


def test_every_module_has_a_layer_and_none_is_an_alias():
    modules = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")}
    assert modules - {"__init__"} <= set(LAYERS)
    # no module only re-exports another ("import *" from elsewhere): one path per name
    for path in PACKAGE.rglob("*.py"):
        assert "import *" not in path.read_text(), path


def test_imports_run_down_the_layers_only():
    assert _upward(PACKAGE) == []


def test_the_layer_check_sees_an_upward_import(tmp_path):
    (tmp_path / "groups").mkdir()
    (tmp_path / "groups" / "core.py").write_text("from ..nn import conv\nfrom . import point\n")
    (tmp_path / "fast").mkdir()
    (tmp_path / "fast" / "banks.py").write_text("from ..groups import core\n")
    assert _upward(tmp_path) == ["groups/core.py imports nn"]


def _fresh_import(code: str) -> str:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_groups_load_nothing_above_them():
    loaded = _fresh_import("""
        import sys, groupconv.groups
        print(sorted(m for m in sys.modules if m.startswith(("groupconv.nn", "groupconv.viz",
              "groupconv.fast", "matplotlib"))))
    """)
    assert loaded == "[]"


def test_import_groupconv_does_not_load_matplotlib():
    loaded = _fresh_import("""
        import sys, groupconv
        before = "matplotlib" in sys.modules
        groupconv.viz
        print(before, "matplotlib" in sys.modules)
    """)
    assert loaded == "False True"


# ------------------------------------------------------------------ read-only caches
def _cached_arrays():
    """Every cached array the library hands out, with a function that asks for it again."""
    calls = [
        lambda: transform_indices(P4, 1, (3, 3), False),
        lambda: transform_indices(P4M, 5, (4, 6), True),
        lambda: banks.LatticeBank(P4M, Kind.CORRELATION)._gather(np.ones((1, 1, 8, 3, 3)),
                                                                 "engine"),
        lambda: banks._gather_indices(P4, 3, Kind.CORRELATION, 2, "engine"),
        lambda: banks._adjoint_indices(P4, 3, Kind.LIFTING, 2),
        lambda: interpolation.kernel_operators(SE2(8), 3),
        lambda: interpolation.kernel_operators(ScaleTranslation(2.0), 3),
        lambda: interpolation.transform_operator(np.eye(2) * 1.5, 3),
        lambda: P4M.stabiliser.cayley,
        lambda: P4M.stabiliser.matrices,
        lambda: P4M.stabiliser.inverse_table,
    ]
    from groupconv import images
    calls.append(images._photo)
    return calls


@pytest.mark.parametrize("index", [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11])
def test_cached_arrays_are_read_only(index):
    call = _cached_arrays()[index]
    first = call()
    kept = np.array(first)
    with pytest.raises(ValueError, match="read-only"):
        first.reshape(-1)[0] = -1
    assert np.array_equal(call(), kept)


def test_a_write_cannot_change_a_later_transform():
    """The reproducer of the mutable-cache bug: a later transform stays right."""
    x = np.arange(9.0).reshape(1, 3, 3)
    with pytest.raises(ValueError, match="read-only"):
        transform_indices(P4, 1, (3, 3), False)[0, 0, 0] = 8
    assert transform(x, P4.element(r=1))[0, 0].tolist() == [2, 5, 8]


# ------------------------------------------------------------------ an open registry
USER_GROUPS = """
    import numpy as np
    import groupconv
    from groupconv import nn
    from groupconv.checks import verify
    from groupconv.groups import PointGroup, SemidirectProduct, register, R

    # p2 from one generator, and a group with a diagonal mirror (u, v) -> (v, u)
    p2 = register(SemidirectProduct(PointGroup("C2", {"r": R @ R}), name="p2_user"))
    cm = register(SemidirectProduct(PointGroup("D1", {"d": [[0, 1], [1, 0]]}), name="cm_user"))
    rows = verify.run(trials=1, groups=["p2_user", "cm_user"])
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    assert {r.group for r in rows} == {"p2_user", "cm_user"}
    rng = np.random.default_rng(0)
    for name in ("p2_user", "cm_user"):
        x = rng.standard_normal((2, 2, 6, 7))
        w1 = rng.standard_normal((3, 2, 3, 3))
        w2 = rng.standard_normal((2, 3, 2, 2, 2))
        y = groupconv.lifting_correlation(x, w1, name, mode="same")
        for op in (groupconv.group_correlation, groupconv.group_convolution):
            fast = op(y, w2, name, mode=1)
            slow = op(y, w2, name, mode=1, method="literal")
            assert np.abs(fast - slow).max() <= 1e-12 * np.abs(slow).max()
        net = nn.Sequential([nn.LiftingConv(name, 2, 3, 3, dtype=np.float64, rng=0),
                             nn.GroupConv(name, 3, 2, 3, dtype=np.float64, rng=1),
                             nn.SubgroupPool("max"), nn.GlobalPool("mean")])
        h = groupconv.get_group(name).point_elements()[1]
        from groupconv.fast.action import transform
        square = rng.standard_normal((2, 2, 9, 9))
        assert np.abs(net(transform(square, h)) - net(square)).max() <= 1e-12
        report = groupconv.check_equivariance(
            lambda x: groupconv.lifting_correlation(x, w1, name), name)
        assert report.max_error <= 1e-12
    import tempfile
    from groupconv import conformance
    with tempfile.TemporaryDirectory() as folder:
        manifest = conformance.write(folder, groups=["p2_user", "cm_user"], ks=(1, 2))
        assert {c["group"] for c in manifest["cases"]} == {"p2_user", "cm_user"}
        assert len(conformance.load(folder)) == 2 * 3 * 3
    print(len(rows))
"""


def test_a_user_group_from_generators_works_by_name_everywhere():
    rows = int(_fresh_import(USER_GROUPS))
    assert rows > 20


def test_register_refuses_a_taken_name():
    from groupconv.groups import C2, SemidirectProduct, register

    with pytest.raises(ValueError, match="taken by another group"):
        register(SemidirectProduct(C2, name="P4"))
    assert register(P4) is P4   # the same group again is fine
    with pytest.raises(TypeError, match="SemidirectProduct"):
        register("p4")
    with pytest.raises(TypeError, match="a name must be a str"):
        register(P4, None)


def test_banks_are_chosen_by_the_group_and_the_kind_is_parsed_once():
    from groupconv.fast.banks import bank_for

    assert repr(bank_for("p4", "convolution")) == "LatticeBank(P4, convolution)"
    assert repr(bank_for(SE2(8), Kind.LIFTING)) == "OperatorBank(SE2(8), lifting)"
    with pytest.raises(ValueError, match="kind must be one of"):
        bank_for("p4", "deconvolution")
    assert bank_for(SE2(8, disk=False), "correlation").weight_shape(2, 3, 5) == \
        (2, 3, 8, 5, 5)
    assert bank_for(ScaleTranslation(2.0, n_scales=3, scale_extent=2), "correlation"
                    ).weight_shape(2, 3, 5) == (2, 3, 2, 5, 5)
    with pytest.raises(ValueError, match="true G-convolution is not defined"):
        bank_for(SE2(8), "convolution")


#: The issue's acceptance case: a group on the line, built and registered by a user in a fresh
#: interpreter, through the literal sums, the fast path, the layers and check_equivariance.
LINE_GROUP = """
    import numpy as np
    import groupconv
    from groupconv import nn
    from groupconv.fast.action import transform
    from groupconv.groups import PointGroup, SemidirectProduct, Space, register

    G = register(SemidirectProduct(PointGroup("C2line", {"m": [[-1]]})), "linem")
    assert groupconv.get_group("linem") is G and G.dim == 1 and G.samples == 2
    rng = np.random.default_rng(0)
    checked = 0
    for k in (1, 2, 3, 4):
        for mode in ("valid", "same", "full", k - 1):
            x = rng.standard_normal((2, 3, 9))
            lifted = groupconv.lifting_correlation(x, rng.standard_normal((2, 3, k)), "linem",
                                                   mode=mode)
            for op in (groupconv.group_correlation, groupconv.group_convolution):
                w = rng.standard_normal((2, 2, 2, k))
                fast = op(lifted, w, "linem", mode=mode)
                slow = op(lifted, w, "linem", mode=mode, method="literal")
                assert np.abs(fast - slow).max() <= 1e-12 * np.abs(slow).max()
                space = Space.on_group(G)
                mirror = G.point_elements()[1]
                moved = op(transform(lifted, mirror, space), w, "linem", mode=mode)
                assert np.abs(moved - transform(fast, mirror, space)).max() <= \
                    1e-12 * np.abs(fast).max()
                checked += 1
    net = nn.Sequential([nn.LiftingConv("linem", 1, 2, 3, mode="same", dtype=np.float64, rng=0),
                         nn.ReLU(), nn.GroupConv("linem", 2, 2, 2, dtype=np.float64, rng=1),
                         nn.SubgroupPool("max"), nn.GlobalPool("mean")])
    assert groupconv.check_equivariance(net, translations=False).max_error <= 1e-12
    layer = nn.GroupConv("linem", 2, 3, 3, mode="same", dtype=np.float64, rng=2)
    assert groupconv.check_equivariance(layer).max_error <= 1e-12
    assert max(nn.check_gradients(layer, rng.standard_normal((2, 2, 2, 7))).values()) <= 1e-6
    print(checked)
"""


def test_a_group_on_the_line_built_by_a_user_works_everywhere():
    assert int(_fresh_import(LINE_GROUP)) == 4 * 4 * 2


def test_groupconv_bench_measures_and_prints(capsys):
    """The benchmark runs its table (one small case, one repeat) and says when there is no GPU."""
    from groupconv import bench

    small = (("p4 tiny", P4, False, 2, 2, 2, 8, 3),)
    rows = bench.throughput_table((np.float32,), repeats=1, cases=small)
    assert rows[0]["numpy"] > 0 and rows[0]["numpy_ws"] > 0
    out = capsys.readouterr().out
    assert "p4 tiny" in out and "time ours / torch conv2d" in out
    bench.gpu_table((np.float32,), repeats=1)
    try:
        import cupy  # noqa: F401
    except ImportError:
        assert "GPU: not measured" in capsys.readouterr().out
