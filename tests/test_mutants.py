"""Checks that a mutation test found missing: each fails on one planted mistake that the rest
of the suite and ``groupconv verify`` let through (the mistake named in each docstring)."""

import pathlib
import runpy
import sys
import tempfile

import numpy as np
import pytest

import groupconv
from groupconv import P4M, PointGroup, ScaleTranslation, get_group, nn
from groupconv.fast.banks import bank_for
from groupconv.nn.gradcheck import check_gradients


def test_the_scale_group_with_three_scales_of_extent_agrees_with_its_literal_sum():
    """(A wiring t - i accepted only below m - 1 when m > 2.) Every other comparison used a
    scale extent of 2."""
    group = ScaleTranslation(2.0, n_scales=3, scale_extent=3)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 1, 3, 8, 8)), rng.standard_normal((1, 1, 3, 3, 3))
    fast = groupconv.group_correlation(x, w, group, mode="same")
    literal = groupconv.group_correlation(x, w, group, mode="same", method="literal")
    assert np.abs(fast - literal).max() <= 1e-12 * np.abs(literal).max()
    wiring = bank_for(ScaleTranslation(2.0, n_scales=3, scale_extent=2),
                      "correlation").wiring()     # (j <= J accepted: an entry for scale 2)
    assert wiring.tolist() == [[0, 1, -1], [-1, 0, 1], [-1, -1, 0]]


def test_batch_norm_gradients_in_evaluation_mode_with_running_statistics():
    """(x-hat without the running mean in the backward pass.) Frozen statistics, as when
    fine-tuning, with a running mean and variance far from 0 and 1; and training mode with a
    batch of 6 (a dbeta zeroed from batch 5 on)."""
    bn = nn.BatchNorm(2, dtype=np.float64)
    bn.running_mean = np.array([3.0, -1.5])
    bn.running_var = np.array([0.5, 4.0])
    bn.params["gamma"][:] = [1.5, -0.7]
    bn.params["beta"][:] = [0.2, 0.3]
    x = np.random.default_rng(1).standard_normal((6, 2, 4, 3, 3))
    for training in (False, True):
        errors = check_gradients(bn, x, training=training)
        assert max(errors.values()) < 1e-6, (training, errors)


def test_sgd_weight_decay_pulls_weights_towards_zero():
    """(The decay's sign flipped.)"""
    p = {"w": np.ones(1)}
    nn.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.5).step({"w": np.zeros(1)})
    assert p["w"].tolist() == [pytest.approx(0.95)]


def test_adam_steps_every_parameter_as_the_first():
    """(The step count advanced once per parameter.) On the first step every parameter moves
    by lr against its gradient's sign, whatever its gradient's size."""
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    nn.Adam(params, lr=0.1).step({"a": np.array([1.0, -2.0]), "b": np.array([0.5, 3.0, -1.0])})
    assert np.allclose(params["a"], [-0.1, 0.1]) and np.allclose(params["b"], [-0.1, -0.1, 0.1])


def test_he_initialisation_counts_the_input_point_axis():
    """(The fan-in without S_in.) Weights of a p4m group layer: variance 2 / (C_in S_in k^2)."""
    layer = nn.GroupConv("p4m", 16, 16, 3, rng=0, dtype=np.float64)
    expected = 2 / (16 * 8 * 9)
    assert abs(layer.params["weight"].var() / expected - 1) < 0.1


def test_a_saved_layer_keeps_its_workspace_bound(tmp_path):
    """(max_workspace left out of the architecture.)"""
    net = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, max_workspace=12345, rng=0)])
    nn.save(net, tmp_path / "net.npz")
    assert nn.load(tmp_path / "net.npz").layers[0].max_workspace == 12345


