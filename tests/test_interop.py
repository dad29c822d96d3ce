"""groupconv as an oracle for other libraries: convention converters (against vectors computed
by escnn and e2cnn themselves, where tests/data/escnn_vectors.npz exists), the checkers for
anyone's layer with their diagnoses, and the conformance vectors."""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupconv
from groupconv import conformance, interop, nn
from groupconv.groups import describe
from groupconv.fast.correlate import group_convolution, group_correlation, lifting_correlation

DATA = pathlib.Path(__file__).parent / "data" / "escnn_vectors.npz"
OPS = {"lifting": lifting_correlation, "correlation": group_correlation}


# ------------------------------------------------------------------ converters
NAMED = [(c, g) for c in interop.CONVENTIONS if c != "groupconv"
         for g in interop.ELEMENT_ORDER[c]]
GROUP_DATA = pathlib.Path(__file__).parent / "data" / "escnn_group_vectors.npz"


@pytest.mark.parametrize("convention, group", NAMED + [
    ("groupconv", "P4/mmm"), ("groupconv", "se2_8"), ([0, 3, 2, 1], "pmm"),
    ([2, 0, 1, 3], "p4"), (list(range(16))[::-1], "P4/mmm")], ids=str)
@pytest.mark.parametrize("kind", ["lifting", "correlation"])
def test_converters_are_inverse_and_commute_with_the_layer(convention, group, kind):
    """Converting fields and banks to a convention and back is the identity; and a plain
    correlation (conv2d / conv3d) of the converted fields with the converted bank gives the
    converted output: the converters agree with each other and with the layer."""
    rng = np.random.default_rng(0)
    g = groupconv.get_group(group)
    d, s = g.dim, g.samples
    axis = () if kind == "lifting" else (g.weight_samples,)
    k, n = (3, 7) if d == 2 else (2, 4)
    w = rng.standard_normal((3, 2) + axis + (k,) * d)
    x = rng.standard_normal((2, 2) + ((s,) if kind != "lifting" else ()) + (n,) * d)
    if g.lattice == "hexagonal":
        w = w * groupconv.groups.hexagon_mask(k)
        x = x * groupconv.groups.hexagon_mask(n)
    bank = interop.bank_from_weights(w, convention, group, kind)
    if isinstance(g, groupconv.SemidirectProduct):
        assert np.array_equal(interop.weights_from_bank(bank, convention, group, kind), w)
    y = OPS[kind](x, w, group)
    for layout in interop.LAYOUTS:
        theirs = interop.fields_from_groupconv(y, convention, group, layout=layout)
        assert np.array_equal(interop.fields_to_groupconv(theirs, convention, group,
                                                          layout=layout), y)
    y_theirs = interop.fields_from_groupconv(y, convention, group)
    x_theirs = x if kind == "lifting" else interop.fields_from_groupconv(x, convention, group)
    from groupconv.fast.engine import correlate
    direct = correlate(x_theirs, np.moveaxis(bank, 1, -1), 0)   # conv2d / conv3d, their layout
    if g.lattice == "hexagonal":
        direct = direct * groupconv.groups.hexagon_mask(direct.shape[-1])
    assert np.abs(direct - y_theirs).max() <= 1e-12 * np.abs(y).max()


@given(data=st.data(), group=st.sampled_from(["pmm", "p4m", "p6m", "P432", "p2"]))
def test_any_element_order_round_trips_in_every_layout(data, group):
    """fields_to_groupconv(x, σ, group) and its inverse round-trip for any permutation σ, and
    σ reads as documented: their element j is groupconv's σ[j]."""
    g = groupconv.get_group(group)
    s = g.samples
    sigma = data.draw(st.permutations(range(s)))
    layout = data.draw(st.sampled_from(interop.LAYOUTS))
    ours = np.random.default_rng(1).standard_normal((2, 3, s) + (2,) * g.dim)
    theirs = interop.fields_from_groupconv(ours, sigma, group, layout=layout)
    assert np.array_equal(interop.fields_to_groupconv(theirs, sigma, group, layout=layout), ours)
    split = interop.fields_from_groupconv(ours, sigma, group, layout="split")
    j = data.draw(st.integers(0, s - 1))
    assert np.array_equal(split[:, :, j], ours[:, :, sigma[j]])


def test_pmm_with_an_explicit_order_round_trips():
    x = np.random.default_rng(2).standard_normal((2, 12, 5, 6))      # GroCo-style p2mm fields
    ours = interop.fields_to_groupconv(x, [0, 3, 2, 1], "pmm")
    assert ours.shape == (2, 3, 4, 5, 6)
    assert np.array_equal(ours[:, :, 3], x[:, 1::4]) and np.array_equal(ours[:, :, 1], x[:, 3::4])
    assert np.array_equal(interop.fields_from_groupconv(ours, [0, 3, 2, 1], "pmm"), x)


@pytest.mark.parametrize("convention, group", [(c, g) for c in ("escnn", "groupy", "hexaconv")
                                               for g in interop.GENERATORS[c]])
