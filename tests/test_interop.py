"""groupconv as an oracle for other libraries: convention converters (against vectors computed
by escnn and e2cnn themselves, where tests/data/escnn_vectors.npz exists), the checkers for
anyone's layer with their diagnoses, and the conformance vectors."""

import json
import pathlib

import numpy as np
import pytest

import groupconv
from groupconv import conformance, interop
from groupconv.fast.correlate import group_convolution, group_correlation, lifting_correlation

DATA = pathlib.Path(__file__).parent / "data" / "escnn_vectors.npz"
OPS = {"lifting": lifting_correlation, "correlation": group_correlation}


# ------------------------------------------------------------------ converters
@pytest.mark.parametrize("convention", interop.CONVENTIONS)
@pytest.mark.parametrize("group", ["p4", "p4m"])
@pytest.mark.parametrize("kind", ["lifting", "correlation"])
def test_converters_are_inverse_and_commute_with_the_layer(convention, group, kind):
    """Converting fields and banks to a convention and back is the identity; and conv2d on the
    converted bank and fields gives the converted output (the converters agree with each other
    and with the layer)."""
    rng = np.random.default_rng(0)
    s = groupconv.get_group(group).samples
    axis = () if kind == "lifting" else (s,)
    w = rng.standard_normal((3, 2) + axis + (3, 3))
    x = rng.standard_normal((2, 2) + axis + (7, 7))
    bank = interop.bank_from_weights(w, convention, group, kind)
    assert np.array_equal(interop.weights_from_bank(bank, convention, group, kind), w)
    y = OPS[kind](x, w, group)
    y_theirs = interop.fields_from_groupconv(y, convention, group)
    assert np.array_equal(interop.fields_to_groupconv(y_theirs, convention, group), y)
    x_theirs = x if kind == "lifting" else interop.fields_from_groupconv(x, convention, group)
    from groupconv.fast.engine import correlate
    direct = correlate(x_theirs, np.moveaxis(bank, 1, -1), 0)   # conv2d on their layout
    assert np.abs(direct - y_theirs).max() <= 1e-12 * np.abs(y).max()


def test_escnn_permutation_is_flip_first_then_rotate():
    """escnn's D4 element 4f + θ is R^θ F with F the left-right flip = M R^2 = groupconv's
    M R^(2-θ): element index 4 + (2 - θ) mod 4."""
    sigma = interop.element_order("escnn", "p4m")
    d4 = groupconv.D4
    flip = np.array(interop.GENERATORS["escnn"]["p4m"]["flip"])
    rot = np.array(interop.GENERATORS["escnn"]["p4m"]["rotation"])
    for f in (0, 1):
        for theta in range(4):
            matrix = np.linalg.matrix_power(rot, theta) @ np.linalg.matrix_power(flip, f)
            assert np.array_equal(d4.matrices[sigma[4 * f + theta]], matrix)


def test_weights_from_bank_refuses_what_is_not_a_g_bank():
    w = np.random.default_rng(1).standard_normal((2, 2, 8, 3, 3))
    bank = interop.bank_from_weights(w, "escnn", "p4m", "correlation")
    bank[0, 0, 1, 1] += 1e-3 * np.abs(bank).max()
    with pytest.raises(ValueError, match=r"differ from the transformed filter by 1\.0\de-03"):
        interop.weights_from_bank(bank, "escnn", "p4m", "correlation")
    assert interop.weights_from_bank(bank, "escnn", "p4m", "correlation",
                                     tolerance=2e-3).shape == w.shape
    with pytest.raises(ValueError, match="convention must be one of"):
        interop.fields_to_groupconv(np.zeros((1, 8, 3, 3)), "tensorflow", "p4m")
    with pytest.raises(ValueError, match="C·8 channels"):
        interop.fields_to_groupconv(np.zeros((1, 6, 3, 3)), "escnn", "p4m")


@pytest.mark.skipif(not DATA.exists(), reason="tests/data/escnn_vectors.npz not generated")
@pytest.mark.parametrize("library", ["escnn", "e2cnn"])
def test_real_escnn_and_e2cnn_layers(library):
    """Their expanded banks are G-banks in their convention (within their float32-sampled
    basis), and groupconv reproduces their outputs from the converted weights and fields."""
    data = np.load(DATA, allow_pickle=False)
    keys = sorted({k.rsplit("/", 1)[0] for k in data.files if k.startswith(library + "/")})
    if not keys:
        pytest.skip(f"no {library} vectors")
    for key in keys:
        _, group, kind, k, p = key.split("/")
        bank, x, y = data[f"{key}/bank"], data[f"{key}/x"], data[f"{key}/y"]
        w = interop.weights_from_bank(bank, library, group, kind)
        ours_x = x if kind == "lifting" else interop.fields_to_groupconv(x, library, group)
        ours = OPS[kind](ours_x, w, group, mode=int(p[1:]))
        expected = interop.fields_to_groupconv(y, library, group)
        assert np.abs(ours - expected).max() <= 1e-6 * np.abs(expected).max(), key


# ------------------------------------------------------------------ the checkers
def _corr2d(x, w, p):
    k = w.shape[-1]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(-2, -1))
    return np.einsum("bcijuv,ocuv->boij", windows, w)


def _student_lifting(p4m=False, sense=1, mirror="up-down", flip_kernel=False, padding=0,
                     order="groupconv"):
    """A lifting layer written from the formula by hand, with a switch per convention."""
    def fn(x, w):
        outs = []
        for m in ((0, 1) if p4m else (0,)):
            for r in range(4):       # L_{M^m R^r} psi = (flip)^m (rotate by r) psi
                k = np.rot90(w, sense * r, axes=(-2, -1))
                if m:
                    k = k[..., ::-1, :] if mirror == "up-down" else k[..., :, ::-1]
                if flip_kernel:
                    k = k[..., ::-1, ::-1]
                outs.append(_corr2d(x, k, padding))
        y = np.stack(outs, axis=2)
        if order == "escnn":
            y = y[:, :, interop.element_order("escnn", "p4m")]
        return y
    return fn


