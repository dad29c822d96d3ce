"""The 13 symmorphic wallpaper groups: by name, their point groups' matrices, the pairs that
look alike but differ (not conjugate in GL(2, Z)), the sympy proofs, hexagonal arrays, the fast
path against the literal sums, exact equivariance for every group and element, and networks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import groupconv
from groupconv import Kind, Space, interop, nn
from groupconv.feature_maps import FeatureMap, L, relative_error
from groupconv.fast.action import transform
from groupconv.groups import (
    P4, P4M, WALLPAPER, Z2, PointGroup, SemidirectProduct, coinvariants, domain_mask, get_group,
    hexagon_mask, symbolic,
)
from groupconv.literal import lifting_correlation as literal_lifting

ORDERS = {"p1": 1, "p2": 2, "pm": 2, "cm": 2, "pmm": 4, "cmm": 4, "p4": 4, "p4m": 8, "p3": 3,
          "p3m1": 6, "p31m": 6, "p6": 6, "p6m": 12}
HEXAGONAL = ("p3", "p3m1", "p31m", "p6", "p6m")
NAMES = list(ORDERS)


def test_thirteen_groups_by_name():
    assert list(WALLPAPER) == NAMES
    assert get_group("p1") is Z2 and get_group("z2") is Z2
    assert get_group("p4") is P4 and get_group("P4M") is P4M
    for name, order in ORDERS.items():
        group = get_group(name)
        assert group.samples == order
        assert group.lattice == ("hexagonal" if name in HEXAGONAL else "square")


@pytest.mark.parametrize("name", NAMES)
def test_point_groups_are_finite_groups_of_integer_matrices(name):
    mats = get_group(name).stabiliser.matrices
    assert mats.shape == (ORDERS[name], 2, 2) and mats.dtype == np.int64
    assert {round(abs(np.linalg.det(m))) for m in mats} == {1}
    found = {m.tobytes() for m in mats}
    assert all((a @ b).tobytes() in found for a, b in itertools.product(mats, mats))


def test_the_hexagonal_rotation_is_sixty_degrees():
    # axial coordinates: (u, v) is u e1 + v e2, e2 = e1 turned by 60 degrees
    basis = np.array([[1.0, 0.5], [0.0, np.sqrt(3) / 2]])          # columns e1, e2
    r6 = get_group("p6").stabiliser.matrices[1]
    turn = basis @ r6 @ np.linalg.inv(basis)
    c, s = np.cos(np.pi / 3), np.sin(np.pi / 3)
    assert np.allclose(turn, [[c, -s], [s, c]], atol=1e-12)
    for name in HEXAGONAL:                                          # orthogonal in the plane
        for h in get_group(name).stabiliser.matrices:
            q = basis @ h @ np.linalg.inv(basis)
            assert np.allclose(q.T @ q, np.eye(2), atol=1e-12)


@pytest.mark.parametrize("pair,invariants", [
    (("pm", "cm"), ((2, 0), (1, 0))),
    (("pmm", "cmm"), ((2, 2), (1, 2))),
    (("p3m1", "p31m"), ((1, 1), (1, 3))),
])
def test_look_alike_pairs_are_not_conjugate_in_gl2z(pair, invariants):
    a, b = (get_group(n).stabiliser for n in pair)
    assert a.order == b.order
    assert (coinvariants(a), coinvariants(b)) == invariants


def test_coinvariants_are_the_same_for_a_conjugate_group():
    # the invariant can only tell groups apart if conjugates agree: P pm P^-1, P in GL(2, Z)
    p = np.array([[2, 1], [1, 1]])
    p_inv = np.array([[1, -1], [-1, 2]])
    assert np.array_equal(p @ p_inv, np.eye(2))
    for name in ("pm", "cm", "cmm", "p31m", "p6m"):
        h = get_group(name).stabiliser
        moved = PointGroup("moved", {k: p @ g @ p_inv
                                     for k, g in zip(h.param_names, h._generators)})
        assert coinvariants(moved) == coinvariants(h)
        assert not np.array_equal(np.sort(moved.matrices.reshape(-1, 4), axis=0),
                                  np.sort(h.matrices.reshape(-1, 4), axis=0))


def test_mirrors_relative_to_the_lattice():
    # pm's mirror fixes a lattice vector (0, 1) and negates (1, 0); cm's fixes a diagonal
    (m_pm,) = [m for m in get_group("pm").stabiliser.matrices if not np.array_equal(m, np.eye(2))]
    (m_cm,) = [m for m in get_group("cm").stabiliser.matrices if not np.array_equal(m, np.eye(2))]
    assert np.array_equal(m_pm @ [0, 1], [0, 1]) and np.array_equal(m_cm @ [1, 1], [1, 1])
    # p31m's mirrors contain the shortest lattice vectors (|x|_hex = 1); p3m1's are across them
    ring = [(1, 0), (0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1)]

    def fixed_shortest(name):
        mats = get_group(name).stabiliser.matrices
        mirrors = [m for m in mats if round(np.linalg.det(m)) == -1]
        return sum(np.array_equal(m @ x, x) for m in mirrors for x in ring)

    assert fixed_shortest("p31m") == 6 and fixed_shortest("p3m1") == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_sympy_proofs_for_every_group(name):
    proofs = symbolic.all_proofs(get_group(name))
    assert len(proofs) >= 5 and all(p.holds for p in proofs)


def test_hexagon_masks():
    assert hexagon_mask(3).sum() == 7 and hexagon_mask(5).sum() == 19
    assert hexagon_mask(1).sum() == 1 and hexagon_mask(9).sum() == 3 * 4 * 5 + 1
    assert not hexagon_mask(3)[0, 0] and not hexagon_mask(3)[2, 2] and hexagon_mask(3)[0, 2]
    with pytest.raises(ValueError, match="size must be an odd int"):
        hexagon_mask(4)
    with pytest.raises(ValueError, match="square in axial coordinates"):
        domain_mask(get_group("p6"), (5, 7))
    assert domain_mask(P4M, (4, 6)) is None


@pytest.mark.parametrize("name", HEXAGONAL)
def test_the_array_action_is_a_group_action_on_the_hexagon(name):
    group = get_group(name)
    x = np.random.default_rng(0).standard_normal((2, group.samples, 7, 7))
    x = x * hexagon_mask(7)
    elements = list(group.point_elements())
    for a, b in itertools.product(elements, elements):
        both = transform(transform(x, b, Space.on_group(group)), a, Space.on_group(group))
        assert np.array_equal(both, transform(x, a * b, Space.on_group(group)))
    # and it is L_g of the exact functions, read on the hexagon
    f = FeatureMap(group, x, origin="centre")
    for h in elements:
        exact = L(h, f).on_box(((-3, -3), (3, 3)))
        assert np.array_equal(transform(x, h, Space.on_group(group)), exact)


@pytest.mark.parametrize("name", HEXAGONAL)
def test_exact_level_equivariance_on_the_hexagonal_lattice(name):
    group = get_group(name)
    rng = np.random.default_rng(1)
    f = FeatureMap(Z2, rng.standard_normal((2, 5, 5)), origin=(1, 3))
    psi = [FeatureMap(Z2, rng.standard_normal((2, 3, 3)), origin="centre")]
    out = literal_lifting(f, psi, group)
    for g in (group.from_parts(s, (2, -1))[()] for s in range(group.samples)):
        assert relative_error(literal_lifting(L(g, f), psi, group), L(g, out)) <= 1e-12


def _layer(group, kind, k, n, rng, dtype=np.float64):
    s = group.samples
    axis = () if kind == "lifting" else (s,)
    x = rng.standard_normal((2, 2) + axis + (n, n)).astype(dtype)
    w = rng.standard_normal((3, 2) + axis + (k, k)).astype(dtype)
    return x, w


OPS = {"lifting": groupconv.lifting_correlation, "correlation": groupconv.group_correlation,
       "convolution": groupconv.group_convolution}


@given(name=st.sampled_from(NAMES), kind=st.sampled_from(list(OPS)),
       k=st.sampled_from([1, 3, 5]), extra=st.sampled_from([0, 2, 4]),
       mode=st.sampled_from(["valid", "same", "full", 1]),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_fast_equals_literal_every_group(name, kind, k, extra, mode, dtype, seed):
    group = get_group(name)
    if mode == 1 and k == 1:
        mode = 0
    x, w = _layer(group, kind, k, k + extra, np.random.default_rng(seed), dtype)
    fast = OPS[kind](x, w, group, mode=mode)
    slow = OPS[kind](x, w, group, mode=mode, method="literal")
    assert fast.dtype == dtype and slow.dtype == dtype
    scale = np.abs(x).max() * np.abs(w).reshape(3, -1).sum(axis=1).max()
    tolerance = 1e-12 if dtype == np.float64 else 1e-5   # float32 rounds at ~1e-7 per sum
    assert np.abs(fast.astype(np.float64) - slow).max() <= tolerance * scale


@pytest.mark.parametrize("name", NAMES)
def test_exact_array_equivariance_every_group_and_element(name):
    group = get_group(name)
    rng = np.random.default_rng(2)
    worst = 0.0
    for kind, mode, k in itertools.product(OPS, ("valid", "same", "full"), (1, 3)):
        x, w = _layer(group, kind, k, 7, rng)
        y = OPS[kind](x, w, group, mode=mode)
        for h in group.point_elements():
            moved = OPS[kind](transform(x, h, Kind.parse(kind).input_space(group)), w, group,
                              mode=mode)
            expected = transform(y, h, Space.on_group(group))
            worst = max(worst, np.abs(moved - expected).max() / np.abs(y).max())
    assert worst <= 1e-12


def test_hexagonal_layers_ignore_the_cells_outside_the_hexagon():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 7, 7))
    w = rng.standard_normal((3, 2, 3, 3))
    y = groupconv.lifting_correlation(x, w, "p6", mode="same")
    outside = ~hexagon_mask(7)
    x2, w2 = x.copy(), w.copy()
    x2[..., outside] = 100.0
    w2[..., ~hexagon_mask(3)] = -50.0
    assert np.array_equal(groupconv.lifting_correlation(x2, w2, "p6", mode="same"), y)
    assert not np.any(y[..., outside])
    with pytest.raises(ValueError, match=r"lifting_correlation: kernels on P6 .* k must be odd; "
                                         r"got weights of shape \(3, 2, 2, 2\)"):
        groupconv.lifting_correlation(x, np.ones((3, 2, 2, 2)), "p6")
    with pytest.raises(ValueError, match="square in axial coordinates"):
        groupconv.lifting_correlation(np.ones((1, 2, 7, 8)), w, "p6")


@pytest.mark.parametrize("name", ["p6", "p3m1"])
def test_batch_norm_on_the_hexagonal_lattice_is_zero_outside_the_hexagon(name):
    """(Found by a review: batch normalisation wrote beta - mean gamma / sigma on the cells
    outside the hexagon, so the identity's transform changed its output.) Bound to a space on
    the hexagonal lattice, it returns zero there, in training and evaluation, and its output
    commutes with every point transformation exactly."""
    group = get_group(name)
    net = nn.Sequential([nn.LiftingConv(group, 1, 2, 3, mode="same", dtype=np.float64, rng=0),
                         nn.BatchNorm(2, dtype=np.float64)])
    x = np.random.default_rng(0).standard_normal((2, 1, 9, 9))
    space = Space.on_group(group)
    for training in (True, False):
        y, cache = net.forward(x, training)
        assert not np.any(y[..., ~hexagon_mask(9)])
        for h in group.point_elements():
            moved, _ = net.forward(transform(x, h), training)
            turned = transform(y, h, space)
            assert np.abs(moved - turned).max() <= 1e-12 * np.abs(y).max()   # rounding only
        dx, _ = net.backward(cache, np.ones(y.shape))
        assert dx.shape == x.shape
    errors = nn.check_gradients(net.layers[1], net.layers[0](x), training=True)
    assert max(errors.values()) < 1e-6, errors


def test_hexagonal_gradients_match_finite_differences():
    group = get_group("p6m")
    net = nn.Sequential([nn.LiftingConv(group, 1, 2, 3, mode="same", dtype=np.float64, rng=0),
                         nn.ReLU(), nn.GroupConv(group, 2, 2, 3, dtype=np.float64, rng=1),
                         nn.SubgroupPool("max"), nn.GlobalPool("mean")])
    x = np.random.default_rng(4).standard_normal((2, 1, 5, 5))
    assert max(nn.check_gradients(net, x, max_entries=12, seed=0).values()) < 1e-6


@pytest.mark.parametrize("builder,group", [(nn.p6cnn, "p6"), (nn.p6mcnn, "p6m")])
def test_hexagonal_networks_are_exactly_invariant(builder, group):
    net = builder(width=3, input_size=9, rng=0, dtype=np.float64)
    x = np.random.default_rng(5).standard_normal((3, 1, 9, 9)) * hexagon_mask(9)
    y = net(x)
    assert y.shape == (3, 10)
    for h in get_group(group).point_elements():
        assert np.abs(net(transform(x, h)) - y).max() <= 1e-12 * np.abs(y).max()
    labels = np.array([0, 1, 2])
    nn.fit(net, x, labels, epochs=1, batch_size=3, progress=False)
    turned = transform(x, get_group(group).point_elements()[1])
    assert np.abs(net(turned) - net(x)).max() <= 1e-12 * np.abs(net(x)).max()


def test_user_groups_that_fit_no_array_layout_are_refused_at_the_array_level():
    odd = SemidirectProduct(PointGroup("shear-mirror", {"m": [[1, 2], [0, -1]]}), name="odd")
    assert odd.lattice is None
    with pytest.raises(ValueError, match="maps no array layout onto itself"):
        groupconv.lifting_correlation(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), odd)


@pytest.mark.parametrize("name", ["p6", "p3m1", "cmm", "p2"])
def test_check_layer_diagnoses_conventions_on_other_groups(name):
    group = get_group(name)
    assert groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(x, w, group),
                                 group, "lifting").diagnosis is None
    order = group.samples
    n = group.stabiliser.generator_orders[-1]
    if "r" in group.stabiliser.param_names and n > 2:   # turning the other way: r^s -> r^-s
        turned = [(s // n) * n + (-(s % n)) % n for s in range(order)]
        report = groupconv.check_layer(
            lambda x, w: groupconv.lifting_correlation(x, w, group)[:, :, turned], group,
            "lifting")
        assert report.diagnosis is not None and "clockwise" in report.diagnosis
    wrong = groupconv.check_layer(
        lambda x, w: groupconv.lifting_correlation(x, w[..., ::-1, ::-1], group), group,
        "lifting")
    assert "convolves where it should correlate" in wrong.diagnosis


def _one_hot(n, u, v, s=None):
    x = np.zeros((1, 1) + ((s,) if s else ()) + (n, n))
    x[..., u + n // 2, v + n // 2] = 1.0
    return x


@pytest.mark.parametrize("name,element,start,end", [
    ("p6", dict(r=1), (1, 0), (0, 1)),          # e1 -> e2: 60 degrees counter-clockwise
    ("p6", dict(r=2), (1, 0), (-1, 1)),         # e1 -> e2 - e1
    ("p6", dict(r=3), (2, -1), (-2, 1)),        # the half turn: x -> -x
    ("p3m1", dict(m=1, r=0), (1, 0), (0, 1)),   # S swaps e1 and e2
    ("p31m", dict(m=1, r=0), (1, 0), (1, 0)),   # M31 fixes e1 ...
    ("p31m", dict(m=1, r=0), (0, 1), (1, -1)),  # ... and sends e2 to e1 - e2
    ("cm", dict(m=1), (2, 1), (1, 2)),          # the diagonal mirror
    ("pm", dict(m=1), (2, 1), (-2, 1)),         # M negates u
])
def test_the_array_action_moves_a_cell_where_the_matrix_says(name, element, start, end):
    """Expected positions written by hand from the generators (not from the library's L)."""
    group = get_group(name)
    h = group.element(**element, u=0, v=0)
    moved = transform(_one_hot(7, *start), h)
    assert np.array_equal(moved, _one_hot(7, *end))


def test_nan_and_inf_outside_the_hexagon_stay_outside():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 2, 7, 7))
    w = rng.standard_normal((3, 2, 3, 3))
    x2, w2 = x.copy(), w.copy()
    x2[..., ~hexagon_mask(7)] = np.nan
    w2[..., ~hexagon_mask(3)] = np.inf
    for method in ("fast", "literal"):
        y = groupconv.lifting_correlation(x, w, "p6", mode="same", method=method)
        assert np.array_equal(groupconv.lifting_correlation(x2, w2, "p6", mode="same",
                                                            method=method), y)
    assert np.array_equal(transform(x2, get_group("p6").element(r=1)),
                          transform(x, get_group("p6").element(r=1)))