def test_named_orders_are_their_generators_words(convention, group):
    """escnn's element j = f N + θ is R^θ F^f (flip first, then rotate); GrouPy's and
    HexaConv's j = m N + r is M^m R^r: σ[j] is the element with that matrix."""
    sigma = interop.element_order(convention, group)
    mats = groupconv.get_group(group).point_matrices()
    gens = {k: np.array(v) for k, v in interop.GENERATORS[convention][group].items()}
    rot = gens.get("rotation", gens.get("r", np.eye(2, dtype=int)))
    flip = gens.get("flip", gens.get("m"))
    n = len(sigma) // (2 if flip is not None else 1)
    for j in range(len(sigma)):
        f, theta = divmod(j, n)
        turn = np.linalg.matrix_power(rot, theta)
        mirror = np.linalg.matrix_power(flip, f) if flip is not None else np.eye(2, dtype=int)
        expected = turn @ mirror if convention == "escnn" else mirror @ turn
        assert np.array_equal(mats[sigma[j]], expected), (j, mats[sigma[j]], expected)


def test_escnn_p4m_is_flip_first_then_rotate():
    """escnn's D4 element 4f + θ is R^θ F with F the left-right flip = M R^2 = groupconv's
    M R^(2-θ): element index 4 + (2 - θ) mod 4."""
    assert interop.element_order("escnn", "p4m").tolist() == [0, 1, 2, 3, 6, 5, 4, 7]
    assert interop.element_order("e2cnn", "p4m").tolist() == [0, 1, 2, 3, 6, 5, 4, 7]


def _hexaconv_point_action(m: int, r: int, uv: np.ndarray) -> np.ndarray:
    """HexaConv's D6 acting on an axial point (u, v), transcribed from its source
    (groupy/garray/p6m_array.py: uv_to_xyz, rotate_xyz, mirror_xyz; u = z, v = x)."""
    u, v = uv
    xyz = [v, -(u + v), u]
    for _ in range(r):                        # a CCW turn of 60 degrees: (x, y, z) -> (-z, -x, -y)
        xyz = [-xyz[2], -xyz[0], -xyz[1]]
    if m:                                     # the mirror: (x, y, z) -> (x, z, y)
        xyz = [xyz[0], xyz[2], xyz[1]]
    return np.array([xyz[2], xyz[0]])


def test_hexaconv_order_from_its_own_formulas():
    """HexaConv's element index 6m + r acts on an axial point as its code says, and that is
    groupconv's D6 element σ[6m + r] (HexaConv's u, v are groupconv's row, column; its turn
    is R6^-1 on groupconv's arrays)."""
    mats = groupconv.get_group("p6m").point_matrices()
    sigma = interop.element_order("hexaconv", "p6m")
    basis = np.eye(2, dtype=int)
    for m in (0, 1):
        for r in range(6):
            matrix = np.stack([_hexaconv_point_action(m, r, e) for e in basis], axis=1)
            assert np.array_equal(mats[sigma[6 * m + r]], matrix), (m, r)
    p6 = groupconv.get_group("p6").point_matrices()
    assert all(np.array_equal(p6[s], np.stack([_hexaconv_point_action(0, r, e) for e in basis],
                                               axis=1))
               for r, s in enumerate(interop.element_order("hexaconv", "p6")))


def test_bad_conventions_say_what_was_expected():
    with pytest.raises(ValueError, match=r"convention must be one of .* permutation of 0\.\.3"):
        interop.fields_to_groupconv(np.zeros((1, 8, 3, 3)), [0, 1, 1, 2], "pmm")
    with pytest.raises(ValueError, match="convention must be one of"):
        interop.fields_to_groupconv(np.zeros((1, 8, 3, 3)), "tensorflow", "p4m")
    with pytest.raises(ValueError, match=r"give the element order itself"):
        interop.element_order("groupy", "p6")
    with pytest.raises(ValueError, match="C·8 channels"):
        interop.fields_to_groupconv(np.zeros((1, 6, 3, 3)), "escnn", "p4m")
    with pytest.raises(ValueError, match="layout must be one of"):
        interop.fields_to_groupconv(np.zeros((1, 8, 3, 3)), "escnn", "p4m", layout="NHWC")
    with pytest.raises(ValueError, match="interpolated"):
        interop.weights_from_bank(np.zeros((8, 1, 3, 3)), "groupconv", "se2_8", "lifting")
    with pytest.raises(ValueError, match="'lifting' or 'correlation'"):
        interop.bank_from_weights(np.zeros((1, 1, 4, 3, 3)), "groupconv", "p4", "convolution")
    # shapes said in the terms of the argument, and the other kind named where it fits
    with pytest.raises(ValueError, match=r"weights must have 5 axes, \(C_out, C_in, 8, k, k\) "
                       r"for a correlation layer on P4M, got shape \(3, 2, 3, 3\) \(a lifting "
                       r"layer's weights are \(C_out, C_in, k, k\): kind='lifting'\?\)"):
        interop.bank_from_weights(np.zeros((3, 2, 3, 3)), "escnn", "p4m", "correlation")
    with pytest.raises(ValueError, match=r"\(C_out, C_in, k, k, k\) for a lifting layer on P432.*"
                       r"kind='correlation'\?"):
        interop.bank_from_weights(np.zeros((3, 2, 24, 3, 3, 3)), "groupconv", "O", "lifting")
    with pytest.raises(ValueError, match=r"bank must have 4 axes, \(C_out·S, C_in·S_in, k, k\) "
                       r"on P4M, got shape \(2, 3\)$"):
        interop.weights_from_bank(np.zeros((2, 3)), "escnn", "p4m", "lifting")
    with pytest.raises(ValueError, match=r"fields must have 4 axes, \(B, \*n, S·C\) in the "
                       r"layout 'last_sc' \(n: P4M's 2 spatial sides\)"):
        interop.fields_to_groupconv(np.zeros((2, 3)), "escnn", "p4m", layout="last_sc")
    with pytest.raises(ValueError, match=r"fields must have 5 axes, \(B, C, 8, \*n\)"):
        interop.fields_from_groupconv(np.zeros((2, 3)), "escnn", "p4m")