def test_point_indices_and_coordinates_at_the_edges_of_their_range():
    """(Index S accepted by from_parts, wrapping to the identity; 2^40 + 1 accepted.)"""
    with pytest.raises(ValueError, match="point ind"):
        P4M.from_parts(8, [0, 0])
    assert P4M.from_parts(7, [0, 0])[()].params[:2] == (1, 3)
    assert P4M.array(u=[2**40]).shape == (1,)
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        P4M.array(u=[2**40 + 1])
    # from a review: -2^63, whose np.abs wraps to itself in int64, passed and wrapped around
    lowest = np.iinfo(np.int64).min
    for call in (lambda: get_group("z1m").element(m=1).act([lowest]),
                 lambda: get_group("p432").element(r=2).act([0, lowest, 0]),
                 lambda: get_group("z1m").array(m=[0], u=np.array([lowest])),
                 lambda: get_group("p432").from_parts([1], np.array([[lowest, 0, 0]]))):
        with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40.*-9223372036854775808"):
            call()
    with pytest.raises(ValueError, match="beyond 2\\^20"):
        PointGroup("wrapped", {"a": np.array([[lowest]])})


# ---------------------------------------------------------------------------------------------
# A second round of mutants (interop, hexagonal arrays, sampled groups, transforms, the
# checkers, pooling, modes): each test below fails on one mutant that survived the suite.

def _brute_nearest(values, pixels):
    """Each pixel's nearest cell of a 9 x 9 hexagonal array, by distance to every centre."""
    from groupconv.groups import hexagon_mask
    from groupconv.hexagonal import cell_centres
    n = values.shape[-1]
    spacing = max((pixels - 1) / 2 / (n // 2), 0.5)
    centres = cell_centres(n, spacing)[hexagon_mask(n)]
    rows, cols = np.meshgrid(np.arange(pixels), np.arange(pixels), indexing="ij")
    xy = np.stack([cols - (pixels - 1) / 2, (pixels - 1) / 2 - rows], axis=-1).reshape(-1, 1, 2)
    return np.linalg.norm(xy - centres[None], axis=-1), values[hexagon_mask(n)]


def test_to_image_draws_each_pixel_from_its_nearest_cell():
    from groupconv.hexagonal import to_image
    values = np.arange(81.0).reshape(9, 9)
    image = to_image(values, 41).reshape(-1)
    distances, cells = _brute_nearest(values, 41)
    inside = ~np.isnan(image)
    chosen = distances[inside][np.arange(inside.sum()),
                               np.searchsorted(cells, image[inside])]
    assert np.all(chosen <= distances[inside].min(axis=1) + 1e-9)   # ties: either cell
    assert len(np.unique(to_image(values, 21)[~np.isnan(to_image(values, 21))])) == 61


def test_from_image_fits_the_hexagon_in_the_short_side():
    from groupconv.groups import hexagon_mask
    from groupconv.hexagonal import from_image
    assert from_image(np.ones((21, 41)), 9)[hexagon_mask(9)].min() == 1.0
    with pytest.raises(ValueError, match="at least 2 x 2 pixels"):
        from_image(np.ones((1, 5)), 3, spacing=1.0)
    with pytest.raises(ValueError):
        from_image(np.ones((4, 4)), 2001)                     # 64 million values


def test_a_scaled_transform_leaves_scales_from_outside_empty():
    from groupconv.fast import transform
    from groupconv.groups import Space, get_group
    scale = get_group("scale")
    x = np.zeros((1, 3, 9, 9))
    x[0, 2, 4, 4] = 7.0
    turned = transform(x, scale.element(i=1, u=0.0, v=0.0), Space.on_group(scale),
                       interpolate=True)
    assert np.abs(turned[0, 0]).max() == 0.0                  # its source is beyond the axis


def test_a_transform_refuses_an_element_of_another_point_group():
    from groupconv.fast import transform
    from groupconv.groups import Space, get_group
    half_turn = get_group("p2").stabiliser.elements()[1]
    with pytest.raises(ValueError, match="stabiliser"):
        transform(np.ones((1, 5, 5)), half_turn, Space.on_plane(get_group("p4")))


def test_shift_axis_without_period_lets_zeros_in():
    from groupconv.checks.equivariance import shift_axis
    assert shift_axis(np.ones((3, 1, 1)), -0.5, periodic=False).ravel().tolist() == \
        [1.0, 1.0, 0.5]


def test_spatial_pool_refuses_an_input_smaller_than_its_window():
    pool = nn.Sequential([nn.LiftingConv("p4", 1, 1, 1), nn.SpatialPool(3)])
    with pytest.raises(ValueError, match="3x3"):
        pool(np.ones((1, 1, 2, 2)))


def test_check_equivariance_sees_a_map_that_depends_on_the_side_parity():
    """The default input has a square of each parity: a map right on one of them is wrong."""
    from groupconv import check_equivariance
    report = check_equivariance(lambda a: a if a.shape[-1] % 2 == 0 else a[..., ::-1].copy(),
                                "p4", input_space="plane", output_space="plane",
                                translations=False)
    assert report.max_error > 1.0


def test_check_equivariance_shifts_within_a_border_two_pixels_wide():
    """A map that zeroes the outer ring of pixels is translation-equivariant on inputs with a
    zero border two pixels wide, as the default input has."""
    from groupconv import check_equivariance

    def inner(a):
        out = np.zeros_like(a)
        out[..., 1:-1, 1:-1] = a[..., 1:-1, 1:-1]
        return out

    report = check_equivariance(inner, "p4", input_space="plane", output_space="plane")
    assert report.errors["translation by 1"] == 0.0


def test_check_equivariance_compares_invariant_outputs_in_a_wide_border():
    from groupconv import check_equivariance
    report = check_equivariance(lambda a: a.sum((-2, -1)) + 1e-10 * a[..., 0, 0], "p4",
                                input_space="plane", output_space="invariant")
    assert report.errors["translation by 1"] < 1e-13


def test_check_equivariance_measures_a_scale_layer_finitely():
    from groupconv import check_equivariance
    report = check_equivariance(nn.GroupConv("scale", 1, 2, 3, mode="same", dtype="float64"),
                                size=21)
    assert report.measured and all(np.isfinite(e) for e in report.measured.values())


def test_check_layer_takes_a_tolerance_of_zero():
    report = groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(x, w, "p4"), "p4",
                                   "lifting", tolerance=0)
    assert report.passed


def test_interop_tolerances_and_conventions():
    from groupconv import interop
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 4, 3, 3))
    bank = interop.bank_from_weights(w, "groupy", "p4", "correlation")
    assert np.array_equal(interop.weights_from_bank(bank, "groupy", "p4", "correlation",
                                                    tolerance=0), w)
    off = bank.copy()
    off[0, 0, 1, 1] *= 1 + 5e-5                                # beyond the default 1e-5
    with pytest.raises(ValueError, match="tolerance 1e-05"):
        interop.weights_from_bank(off, "groupy", "p4", "correlation")
    with pytest.raises(ValueError, match="convention must be one of"):
        interop.element_order(0, "z2")