def test_check_layer_compares_hexagonal_layers_on_the_hexagon():
    def leaves_the_corners(x, w):   # right on the hexagon, something else outside it
        y = groupconv.lifting_correlation(x, w, "p6")
        return y + 5.0 * ~hexagon_mask(y.shape[-1])

    assert groupconv.check_layer(leaves_the_corners, "p6", "lifting").diagnosis is None


def test_check_layer_draws_values_outside_the_hexagon_too():
    """(A hexagonal review: every draw was zero outside the hexagon, so a layer that reads the
    cells there, which groupconv's layers ignore, agreed with groupconv.)"""
    from numpy.lib.stride_tricks import sliding_window_view

    def unmasked_input(x, w):      # groupconv's kernels, on x as it is, corners and all
        bank = interop.bank_from_weights(w, "groupconv", "p6", "lifting")
        padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
        y = np.einsum("bchwij,ocij->bohw", sliding_window_view(padded, (3, 3), axis=(-2, -1)),
                      bank)
        return y.reshape(x.shape[0], -1, 6, *y.shape[-2:])
    report = groupconv.check_layer(unmasked_input, "p6", "lifting", mode="same")
    assert not report.passed
    assert report.diagnosis.startswith("agrees where x and the kernels are zero outside their "
                                       "hexagons, but not with values in the cells outside "
                                       "them"), report.diagnosis
    right = groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(
        x, w, "p6", mode="same"), "p6", "lifting", mode="same")
    assert right.passed, right