def test_conventions_read_as_the_command_line_writes_them():
    assert interop.element_order("0", "z2").tolist() == [0]     # one element: no comma
    assert interop.element_order("ESCNN", "p4m").tolist() == [0, 1, 2, 3, 6, 5, 4, 7]
    with pytest.raises(ValueError, match=r"permutation of 0\.\.0 \(S = 1 for Z2\)"):
        interop.element_order("1", "z2")


def test_hexagonal_weights_outside_the_hexagon_are_left_out_as_the_layers_do():
    w = np.random.default_rng(2).standard_normal((2, 1, 3, 3))
    bank = interop.bank_from_weights(w, "hexaconv", "p6", "lifting")
    back = interop.weights_from_bank(bank, "hexaconv", "p6", "lifting")
    hexagon = groupconv.groups.hexagon_mask(3)
    assert np.array_equal(back, np.where(hexagon, w, 0.0))
    x = np.random.default_rng(3).standard_normal((1, 1, 7, 7))
    assert np.allclose(groupconv.lifting_correlation(x, w, "p6"),
                       groupconv.lifting_correlation(x, back, "p6"), rtol=0, atol=1e-12)


def test_weights_from_bank_refuses_what_is_not_a_g_bank():
    w = np.random.default_rng(1).standard_normal((2, 2, 8, 3, 3))
    bank = interop.bank_from_weights(w, "escnn", "p4m", "correlation")
    bank[0, 0, 1, 1] += 1e-3 * np.abs(bank).max()
    with pytest.raises(ValueError, match=r"differ from the transformed filter by 1\.0\de-03"):
        interop.weights_from_bank(bank, "escnn", "p4m", "correlation")
    assert interop.weights_from_bank(bank, "escnn", "p4m", "correlation",
                                     tolerance=2e-3).shape == w.shape


def _reproduce(data, key: str, library: str) -> tuple[float, float]:
    """(the bank's deviation from a G-bank, the relative error of groupconv's output) for one
    stored layer of another library, through the converters."""
    _, group, kind, _, p = key.split("/")
    bank, x, y = data[f"{key}/bank"], data[f"{key}/x"], data[f"{key}/y"]
    w = interop.weights_from_bank(bank, library, group, kind)
    deviation = np.abs(interop.bank_from_weights(w, library, group, kind) - bank).max() / \
        np.abs(bank).max()
    ours_x = x if kind == "lifting" else interop.fields_to_groupconv(x, library, group)
    ours = OPS[kind](ours_x, w, group, mode=int(p[1:]))
    expected = interop.fields_to_groupconv(y, library, group)
    return deviation, np.abs(ours - expected).max() / np.abs(expected).max()


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
        deviation, error = _reproduce(data, key, library)
        assert deviation <= 1e-6 and error <= 1e-6, (key, deviation, error)


@pytest.mark.skipif(not GROUP_DATA.exists(), reason="tests/data/escnn_group_vectors.npz absent")
def test_real_escnn_layers_on_more_groups_and_the_octahedral_group():
    """escnn 1.0.11's layers on p2, pm, cm, pmm, cmm and its octahedral R3Conv (octaOnR3,
    regular fields) are reproduced by groupconv through the converters (measured errors:
    docs/interop.md); its banks are G-banks in the recorded orders."""
    data = np.load(GROUP_DATA, allow_pickle=False)
    keys = sorted({k.rsplit("/", 1)[0] for k in data.files if k.count("/") == 5})
    assert {k.split("/")[1] for k in keys} == {"p2", "pm", "cm", "pmm", "cmm", "P432"}
    for key in keys:
        deviation, error = _reproduce(data, key, "escnn")
        assert deviation <= 1e-6 and error <= 1e-6, (key, deviation, error)


@pytest.mark.skipif(not GROUP_DATA.exists(), reason="tests/data/escnn_group_vectors.npz absent")
def test_escnn_octahedral_order_is_derived_from_its_standard_representation():
    """σ[j] is the P432 element whose matrix is P ρ(g_j) P^T, ρ escnn's standard
    representation of its j-th element and P its (x, y, z) in groupconv's (u, v, w); escnn's
    identity is its element 3 (the quaternion (0, 0, 0, 1))."""
    data = np.load(GROUP_DATA, allow_pickle=False)
    rho, quaternions = data["escnn/P432/standard"], data["escnn/P432/quaternions"]
    axes = np.array(interop.ESCNN_OCTAHEDRAL_AXES)
    mats = groupconv.get_group("P432").point_matrices()
    sigma = interop.element_order("escnn", "P432")
    for j in range(24):
        assert np.array_equal(np.rint(axes @ rho[j] @ axes.T).astype(int), mats[sigma[j]])
    assert sigma[3] == 0 and np.array_equal(quaternions[3], [0, 0, 0, 1])
    # ρ is each quaternion's rotation (x, y, z, w: scalar last), and P a proper rotation of
    # frames, so an axis-angle label carries over unchanged: escnn's element 12, a quarter
    # turn about its x axis, is a quarter turn about P x = -w (from a review: the map stated
    # before, -P, is a reflection of frames and read every angle backwards)
    for q, r in zip(quaternions, rho):
        x, y, z, s = q
        turned = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * s), 2 * (x * z + y * s)],
                           [2 * (x * y + z * s), 1 - 2 * (x * x + z * z), 2 * (y * z - x * s)],
                           [2 * (x * z - y * s), 2 * (y * z + x * s), 1 - 2 * (x * x + y * y)]])
        assert np.allclose(turned, r, atol=1e-12)
    assert round(np.linalg.det(axes)) == 1
    assert np.allclose(quaternions[12], [np.sqrt(0.5), 0, 0, np.sqrt(0.5)])
    assert describe(groupconv.get_group("P432").stabiliser)[sigma[12]] == \
        "rotation by 270° about (0, 0, 1)"
    assert np.array_equal(axes @ [1, 0, 0], [0, 0, -1])


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