def test_the_size_limits_of_grids_and_masks():
    from groupconv.fast.interpolation import kernel_operators
    from groupconv.groups import domain_mask, get_group, hexagon_mask
    from groupconv.modes import check_size
    with pytest.raises(ValueError, match="1025"):
        ScaleTranslation(2.0, n_scales=10, scale_extent=1)
    with pytest.raises(ValueError, match="GiB"):
        kernel_operators(groupconv.SE2(4), 80)
    with pytest.raises(ValueError):
        hexagon_mask(2**14 + 1)
    with pytest.raises(ValueError, match="positive"):
        domain_mask(get_group("p4"), (0, 5))
    with pytest.raises(ValueError, match="3x3"):
        check_size((2, 2), 5, 1)


def test_transformed_images_are_bilinear_values_read_one_by_one():
    """transform_image (the tables every interpolated L_h of the sampled groups reads) against
    the literal bilinear value at A^-1 (i - c) + c, pixel by pixel: nearest-neighbour tables
    passed verify, whose measured claim compares two uses of the same tables."""
    from groupconv.fast.interpolation import rotation_matrix, transform_image
    from groupconv.literal.sampled import bilinear_value
    x = np.random.default_rng(0).standard_normal((7, 9))
    centre = np.array([3.0, 4.0])
    for matrix in (rotation_matrix(0.3), 1.7 * np.eye(2), rotation_matrix(2.0)):
        inverse = np.linalg.inv(matrix)
        expected = [[bilinear_value(x, inverse @ (np.array([i, j]) - centre) + centre)
                     for j in range(9)] for i in range(7)]
        # float64 rounding of four products and of the inverse matrix
        assert np.allclose(transform_image(x, matrix), expected, rtol=0, atol=1e-12)