@pytest.mark.parametrize("kind", ["max", "mean"])
def test_global_pooling_and_batch_norm_read_the_hexagon_alone(kind):
    """(The review: GlobalPool took its max and mean over every cell of the square array, and
    a BatchNorm first in a network, bound to no space, counted the values outside the
    hexagon in its statistics.) Both read the hexagon's cells alone, and their gradients are
    zero outside it."""
    rng = np.random.default_rng(4)
    space = Space.on_group(get_group("p6"))
    inside = hexagon_mask(7)
    y = np.where(inside, -1.0 - rng.random((2, 3, 6, 7, 7)), 0.0)
    pool = nn.GlobalPool(kind, space=space)
    expected = y[..., inside].max(axis=-1) if kind == "max" else y[..., inside].mean(axis=-1)
    for outside in (0.0, 1e6):
        got, cache = pool.forward(np.where(inside, y, outside))
        assert np.allclose(got, expected, rtol=1e-14, atol=0)
    dx, _ = pool.backward(cache, np.ones_like(got))
    assert not np.any(dx[..., ~inside]) and np.isclose(dx.sum(), got.size)
    net = nn.Sequential([nn.BatchNorm(1, dtype=np.float64),
                         nn.LiftingConv("p6", 1, 2, 3, rng=0, dtype=np.float64)])
    assert net.layers[0].input_space == Space.on_plane(get_group("p6"))   # bound backward
    x = np.where(hexagon_mask(9), rng.standard_normal((4, 1, 9, 9)), 0.0)
    far = np.where(hexagon_mask(9), x, 100.0 + 50.0 * rng.standard_normal(x.shape))
    (a, cache), (b, _) = net.forward(x, training=True), net.forward(far, training=True)
    assert np.array_equal(a, b)
    dx, _ = net.backward(cache, np.ones_like(a))
    assert not np.any(dx[..., ~hexagon_mask(9)])