def _in_order(op, sigma):
    """op (groupconv's correlation on G) written in the element order sigma: x, w and y."""
    back = np.argsort(sigma)
    return lambda x, w: op(x[:, :, back], w[:, :, back])[:, :, sigma]


def test_check_layer_takes_a_layer_in_a_declared_convention():
    """fn written in escnn's order passes with convention="escnn" (its input, weights and
    output converted), fails without it; an order found is then said in the declared
    convention's terms, and other mistakes as said of the converted layer."""
    sigma = interop.element_order("escnn", "p4m")
    right = _in_order(lambda x, w: group_correlation(x, w, "p4m", mode="same"), sigma)
    report = groupconv.check_layer(right, "p4m", "correlation", mode="same", convention="escnn")
    assert report.passed and report.reference_error <= 1e-12
    assert not groupconv.check_layer(right, "p4m", "correlation", mode="same").passed
    # a lifting layer in escnn's order declared as another order: the order to declare
    lifting = lambda x, w: lifting_correlation(x, w, "p4m")[:, :, sigma]     # noqa: E731
    other = [0, 3, 2, 1, 4, 7, 6, 5]
    report = groupconv.check_layer(lifting, "p4m", "lifting", convention=other)
    assert "in the terms of the declared convention 0,3,2,1,4,7,6,5, your layer's element " \
        "order is 0,1,2,3,6,5,4,7 (escnn's order): declare that instead, if it is how your " \
        "layer labels the elements (a lifting layer's output cannot tell a labelling from " \
        "kernels moved by other elements" in report.diagnosis   # (a 3D user's review: it could
    #                                                              not, and the advice misled)
    found = report.element_order["output"]          # the order to pass back: escnn's
    assert found == list(sigma)
    assert groupconv.check_layer(lifting, "p4m", "lifting", convention=found).passed
    # groupconv's own order declared as escnn's: drop the convention
    own = groupconv.check_layer(lambda x, w: lifting_correlation(x, w, "p4m"), "p4m", "lifting",
                                convention="escnn")
    assert "your layer is in groupconv's own element order, not in the declared convention " \
        "escnn: drop the convention" in own.diagnosis
    # right order, kernels flipped: said of the converted layer, no order to declare
    flipped = _in_order(lambda x, w: group_correlation(x, w[..., ::-1, :], "p4m"), sigma)
    report = groupconv.check_layer(flipped, "p4m", "correlation", convention="escnn")
    assert report.diagnosis.startswith("(said of your layer once converted from the declared "
                                       "convention escnn, in groupconv's terms)")
    assert "declare" not in report.diagnosis.split(")", 1)[1]
    with pytest.raises(ValueError, match="convention must be one of"):
        groupconv.check_layer(right, "p4m", "correlation", convention="escnm")


def test_check_layer_under_a_convention_names_convolutions_orders_and_in_place_changes():
    """From a review: a G-convolution recorded no element order (its layer in groupconv's own
    order, declared escnn, was told to convert with escnn), and a layer that zeroed its input
    in place passed under a convention (it changed the converted copy)."""
    sigma = interop.element_order("escnn", "p4m")
    own = groupconv.check_layer(lambda x, w: group_convolution(x, w, "p4m"), "p4m",
                                "convolution", convention="escnn")
    assert "drop the convention" in own.diagnosis
    theirs = _in_order(lambda x, w: group_convolution(x, w, "p4m"), sigma)
    found = groupconv.check_layer(theirs, "p4m", "convolution").element_order
    assert found == {axis: list(sigma) for axis in ("output", "input", "weights")}
    assert groupconv.check_layer(theirs, "p4m", "convolution",
                                 convention=found["output"]).passed

    def zeroes(name):
        def layer(x, w):
            y = right(x, w)
            (x if name == "x" else w)[...] = 0.0
            return y
        return layer
    right = _in_order(lambda x, w: group_correlation(x, w, "p4m"), sigma)
    for name in ("x", "w"):
        report = groupconv.check_layer(zeroes(name), "p4m", "correlation", convention="escnn")
        assert f"your layer changes its input {name} in place" in report.diagnosis