def test_check_equivariance_shifts_only_an_input_whose_last_slices_are_zero():
    """A one-pixel shift would wrap the last row round: with a value there, no translation is
    compared (a comparison across wrapped values reported 0.83 for an equivariant layer)."""
    from groupconv import check_equivariance
    layer = nn.LiftingConv("p4", 1, 2, 3, mode="same", rng=0, dtype=np.float64)
    x = np.zeros((1, 1, 9, 9))
    x[0, 0, 2:7, 2:7] = np.random.default_rng(0).standard_normal((5, 5))
    assert check_equivariance(layer, x=x).errors["translation by 1"] == 0.0
    x[0, 0, -1, 3] = 1.0
    assert "translation by 1" not in check_equivariance(layer, x=x).errors


def test_check_equivariance_measures_a_sampled_layer_with_a_tiny_output():
    """An output of 2 x 2: the default measuring radius (n - 1) / 2 - 1 was negative there, and
    the disk refused it before falling back to every pixel (a ValueError, from a review)."""
    layer = nn.LiftingConv("se2_8", 1, 1, 3, mode="valid", dtype=np.float64, rng=0)
    report = groupconv.check_equivariance(layer, size=4, translations=False)     # output 2 x 2
    assert report.measured and all(np.isfinite(list(report.measured.values())))


# ------------------------------------------------------------------ the fourth round
# Mutants of the fourth review (the library's checks against 33 planted bugs) that neither
# verify nor the suite caught; verify's claims now catch them too (interpolated_transform on
# the scale group's point axis, finite_difference_gradient on an input of unequal sides).

def test_the_scales_l_h_empties_the_samples_that_fall_off_the_point_axis():
    """(L_h f)(t) = f(t - s) where 0 <= t - s < n, and 0 elsewhere: returning the gathered
    samples before zeroing the missing ones read sample 0 there instead."""
    scale = get_group("scale")
    f = np.array([[[1.0, 2.0, 3.0]]])
    for i, expected in ((0, [1, 2, 3]), (1, [0, 1, 2]), (2, [0, 0, 1])):
        moved = groupconv.transform(f, scale.element(i=i, u=0, v=0),
                                    groupconv.Space.on_points(scale), interpolate=True)
        assert moved.tolist() == [[expected]], (i, moved)


@pytest.mark.parametrize("kind", ["mean", "max"])
def test_global_pools_backward_counts_every_side(kind):
    """A mean over space divided by the last side to the power d: right on square inputs only
    (a reshape error, or a silently wrong gradient, on 4 x 5 x 7)."""
    pool = nn.GlobalPool(kind).bind(groupconv.Space.on_group(get_group("p432")))
    x = np.random.default_rng(0).standard_normal((2, 3, 24, 4, 5, 7))
    assert max(check_gradients(pool, x).values()) < 1e-6


# ------------------------------------------------------------------ the third round
#: Reproducers from the third mutation review (conformance, feature maps, check_layer's NaN
#: diagnosis and check_equivariance's measuring radius): each script prints PASS on the library
#: and FAIL on the mutant named by its prefix (both checked when it was written, by applying
#: the mutant to a copy of the package).
REPRODUCERS = sorted((pathlib.Path(__file__).parent / "reproducers").glob("*.py"))


@pytest.mark.parametrize("script", REPRODUCERS, ids=lambda p: p.stem)
def test_a_reviewed_reproducer_passes(script, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))     # the scripts' mkdtemp()s
    for name, module in list(sys.modules.items()):   # the library's constants, put back after
        if name.startswith("groupconv"):
            for attribute in [a for a in vars(module) if a.isupper()]:
                monkeypatch.setattr(module, attribute, getattr(module, attribute))
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "PASS"