def test_square_pooling_and_even_sides_are_refused_on_the_hexagonal_lattice():
    """(The review: SpatialPool(..., exact=True) pooled hexagonal maps into square ones, not
    equivariant, and check_equivariance ran size=8 as 9 without a word.)"""
    with pytest.raises(ValueError, match=r"SpatialPool\(size=2, .* pools square windows, and "
                                         r"P6's arrays are hexagons"):
        nn.Sequential([nn.LiftingConv("p6", 1, 2, 3, mode="same"), nn.SpatialPool(2)])
    with pytest.raises(ValueError, match=r"size: arrays on the hexagonal lattice \(P6\) are "
                                         r"square of odd side .* got 8"):
        groupconv.check_equivariance(nn.LiftingConv("p6", 1, 2, 3), size=8)


def test_the_square_lattice_builder_refuses_hexagonal_groups():
    with pytest.raises(ValueError, match="hexagonal_gcnn"):
        nn.gcnn("p6", 4)
    with pytest.raises(ValueError, match="use gcnn for the square lattice"):
        nn.hexagonal_gcnn("p4", 2)
    with pytest.raises(ValueError, match="input_size must be odd"):
        nn.p6cnn(width=2, input_size=8)


def test_conversion_from_and_to_square_pixels():
    from groupconv.hexagonal import cell_centres, from_image, to_image

    flat = from_image(np.full((41, 41), 0.5), 9)           # bilinear: a constant stays constant
    assert np.allclose(flat[hexagon_mask(9)], 0.5) and not flat[~hexagon_mask(9)].any()
    ramp = from_image(np.tile(np.arange(41.0), (41, 1)), 9, spacing=4.0)   # x = column - 20
    assert np.allclose(ramp[hexagon_mask(9)], 20 + cell_centres(9, 4.0)[hexagon_mask(9)][:, 0])
    cells = np.arange(81.0).reshape(9, 9)
    back = from_image(to_image(cells, 161, spacing=16.0, fill=0.0), 9, spacing=16.0)
    assert np.array_equal(back[hexagon_mask(9)], cells[hexagon_mask(9)])   # centres read back
    with pytest.raises(ValueError, match="size must be an odd int"):
        from_image(np.zeros((8, 8)), 4)


def test_a_hexagonal_bias_lives_on_the_hexagon():
    """The bias is added inside the hexagon only, in the layers and in the conformance
    reference, and its gradient sums dy there: a correct layer with a bias passes its cases."""
    from groupconv import conformance, testing

    layer = nn.LiftingConv("p6", 1, 2, 3, mode="same", rng=0, dtype=np.float64)
    layer.params["bias"][:] = [5.0, -3.0]
    y, cache = layer.forward(np.ones((2, 1, 7, 7)))
    assert not np.any(y[..., ~hexagon_mask(7)]) and np.all(y[:, 0][..., hexagon_mask(7)] != 0)
    dy = np.ones(y.shape)
    _, grads = layer.backward(cache, dy)
    assert np.array_equal(grads["bias"], np.full(2, 2 * 6 * hexagon_mask(7).sum()))
    cases = [c for c in conformance.cases(["p6", "p6m"], variants=("bias",)) if c.bias]
    assert cases
    for case in cases:
        assert not np.any(case["y"][..., ~hexagon_mask(case["y"].shape[-1])])

        def reference(x, case=case):
            return conformance.reference(x, case["w"], case.group, case.kind,
                                         padding=case.padding, bias=case["b"])
        assert testing.check_case(reference, case).passed, case.id