@pytest.mark.parametrize("student, group, expected", [
    (_student_lifting(), "p4", None),
    (_student_lifting(p4m=True), "p4m", None),
    (_student_lifting(sense=-1), "p4", "turn clockwise"),
    (_student_lifting(p4m=True, mirror="left-right"), "p4m", "mirror about the other axis"),
    (_student_lifting(p4m=True, order="escnn"), "p4m", "escnn's element order"),
    (_student_lifting(flip_kernel=True), "p4", "convolves where it should correlate"),
    (_student_lifting(padding=1), "p4", "padding is off by +1"),
], ids=["right-p4", "right-p4m", "clockwise", "other-mirror", "escnn-order", "convolution",
        "padding"])
def test_check_layer_diagnoses_the_usual_conventions(student, group, expected):
    report = groupconv.check_layer(student, group, "lifting")
    if expected is None:
        assert report.diagnosis is None and report.reference_error <= 1e-12
        assert report.equivariance_error <= 1e-12
    else:
        assert report.reference_error > 1e-3 and expected in report.diagnosis
    assert "LayerReport(lifting" in repr(report)


def test_check_layer_on_group_kinds_and_torch_layers():
    report = groupconv.check_layer(lambda x, w: group_convolution(x, w, "p4m"), "p4m",
                                   "correlation")
    assert "convolves where it should correlate" in report.diagnosis
    right = groupconv.check_layer(lambda x, w: group_correlation(x, w, "p4m", mode="same"),
                                  "p4m", "correlation", mode="same")
    assert right.diagnosis is None and right.reference_error <= 1e-12


def test_check_equivariance_acts_on_d4_as_d4():
    w = np.random.default_rng(2).standard_normal((2, 2, 3, 3))
    report = groupconv.check_equivariance(lambda x: lifting_correlation(x, w, "p4m"), "p4m")
    assert report.max_error <= 1e-12 and len(report.errors) == 9       # 8 elements, 1 shift
    not_equivariant = groupconv.check_equivariance(
        lambda x: lifting_correlation(x, w, "p4m")[:, :, [1, 0, 2, 3, 4, 5, 6, 7]], "p4m")
    # (two orientations swapped; reversing all eight would still be equivariant: it is the
    # right multiplication by M R^3, which commutes with the left action)
    assert not_equivariant.max_error > 0.1
    invariant = groupconv.check_equivariance(
        lambda x: lifting_correlation(x, w, "p4m").max(axis=(2, 3, 4)), "p4m",
        output_space="invariant")
    assert invariant.max_error <= 1e-12
    assert "max error" in repr(invariant)
    with pytest.raises(ValueError, match="output_space"):
        groupconv.check_equivariance(lambda x: x, "p4", output_space="z3")


# ------------------------------------------------------------------ conformance
SHIPPED = conformance.load()


def test_the_shipped_set_covers_every_group_kind_and_padding():
    seen = {(c.group, c.kind, c.k, c.padding) for c in SHIPPED}
    assert {g for g, *_ in seen} == {"Z2", "P2", "PM", "CM", "PMM", "CMM", "P4", "P4M", "P3",
                                     "P3M1", "P31M", "P6", "P6M"}
    assert {kind for _, kind, *_ in seen} == {"lifting", "correlation", "convolution"}
    assert all((g, kind, k, p) in seen for g, kind, k, _ in seen for p in range(k))
    manifest = json.loads((conformance.SHIPPED / "manifest.json").read_text())
    assert manifest["library"] == "groupconv" and len(manifest["cases"]) == len(SHIPPED)


@pytest.mark.parametrize("case", SHIPPED[::9], ids=lambda c: c.id)
def test_shipped_cases_are_the_literal_sums(case):
    """Independent of the fast path that wrote them: the literal sums give y, and y_h."""
    op = {"lifting": lifting_correlation, "correlation": group_correlation,
          "convolution": group_convolution}[case.kind]
    for x, y in ((case["x"], case["y"]), (case["x_h"], case["y_h"])):
        literal = op(x, case["w"], case.group, mode=case.padding, method="literal")
        assert np.abs(literal - y).max() <= 1e-12 * max(np.abs(y).max(), 1.0)


def test_conformance_command_writes_the_schema(tmp_path, capsys):
    assert groupconv.cli.main(["conformance", "--out", str(tmp_path), "--groups", "p4"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["cases"]) == 3 * 15 and manifest["seed"] == 0
    case = manifest["cases"][0]
    assert set(case) >= {"file", "group", "kind", "k", "padding", "dtype"}
    with np.load(tmp_path / case["file"], allow_pickle=False) as data:
        assert {"x", "w", "y", "bank", "h", "x_h", "y_h"} <= set(data.files)


def test_each_conformance_case_is_reproducible_on_its_own():
    """A case's arrays depend on the seed and the case alone, not on the other groups or
    kernel sizes written with it: the shipped cases are what the command writes."""
    shipped = {c.id: c for c in SHIPPED}
    for case in conformance.cases(["p6", "cm"], ks=(3,)):
        for key in ("x", "w", "h"):               # drawn, not computed: bit for bit
            assert np.array_equal(case[key], shipped[case.id][key]), (case.id, key)
        for key in ("y", "x_h", "y_h"):           # through BLAS, whose kernels round
            assert np.allclose(case[key], shipped[case.id][key], rtol=0,   # by machine
                               atol=1e-12 * np.abs(shipped[case.id][key]).max()), (case.id, key)