def test_check_equivariance_reads_a_declared_convention():
    """From a JAX author's review: a right p4m layer in escnn's order failed
    check_equivariance (its point axis read in groupconv's order), with no way to say so."""
    sigma = interop.element_order("escnn", "p4m")
    rng = np.random.default_rng(0)
    w, wg = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((2, 2, 8, 3, 3))
    lifting = lambda x: lifting_correlation(x, w, "p4m")[:, :, sigma]          # noqa: E731
    assert groupconv.check_equivariance(lifting, "p4m").max_error > 0.1
    assert groupconv.check_equivariance(lifting, "p4m", convention="escnn").max_error < 1e-12
    grouped = _in_order(lambda x, v: group_correlation(x, v, "p4m"), sigma)
    report = groupconv.check_equivariance(lambda x: grouped(x, wg[:, :, sigma]), "p4m",
                                          input_space="group", convention="escnn")
    assert report.max_error < 1e-12
    invariant = groupconv.check_equivariance(          # no point axis out: nothing to reorder
        lambda x: grouped(x, wg[:, :, sigma]).max(axis=(2, 3, 4)), "p4m", input_space="group",
        output_space="invariant", convention="escnn")
    assert invariant.max_error < 1e-12
    with pytest.raises(ValueError, match="convention must be one of"):
        groupconv.check_equivariance(lifting, "p4m", convention="escnm")
    with pytest.raises(TypeError, match="convention only for a plain callable"):
        groupconv.check_equivariance(nn.LiftingConv("p4m", 1, 1, 3, rng=0), convention="escnn")


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
CORRELATION_CASES = [c for c in SHIPPED if c.kind in conformance.CORRELATIONS]


def test_the_shipped_set_covers_every_group_kind_and_padding():
    seen = {(c.group, c.kind, c.k, c.padding) for c in SHIPPED if c.stride == c.dilation == 1
            and not c.bias}
    assert {g for g, *_ in seen} == {"Z2", "P2", "PM", "CM", "PMM", "CMM", "P4", "P4M", "P3",
                                     "P3M1", "P31M", "P6", "P6M", "P4/mmm", "P432", "Pm-3m"}
    assert {c.kind for c in SHIPPED} == set(conformance.KINDS)
    assert all((g, kind, k, p) in seen for g, kind, k, _ in seen if kind in
               conformance.CORRELATIONS for p in range(k))
    variants = {(c.group, c.kind, c.stride, c.dilation, c.bias) for c in SHIPPED}
    assert all((g, kind, s, d, b) in variants for g in ("Z2", "P4", "P4M", "P4/mmm", "P432")
               for kind in conformance.CORRELATIONS
               for s, d, b in ((2, 1, False), (1, 2, False), (1, 1, True), (2, 2, True)))
    manifest = json.loads((conformance.SHIPPED / "manifest.json").read_text())
    assert manifest["library"] == "groupconv" and len(manifest["cases"]) == len(SHIPPED)
    assert sum(f.stat().st_size for f in conformance.SHIPPED.iterdir()) < 8e6
    # even and odd kernels in 3D (an odd kernel turns about its centre voxel, an even one about
    # a corner: a layer can be right for one and wrong for the other)
    assert {k for g, kind, k, _ in seen if g == "P432" and kind == "correlation"} >= {2, 3}
    # inputs taller than wide and wider than tall, for every correlation of every square-lattice
    # group and of the cube's groups (a layer right only where H <= W fails some case)
    for group in ("Z2", "P4", "P4M", "PMM", "P4/mmm", "P432", "Pm-3m"):
        for kind in conformance.CORRELATIONS:
            d = 3 if group in ("P4/mmm", "P432", "Pm-3m") else 2
            sides = [c["x"].shape[-d:] for c in CORRELATION_CASES
                     if c.group == group and c.kind == kind and c.k > 1]
            assert any(s[0] > s[1] for s in sides) and any(s[0] < s[1] for s in sides), \
                (group, kind)


