"""The groups of the cube and 3D G-CNNs: the groups by name (orders, signed permutations,
determinants, labels, tables), the three operations on volumes against an independent
computation (each kernel turned by index arithmetic on a centred grid, then a naive
correlation), exact equivariance under every element, gradients, layers, a 3D network, and the
checkers on 3D layers."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupconv
from groupconv import Kind, Space, nn, transform
from groupconv.groups import cayley_table, cosets, describe, get_group, subgroups

ORDERS = {"z3": 1, "P222": 4, "P422": 8, "P4/mmm": 16, "P23": 12, "P-43m": 24, "P432": 24,
          "Pm-3m": 48}
OPS = {Kind.LIFTING: groupconv.lifting_correlation, Kind.CORRELATION: groupconv.group_correlation,
       Kind.CONVOLUTION: groupconv.group_convolution}


# ----------------------------------------------------------------------- the groups
@pytest.mark.parametrize("name", list(ORDERS))
def test_the_cubic_groups_by_name(name):
    group = get_group(name)
    assert get_group(name.upper()) is group and get_group(name.lower()) is group
    assert group.dim == 3 and group.samples == ORDERS[name] and group.lattice == "cubic"
    mats = group.point_matrices()
    # signed permutation matrices, closed, each once
    assert np.all(np.abs(mats).sum(axis=1) == 1) and np.all(np.abs(mats).sum(axis=2) == 1)
    keys = {m.tobytes() for m in mats}
    assert len(keys) == len(mats)
    assert all((a @ b).tobytes() in keys for a in mats for b in mats)


def test_the_papers_names_and_determinants():
    for alias, name in (("O", "P432"), ("Oh", "Pm-3m"), ("D4h", "P4/mmm"), ("T", "P23"),
                        ("Td", "P-43m"), ("V", "P222")):
        assert get_group(alias) is get_group(name)
    dets = {name: np.round(np.linalg.det(get_group(name).point_matrices())).astype(int)
            for name in ("P432", "Pm-3m", "P4/mmm")}
    assert np.all(dets["P432"] == 1)                                # rotations only
    assert sorted(dets["Pm-3m"].tolist()) == [-1] * 24 + [1] * 24   # rotations, then -rotations
    assert np.all(dets["Pm-3m"][:24] == 1)
    assert sorted(dets["P4/mmm"].tolist()) == [-1] * 8 + [1] * 8


def _parity(perm):
    return 1 if sum(perm[i] > perm[j] for i in range(3) for j in range(i + 1, 3)) % 2 == 0 else -1


#: Each group's point matrices as a property of the signed permutation matrices (g e_j =
#: signs[j] e_perm[j]; the first axis u, depth, the D4 groups' axis), from the crystallographic
#: definitions, apart from the group's generators
POINT_GROUPS = {
    "z3": lambda m, det, parity: np.array_equal(m, np.eye(3)),
    "P222": lambda m, det, parity: det == 1 and np.array_equal(np.abs(m), np.eye(3)),
    "P422": lambda m, det, parity: det == 1 and abs(m[0, 0]) == 1,
    "P4/mmm": lambda m, det, parity: abs(m[0, 0]) == 1,
    "P23": lambda m, det, parity: det == 1 and parity == 1,
    "P-43m": lambda m, det, parity: det * parity == 1,   # T and the mirrors that swap two axes
    "P432": lambda m, det, parity: det == 1,
    "Pm-3m": lambda m, det, parity: True,
}


@pytest.mark.parametrize("name", list(ORDERS))
def test_each_cubic_group_is_its_crystallographic_point_group(name):
    """From a mutation round: D4 generated with a mirror (C4v) and Td with a mirror of the
    cube (Th) kept their orders and group laws, and the tests passed."""
    signed = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((1, -1), repeat=3):
            m = np.zeros((3, 3), dtype=int)
            m[list(perm), range(3)] = signs
            signed.append((m, round(np.linalg.det(m)), _parity(perm)))
    expected = {m.tobytes() for m, det, parity in signed if POINT_GROUPS[name](m, det, parity)}
    got = {np.asarray(m, dtype=int).tobytes() for m in get_group(name).point_matrices()}
    assert len(expected) == ORDERS[name] and got == expected


def test_element_labels_say_axis_and_angle():
    labels = describe(get_group("P432").stabiliser)
    assert labels[:4] == ["identity", "rotation by 90° about (1, 0, 0)",
                          "rotation by 180° about (1, 0, 0)", "rotation by 270° about (1, 0, 0)"]
    kinds = sorted(label.split(" about")[0] for label in labels[1:])
    # 6 quarter turns, 3 + 6 half turns, 8 thirds of a turn: the cube's 23 rotations
    assert kinds.count("rotation by 90°") + kinds.count("rotation by 270°") == 6
    assert kinds.count("rotation by 180°") == 9
    assert kinds.count("rotation by 120°") + kinds.count("rotation by 240°") == 8
    oh = describe(get_group("Pm-3m").stabiliser)
    assert oh[24] == "inversion" and sum(lab.startswith("mirror") for lab in oh) == 9
    assert sum(lab.startswith("rotoinversion") for lab in oh) == 14


def test_tables_subgroups_and_cosets_of_the_cube():
    O = get_group("P432").stabiliser
    table = cayley_table(O)
    assert table.table.shape == (24, 24) and "Cayley table of O" in repr(table)
    subs = subgroups(O)
    assert len(subs) == 30                              # the subgroups of S4
    tetrahedral = next(s for s in subs if len(s) == 12)
    parts = cosets(O, tetrahedral)
    assert len(parts) == 2 and sorted(sum(parts, ())) == list(range(24))
    assert len(subgroups(get_group("Pm-3m").stabiliser)) == 98


def test_the_quarter_turn_about_depth_turns_every_slice_like_p4():
    x = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
    r = get_group("P432").point_elements()[1]
    assert np.array_equal(transform(x, r), np.rot90(x, 1, axes=(-2, -1)))


# ------------------------------------------------------- an independent computation
def turned(kernel: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """psi(A^-1 c) for every point c of the centred grid of a k^3 kernel (its geometric centre:
    half-integer coordinates for even k), by index arithmetic."""
    k = kernel.shape[-1]
    centre = (k - 1) / 2
    grid = np.stack(np.meshgrid(*[np.arange(k)] * 3, indexing="ij"), axis=-1) - centre
    source = np.rint(grid @ np.linalg.inv(matrix).T + centre).astype(int)
    return kernel[..., source[..., 0], source[..., 1], source[..., 2]]


def naive_correlation(x: np.ndarray, bank: np.ndarray, p: int) -> np.ndarray:
    """y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] bank[o, c, a] in 3D, by sliding windows."""
    k = bank.shape[-1]
    xp = np.pad(x, ((0, 0), (0, 0)) + ((p, p),) * 3)
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k, k), axis=(2, 3, 4))
    return np.einsum("bcijkuvw,ocuvw->boijk", windows, bank)


def independent(x, w, group, kind, p):
    """The operation from the matrices alone: kernels turned by each h_s, the input slice t fed
    by the weights slice idx(h_s^-1 h_t) (looked up among the matrices), then a correlation."""
    mats = group.point_matrices()
    lookup = {m.tobytes(): i for i, m in enumerate(mats)}
    inv = [lookup[np.rint(np.linalg.inv(m)).astype(np.int64).tobytes()] for m in mats]
    if kind is Kind.LIFTING:
        return np.stack([naive_correlation(x, turned(w, m), p) for m in mats], axis=2)
    if kind is Kind.CONVOLUTION:   # psi~[t](x) = psi[idx(h_t^-1)](-h_t^-1 x)
        w = np.stack([turned(w[:, :, inv[t]], -mats[t]) for t in range(len(mats))],
                     axis=2)
    outs = []
    for s, m in enumerate(mats):
        wired = np.stack([w[:, :, lookup[(mats[inv[s]] @ mats[t]).tobytes()]]
                          for t in range(len(mats))], axis=2)       # (O, C, S, k, k, k)
        bank = turned(wired, m).reshape(w.shape[0], -1, *w.shape[-3:])
        outs.append(naive_correlation(x.reshape(x.shape[0], -1, *x.shape[-3:]), bank, p))
    return np.stack(outs, axis=2)


@settings(max_examples=20)
@given(name=st.sampled_from(["P222", "P4/mmm", "P432"]), kind=st.sampled_from(list(Kind)),
       k=st.integers(1, 3), mode=st.sampled_from(["valid", "same", "full"]),
       extra=st.lists(st.integers(0, 2), min_size=3, max_size=3), seed=st.integers(0, 999))
def test_the_three_operations_on_volumes_equal_an_independent_computation(name, kind, k, mode,
                                                                         extra, seed):
    group = get_group(name)
    rng = np.random.default_rng(seed)
    s = (group.samples,) if kind.reads_group else ()
    x = rng.standard_normal((2, 2) + s + tuple(k + e for e in extra))
    w = rng.standard_normal((2, 2) + s + (k, k, k))
    p = {"valid": 0, "same": k // 2, "full": k - 1}[mode]
    got = OPS[kind](x, w, group, mode=mode)
    expected = independent(x, w, group, kind, p)
    assert got.shape == expected.shape
    # float64 rounding of sums of at most 2 * 24 * 27 products
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(x).max() * np.abs(w).sum()


@pytest.mark.parametrize("name", ["P4/mmm", "P432", "Pm-3m"])
@pytest.mark.parametrize("kind", list(Kind), ids=[k.value for k in Kind])
def test_exact_equivariance_under_every_element(name, kind):
    group = get_group(name)
    rng = np.random.default_rng(0)
    for k, mode, side in ((3, "same", 5), (2, "full", 4), (2, "valid", 5)):
        s = (group.samples,) if kind.reads_group else ()
        x = rng.standard_normal((1, 2) + s + (side,) * 3)
        w = rng.standard_normal((2, 2) + s + (k,) * 3)
        report = groupconv.check_equivariance(
            lambda a: OPS[kind](a, w, group, mode=mode), group,
            input_space=kind.input_space(group), output_space=kind.output_space(group), x=x,
            translations=False)
        assert len(report.errors) == group.samples and report.max_error <= 1e-12, report


def _turned_volume(f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """(L f)(y) = f(m^-1 y) about the centre of a (..., D, H, W) volume of any sides, written
    out here independently of groupconv.transform: the sides permute with |m|."""
    sides = np.array(f.shape[-3:])
    out = np.abs(m).astype(int) @ sides
    grid = np.stack(np.meshgrid(*[np.arange(n) for n in out], indexing="ij"), -1) - (out - 1) / 2
    source = np.rint(grid @ np.linalg.inv(m).T + (sides - 1) / 2).astype(int)
    return f[..., source[..., 0], source[..., 1], source[..., 2]]


@pytest.mark.parametrize("name", ["P4/mmm", "P432", "Pm-3m"])
@pytest.mark.parametrize("kind", list(Kind), ids=[k.value for k in Kind])
def test_exact_equivariance_on_volumes_of_three_different_sides(name, kind):
    """A 4 x 5 x 7 volume: every element turns it into a volume of permuted sides, and the
    three operations commute with that exactly (rounding only), in every mode; groupconv's
    transform of the volume agrees with an independent one."""
    group = get_group(name)
    matrices = np.asarray(group.point_matrices())
    rng = np.random.default_rng(2)
    s = (group.samples,) if kind.reads_group else ()
    x = rng.standard_normal((1, 2) + s + (4, 5, 7))
    w = rng.standard_normal((2, 2) + s + (3, 3, 3))
    for mode in ("valid", "same", "full"):
        y = OPS[kind](x, w, group, mode=mode)
        for h, m in zip(group.point_elements(), matrices):
            if not kind.reads_group:
                assert np.array_equal(transform(x, h), _turned_volume(x, m))
            moved = OPS[kind](transform(x, h, kind.input_space(group)), w, group, mode=mode)
            expected = transform(y, h, kind.output_space(group))
            assert moved.shape == expected.shape
            # float64 rounding only: the same products, summed in another order
            assert np.abs(moved - expected).max() <= 1e-12 * np.abs(y).max(), (mode, h)


def test_the_fast_path_equals_the_literal_sums_on_volumes():
    group = get_group("P432")
    rng = np.random.default_rng(1)
    for kind in Kind:
        s = (group.samples,) if kind.reads_group else ()
        x = rng.standard_normal((1, 1) + s + (3, 4, 3))
        w = rng.standard_normal((2, 1) + s + (2, 2, 2))
        fast = OPS[kind](x, w, group, mode="full")
        slow = OPS[kind](x, w, group, mode="full", method="literal")
        assert np.abs(fast - slow).max() <= 1e-12 * np.abs(x).max() * np.abs(w).sum()


# ------------------------------------------------------------------- layers, networks
def test_3d_layers_gradients_and_checkers():
    group = get_group("P4/mmm")
    rng = np.random.default_rng(2)
    lift = nn.LiftingConv(group, 1, 2, 2, mode="same", dtype=np.float64, rng=0)
    conv = nn.GroupConv(group, 2, 2, 3, mode="same", dtype=np.float64, rng=1)
    assert max(nn.check_gradients(lift, rng.standard_normal((2, 1, 4, 3, 4))).values()) <= 1e-6
    assert max(nn.check_gradients(conv, rng.standard_normal((2, 2, 16, 3, 4, 3))).values()) \
        <= 1e-6
    assert groupconv.check_equivariance(conv, size=5).max_error <= 1e-12
    pool = nn.SpatialPool(2, space=Space.on_group(group))
    assert groupconv.check_equivariance(pool, size=6, translations=False).max_error == 0
    report = groupconv.check_layer(lambda x, w: groupconv.group_correlation(x, w, group),
                                   group, "correlation", k=2, size=4)
    assert report.diagnosis is None and report.reference_error <= 1e-12


@pytest.mark.parametrize("name", ["P432", "Pm-3m"])
def test_a_3d_network_is_exactly_invariant(name):
    group = get_group(name)
    net = nn.voxel_gcnn(group, 2, input_size=7, dtype=np.float64, rng=0)
    x = np.random.default_rng(3).standard_normal((2, 1, 7, 7, 7))
    net.forward(x, training=True)                      # some running statistics
    y = net(x)
    for h in group.point_elements():
        assert np.abs(net(transform(x, h)) - y).max() <= 1e-12 * np.abs(y).max()
    plain = nn.voxel_gcnn("z3", 4, input_size=7, dtype=np.float64, rng=0)
    r = group.point_elements()[1]
    assert np.abs(plain(transform(x, r)) - plain(x)).max() > 1e-3 * np.abs(plain(x)).max()
    with pytest.raises(ValueError, match="cubic lattice"):
        nn.voxel_gcnn("p4", 2)


def test_verify_checks_a_cubic_group():
    from groupconv.checks import verify

    rows = verify.run(trials=1, groups=["P432"])
    assert rows and all(r.passed for r in rows), [r for r in rows if not r.passed]
    claims = {r.claim for r in rows}
    assert {"symbolic_associativity", "array_equivariance", "fast_equals_literal",
            "finite_difference_gradient", "group_correlation_equivariance"} <= claims


def test_every_element_is_a_composition_of_the_generators():
    O = get_group("P432").stabiliser
    assert O.param_names == ("c", "h", "r") and O.generator_orders == (3, 2, 4)
    for index, (a, b, k) in enumerate(itertools.product(range(3), range(2), range(4))):
        m = np.linalg.matrix_power(O.matrices[8], a) @ np.linalg.matrix_power(O.matrices[4], b) \
            @ np.linalg.matrix_power(O.matrices[1], k)
        assert np.array_equal(O.matrices[index], m)


@pytest.mark.parametrize("workers", [0, 2])
def test_the_out_of_core_benchmark_writes_a_zarr_store_that_matches_across_chunks(workers):
    """benchmarks/out_of_core.py on a small volume: a P432 lifting layer through Dask into
    Zarr, checked on a window that crosses the chunk boundaries (so the halos are compared);
    with the threaded scheduler, and on a dask.distributed cluster of two worker processes
    that run the chunks and write them into the store."""
    pytest.importorskip("zarr")
    if workers:
        pytest.importorskip("dask.distributed")
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "out_of_core.py"
    result = subprocess.run([sys.executable, str(script), "--side", "28", "--chunk", "12",
                             "--budget-mb", "512", "--workers", str(workers)],
                            capture_output=True, text=True, timeout=600, check=True)
    assert "27 spatial chunks of 12^3" in result.stdout, result.stdout
    if workers:
        tasks = re.search(r"tasks run by each worker .*: (\d+), (\d+)$", result.stdout, re.M)
        assert tasks is not None and min(map(int, tasks.groups())) > 0, result.stdout
    found = re.search(r"voxels 2\.\.21 on every axis .* max relative difference (\S+)",
                      result.stdout)
    # float32 sums, each chunk's GEMMs in their own order: equal to rounding (1e-7 relative)
    assert found is not None and float(found.group(1)) < 1e-5, result.stdout


def test_the_out_of_core_benchmark_never_replaces_a_store(tmp_path):
    """A review's: --out DIR replaced an existing DIR/lifted.zarr (and what it held); a file
    given as --out was a NotADirectoryError. Both are refused before anything runs."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "out_of_core.py"
    kept = tmp_path / "lifted.zarr" / "precious.txt"
    kept.parent.mkdir()
    kept.write_text("kept")
    (tmp_path / "a_file").write_text("")
    for out, said in ((tmp_path, "exists; this script writes its store there"),
                      (tmp_path / "a_file", "--out must be a folder")):
        run = subprocess.run([sys.executable, str(script), "--side", "8", "--chunk", "4",
                              "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and said in run.stderr, run.stderr
    assert kept.read_text() == "kept"


def test_a_2d_image_given_to_a_cubic_group_is_asked_about():
    """(A review: a 2D image with a 3D kernel read as a volume of one slice, and the message
    spoke of sizes only.)"""
    with pytest.raises(ValueError, match=r"got 1x9x9 \(a 2D array read as one slice\? P432 "
                                         r"acts on Z\^3: for 2D data use a group on Z\^2\)"):
        groupconv.lifting_correlation(np.zeros((1, 1, 9, 9)), np.ones((4, 1, 3, 3, 3)), "P432")
    with pytest.raises(ValueError, match=r"got 2x2x9$"):         # no slice: no question
        groupconv.lifting_correlation(np.zeros((1, 2, 2, 9)), np.ones((4, 1, 3, 3, 3)), "P432")