def test_line_cases_have_outputs_of_both_parities_and_fail_a_mirror_about_the_middle():
    """From a 1D user's review: every line case had an input of k + 2 samples, so every output
    had odd length, and a layer that mirrors about the middle sample n // 2 (right on odd
    lengths only) passed them all."""
    from groupconv import testing

    cases = [c for c in conformance.cases(["z1m"], ks=(1, 2, 3), kinds=["lifting"])]
    assert {c["y"].shape[-1] % 2 for c in cases} == {0, 1}

    def about_middle(a):                 # L_m about sample n // 2: a[(2 (n // 2) - i) % n]
        n = a.shape[-1]
        return a[..., (2 * (n // 2) - np.arange(n)) % n]

    def factory(case):
        def layer(x):
            plane_e = lifting_correlation(x, case["w"], "z1m", mode=case.padding)[:, :, 0]
            mirrored = lifting_correlation(x[..., ::-1], case["w"], "z1m",
                                           mode=case.padding)[:, :, 0]
            return np.stack([plane_e, about_middle(mirrored)], axis=2)
        return layer

    results = testing.check_cases(factory, cases=cases)
    assert all(r.passed == (r.case["y"].shape[-1] % 2 == 1) for r in results), \
        [(r.case.id, r.passed) for r in results]


def test_the_shipped_vectors_are_exact_and_never_test_the_identity():
    """Integers (or integers over a power of two, for the means) in every exact case; h a
    point sample other than the identity wherever the group has one."""
    for case in SHIPPED:
        group = groupconv.get_group(case.group)
        if case.exact:
            for key, a in case.arrays.items():
                scaled = a * 2 ** 4                     # means over 2, 4, 8 or 16 values
                assert np.array_equal(scaled, np.round(scaled)), (case.id, key)
                assert np.abs(a).max(initial=0) < 2 ** 24, (case.id, key)  # exact in float32
        if group.samples > 1:
            h = int(case["h"])
            assert h != 0 and not np.array_equal(group.point_matrices()[h], np.eye(group.dim))
        else:
            assert "h" not in case.arrays
    assert {c.kind for c in SHIPPED if not c.exact} == {"batchnorm"}


@pytest.mark.parametrize("case", [c for c in CORRELATION_CASES
                                  if groupconv.get_group(c.group).dim == 2][::11]
                         + [c for c in CORRELATION_CASES if c.id == "p432-lifting-k2-p1"],
                         ids=lambda c: c.id)
def test_shipped_cases_are_the_literal_sums(case):
    """Independent of the fast path that wrote them: the literal sums of the dilated filter,
    every stride-th output and the bias give y, and y_h (exactly: integers)."""
    options = dict(padding=case.padding, stride=case.stride, dilation=case.dilation,
                   bias=case["b"] if case.bias else None)
    pairs = [("x", "y")] + ([("x_h", "y_h")] if "h" in case.arrays else [])
    for x, y in ((case[a], case[b]) for a, b in pairs):
        literal = conformance.reference(x, case["w"], case.group, case.kind, method="literal",
                                        **options)
        assert np.array_equal(literal, y), case.id


def test_every_gradient_is_the_exact_vector_jacobian_product():
    """<dy, y(x', w)> = <dx, x'> and <dy, y(x, w')> = <dw, w'> exactly (integers), for every
    shipped correlation case, with x' and w' drawn afresh (the bias term taken out)."""
    rng = np.random.default_rng(7)
    for case in CORRELATION_CASES:
        group = groupconv.get_group(case.group)
        options = dict(padding=case.padding, stride=case.stride, dilation=case.dilation)
        x2 = rng.integers(-3, 4, size=case["x"].shape).astype(float)
        w2 = rng.integers(-3, 4, size=case["w"].shape).astype(float)
        if group.lattice == "hexagonal":
            x2 = x2 * groupconv.groups.hexagon_mask(x2.shape[-1])
            w2 = w2 * groupconv.groups.hexagon_mask(w2.shape[-1])
        dy = case["dy"]
        assert np.sum(dy * conformance.reference(x2, case["w"], group, case.kind, **options)) \
            == np.sum(case["dx"] * x2), case.id
        assert np.sum(dy * conformance.reference(case["x"], w2, group, case.kind, **options)) \
            == np.sum(case["dw"] * w2), case.id
        if case.bias:
            assert np.array_equal(case["db"], dy.sum(axis=(0,) + tuple(range(2, dy.ndim))))


def test_each_conformance_case_is_reproducible_on_its_own():
    """A case's arrays depend on the seed and the case alone, not on the other groups or
    kernel sizes written with it, and every value is an integer computed exactly: the shipped
    cases are what the command writes, bit for bit, on any BLAS."""
    shipped = {c.id: c for c in SHIPPED}
    fresh = list(conformance.cases(["p6", "cm"], ks=(3,))) + \
        list(conformance.cases(["P432"], ks=(2,), kinds=["correlation"])) + \
        list(conformance.cases(["p4m"], ks=(), kinds=conformance.KINDS, variants=["all"]))
    assert len(fresh) == 2 * 3 * 3 + 2 + 3 + 6     # (p4m: 1 "all", 2 + 2 pools, 2 norms)
    for case in fresh:
        assert set(case.arrays) == set(shipped[case.id].arrays), case.id
        for key in case.arrays:
            a, b = case[key], shipped[case.id][key]
            if case.exact:
                assert np.array_equal(a, b), (case.id, key)
            else:        # batch normalisation: a square root, rounded (by another version)
                assert np.abs(a - b).max() <= case.tolerance * np.abs(b).max(), (case.id, key)


def _torch_bank(torch, case):
    """The expanded bank of a case's weights as a differentiable torch gather, from GrouPy's
    index layout (bank_index_map, itself checked against GrouPy's own indices)."""
    from groupconv.fast.banks import bank_index_map

    group = groupconv.get_group(case.group)
    d = group.dim
    w = torch.tensor(case["w"], requires_grad=True)
    idx = bank_index_map(group, case.k, case.kind)            # (S, S_in, *k^d, 1 + d)
    planes = w if w.ndim == 3 + d else w[:, :, None]
    gathered = planes[(slice(None), slice(None)) + tuple(torch.from_numpy(idx[..., a])
                                                          for a in range(1 + d))]
    # (C_out, C_in, S, S_in, *k^d) -> (C_out S, C_in S_in, *k^d)
    s, s_in = idx.shape[0], idx.shape[1]
    bank = gathered.permute(0, 2, 1, 3, *range(4, 4 + d))
    return w, bank.reshape((w.shape[0] * s, w.shape[1] * s_in) + (case.k,) * d)


@pytest.mark.torch
@pytest.mark.parametrize("case", [c for c in CORRELATION_CASES if c.kind != "convolution"
                                  and (c.stride > 1 or c.dilation > 1 or c.bias)],
                         ids=lambda c: c.id)
def test_stride_dilation_and_bias_are_what_torch_computes(case):
    """torch's conv2d / conv3d with stride, dilation and a bias on the expanded bank gives y,
    and its autograd gives dx, dw and db (an implementation independent of groupconv's)."""
    torch = pytest.importorskip("torch")
    group = groupconv.get_group(case.group)
    d = group.dim
    w, bank = _torch_bank(torch, case)
    x = torch.tensor(case["x"], requires_grad=True)
    flat = x.reshape((x.shape[0], -1) + tuple(x.shape[-d:]))
    s = group.samples
    b = torch.tensor(case["b"], requires_grad=True) if case.bias else None
    conv = getattr(torch.nn.functional, f"conv{d}d")
    y = conv(flat, bank, bias=None if b is None else b.repeat_interleave(s),
             stride=case.stride, padding=case.padding, dilation=case.dilation)
    y = y.reshape(case["y"].shape)

    def close(a, expected):     # torch picks its own algorithms: rounding-level, not bits
        return np.abs(a.detach().numpy() - expected).max() <= 1e-12 * np.abs(expected).max()
    assert close(y, case["y"])
    y.backward(torch.from_numpy(case["dy"]))
    assert close(x.grad, case["dx"]) and close(w.grad, case["dw"])
    if b is not None:
        assert close(b.grad, case["db"])


@pytest.mark.torch
@pytest.mark.parametrize("case", [c for c in SHIPPED if c.kind in conformance.LAYERS],
                         ids=lambda c: c.id)
def test_the_layer_cases_are_what_torch_computes(case):
    """Pooling over the point axis, spatial pooling and batch normalisation over G-channels
    (statistics per channel over the batch, the point axis and space; in evaluation mode the
    running ones), forwards and backwards, by torch."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    d = groupconv.get_group(case.group).dim
    x = torch.tensor(case["x"], requires_grad=True)
    reduction = case.options.get("reduction")
    grads = {}
    if case.kind == "subgroup_pool":
        y = x.amax(dim=2) if reduction == "max" else x.mean(dim=2)
    elif case.kind == "spatial_pool":
        merged = x.reshape((-1,) + tuple(x.shape[-d:]))[:, None]
        pool = getattr(F, f"{'max' if reduction == 'max' else 'avg'}_pool{d}d")
        y = pool(merged, case.options["size"], case.options["stride"])
        y = y.reshape(tuple(x.shape[:3]) + tuple(y.shape[-d:]))
    else:
        gamma = torch.tensor(case["gamma"], requires_grad=True)
        beta = torch.tensor(case["beta"], requires_grad=True)
        grads = {"dgamma": gamma, "dbeta": beta}
        training = case.options["training"]   # evaluation mode: the case's running statistics
        running = (None, None) if training else (torch.tensor(case["running_mean"]),
                                                 torch.tensor(case["running_var"]))
        y = F.batch_norm(x, *running, gamma, beta, training=training, eps=case.options["eps"])
    y.backward(torch.from_numpy(case["dy"]))
    def close(a, b):            # torch picks its own algorithms: rounding-level, not bits
        return np.abs(a - b).max() <= max(case.tolerance, 1e-12) * np.abs(b).max()
    assert close(y.detach().numpy(), case["y"]) and close(x.grad.numpy(), case["dx"])
    assert all(close(t.grad.numpy(), case[key]) for key, t in grads.items())


def test_conformance_command_writes_the_schema(tmp_path, capsys):
    assert groupconv.cli.main(["conformance", "--out", str(tmp_path), "--groups", "p4"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["cases"]) == 3 * 15 and manifest["seed"] == 0
    case = manifest["cases"][0]
    assert set(case) >= {"file", "id", "group", "kind", "k", "padding", "stride", "dilation",
                         "bias", "tolerance", "exact", "dtype", "h"}
    with np.load(tmp_path / case["file"], allow_pickle=False) as data:
        assert {"x", "w", "y", "bank", "h", "x_h", "y_h", "dy", "dx", "dw"} <= set(data.files)


def test_write_accepts_any_registered_group():
    """3D groups, the sampled groups (h among their exact samples, not the identity; a
    tolerance for their interpolated values), and refuses what it cannot write."""
    se2 = list(conformance.cases(["se2_8"], ks=(3,), kinds=["lifting", "correlation",
                                                              "convolution"]))
    assert {c.kind for c in se2} == {"lifting", "correlation"}
    assert all(int(c["h"]) in (2, 4, 6) and c.tolerance == conformance.SAMPLED_TOLERANCE
               for c in se2)
    line = list(conformance.cases(["z1"], ks=(2,)))
    assert len(line) == 6 and "h" not in line[0] and "w" in line[0]   # (`in` raised KeyError)
    with pytest.raises(ValueError, match="kinds must be a list of"):
        list(conformance.cases(["p4"], kinds=["pooling"]))
    with pytest.raises(ValueError, match=r"got \['lifting', 'corelation'\]; did you mean "
                                         r"'correlation'"):
        list(conformance.cases(["p4"], kinds=["lifting", "corelation"]))
    with pytest.raises(ValueError, match=r"got the string 'lifting': \['lifting'\]"):
        list(conformance.cases(["p4"], kinds="lifting"))
    with pytest.raises(TypeError, match="kinds must be a list of .* got 5"):
        list(conformance.cases(["p4"], kinds=5))
    with pytest.raises(ValueError, match="stride must be 1 there"):
        conformance.reference(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), "p6", "lifting",
                              stride=2)
    with pytest.raises(ValueError, match="holds no manifest.json"):
        conformance.load("/nonexistent")


@pytest.mark.torch
@pytest.mark.parametrize("layout", interop.LAYOUTS)
def test_the_converters_compute_in_the_array_library_given_and_under_jit(layout):
    """fields and banks stay torch tensors or JAX arrays, and trace under jax.jit, with the
    values of the NumPy conversion; a bool field is refused in any library."""
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    rng = np.random.default_rng(3)
    shape = {"split": (2, 3, 8, 5, 5), "flat_cs": (2, 24, 5, 5), "flat_sc": (2, 24, 5, 5),
             "last_cs": (2, 5, 5, 24), "last_sc": (2, 5, 5, 24)}[layout]
    x = rng.standard_normal(shape).astype(np.float32)
    ours = interop.fields_to_groupconv(x, "escnn", "p4m", layout=layout)
    as_torch = interop.fields_to_groupconv(torch.from_numpy(x), "escnn", "p4m", layout=layout)
    assert isinstance(as_torch, torch.Tensor) and np.array_equal(as_torch.numpy(), ours)

    @jax.jit
    def there_and_back(a):
        return interop.fields_from_groupconv(
            interop.fields_to_groupconv(a, "escnn", "p4m", layout=layout), "escnn", "p4m",
            layout=layout)
    assert np.array_equal(np.asarray(there_and_back(jax.numpy.asarray(x))), x)
    w = rng.standard_normal((3, 2, 8, 3, 3)).astype(np.float32)
    bank = interop.bank_from_weights(w, "escnn", "p4m", "correlation")
    traced = jax.jit(lambda a: interop.bank_from_weights(a, "escnn", "p4m", "correlation"))
    assert np.array_equal(np.asarray(traced(jax.numpy.asarray(w))), bank)   # a gather: exact
    with pytest.raises(TypeError, match="real numbers"):
        interop.fields_to_groupconv(torch.zeros(shape, dtype=torch.bool), "escnn", "p4m",
                                    layout=layout)


def test_an_order_from_another_librarys_matrices_checks_its_layer():
    """(A 3D library author's review: no documented way from one's own rotation matrices to
    σ.) A lifting layer written here from scipy's 24 rotations, acting on (x, y, z) =
    (W, H, D) with scipy's element order, passes check_layer with the order that
    order_of_matrices gives, and fails without it."""
    Rotation = pytest.importorskip("scipy.spatial.transform").Rotation
    import groupconv

    mats = np.round(Rotation.create_group("O").as_matrix()).astype(int)
    frame = [[0, 0, 1], [0, 1, 0], [1, 0, 0]]           # x -> column, y -> row, z -> depth

    def turned(kernel, m):         # k(M^-1 p), p = (x, y, z) about the kernel's centre
        k = kernel.shape[-1]
        c = (k - 1) / 2
        out = np.empty_like(kernel)
        for d, h, w in np.ndindex(k, k, k):
            x, y, z = np.rint(np.linalg.inv(m) @ np.array([w - c, h - c, d - c]) + c
                              ).astype(int)
            out[..., d, h, w] = kernel[..., z, y, x]
        return out

    def scipy_ordered_lifting(x, w):
        x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
        windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[-3:], axis=(2, 3, 4))
        return np.stack([np.einsum("bcdhwijk,ocijk->bodhw", windows, turned(w, m))
                         for m in mats], axis=2)

    sigma = groupconv.interop.order_of_matrices(mats, "P432", frame=frame)
    assert sorted(sigma.tolist()) == list(range(24)) and sigma.tolist() != list(range(24))
    kw = dict(k=2, size=4)
    assert groupconv.check_layer(scipy_ordered_lifting, "P432", "lifting",
                                 convention=sigma, **kw).passed
    assert not groupconv.check_layer(scipy_ordered_lifting, "P432", "lifting", **kw).passed
    unframed = groupconv.interop.order_of_matrices(mats, "P432")      # (x, y, z) read as (D,
    assert not groupconv.check_layer(scipy_ordered_lifting, "P432", "lifting",  # H, W)
                                     convention=unframed, **kw).passed
    with pytest.raises(ValueError, match=r"matrices\[0\], .* is not an element of O"):
        groupconv.interop.order_of_matrices(-mats, "P432", frame=frame)
    with pytest.raises(ValueError, match="frame must be a 3 x 3 signed permutation"):
        groupconv.interop.order_of_matrices(mats, "P432", frame=np.ones((3, 3)))
    # a frame that is not its own transpose: P M P^T, not P^T M P (a review found the symmetric
    # frame above blind to the two)
    cyclic = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    ours = groupconv.get_group("P432").stabiliser.matrices
    theirs = np.einsum("ji,sjk,kl->sil", cyclic, ours, cyclic)          # P^T M P
    assert groupconv.interop.order_of_matrices(theirs, "P432", frame=cyclic).tolist() == \
        list(range(24))
    assert groupconv.interop.order_of_matrices(theirs, "P432", frame=cyclic.T).tolist() != \
        list(range(24))
    assert groupconv.interop.order_of_matrices(            # a frame computed in floats
        theirs, "P432", frame=cyclic + 1e-12).tolist() == list(range(24))
