"""The scale-translation group: laws, fast == literal, the truncated scale axis, the exact
statement for integer dilations, the measured error of bilinear scaling, gradients."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupconv import ScaleTranslation, group_correlation, lifting_correlation, nn, transform
from groupconv.checks import equivariance as eq
from groupconv.checks.claims import scale_dilation
from groupconv.fast.banks import bank_for
from groupconv.images import grace_hopper


@given(i=st.lists(st.integers(-3, 3), min_size=3, max_size=3),
       t=st.lists(st.floats(-4, 4, allow_nan=False, allow_subnormal=False), min_size=6,
                  max_size=6))
def test_group_laws(i, t):
    group = ScaleTranslation(2.0)
    a, b, c = (group.element(i=i[n], u=t[2 * n], v=t[2 * n + 1]) for n in range(3))
    assert ((a * b) * c).i == (a * (b * c)).i == i[0] + i[1] + i[2]
    # translations are floats: equal to float64 rounding (scales up to 2^6)
    assert np.allclose((a * b).matrix(), a.matrix() @ b.matrix(), rtol=0, atol=1e-12)
    assert np.allclose(((a * b) * c).matrix(), (a * (b * c)).matrix(), rtol=0, atol=1e-10)
    assert np.allclose((a * a.inverse()).matrix(), np.eye(3), rtol=0, atol=1e-12)
    assert np.allclose(a.act([1.0, 2.0]), 2.0 ** i[0] * np.array([1.0, 2.0]) + t[:2])


@pytest.mark.parametrize("base", [2.0, 2**0.5])
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("k", [3, 5])
def test_fast_equals_literal(base, n, k):
    """Every sampling and kernel size (each expands the kernel on its own grid: a grid cut one
    pixel short at a non-integer scale is wrong for one combination alone)."""
    rng = np.random.default_rng(100 * n + 10 * k + int(base == 2.0))
    m = min(2, n)
    group = ScaleTranslation(base, n_scales=n, scale_extent=m)
    x, w = rng.standard_normal((1, 2, 9, 8)), rng.standard_normal((2, 2, k, k))
    fast = lifting_correlation(x, w, group, mode="same")
    literal = lifting_correlation(x, w, group, mode="same", method="literal")
    assert np.abs(fast - literal).max() <= 1e-12 * np.abs(w).sum() * np.abs(x).max() * 2
    xg, wg = rng.standard_normal((1, 2, n, 8, 8)), rng.standard_normal((2, 2, m, 3, 3))
    fast = group_correlation(xg, wg, group, mode="same")
    literal = group_correlation(xg, wg, group, mode="same", method="literal")
    # float64 rounding of sums of at most 2 * 2 * K^2 bilinear terms
    assert np.abs(fast - literal).max() <= 1e-12 * np.abs(wg).sum() * np.abs(xg).max() * 4


@pytest.mark.parametrize("n, m", [(3, 2), (4, 1), (4, 3), (2, 2)])
def test_relative_is_the_scale_of_h_s_inverse_h_t(n, m):
    """relative(s, t), the point sample of h_s^-1 h_t, read from the group law (composing
    elements), not from the formula t - s: -1 where it is no sample of the n scales (whatever
    the filters' extent m; bounding it by m passed the other tests)."""
    group = ScaleTranslation(2.0, n_scales=n, scale_extent=m)
    for s in range(n):
        for t in range(n):
            g = group.element(i=s).inverse() * group.element(i=t)
            try:
                expected = int(group.point_index(g))
            except ValueError:        # a scale beyond the samples
                expected = -1
            assert int(group.relative(s, t)) == expected, (s, t)


def test_the_scale_axis_is_truncated_not_periodic():
    """At the largest scale the group correlation reads only the scales that exist: making the
    input at the smallest scale anything changes nothing there (no wrap-around)."""
    rng = np.random.default_rng(0)
    group = ScaleTranslation(2.0, n_scales=3, scale_extent=2)
    x, w = rng.standard_normal((1, 1, 3, 8, 8)), rng.standard_normal((1, 1, 2, 3, 3))
    y = group_correlation(x, w, group, mode="same")
    x2 = x.copy()
    x2[:, :, 0] = rng.standard_normal((8, 8))
    assert np.array_equal(group_correlation(x2, w, group, mode="same")[:, :, 2], y[:, :, 2])
    assert not np.allclose(group_correlation(x2, w, group, mode="same")[:, :, 0], y[:, :, 0])


def test_integer_dilations_are_exact_on_the_sublattice():
    """Base 2: dilating the input by zero insertion, D f(2y) = f(y) (0 elsewhere), moves every
    response one scale up on the even sublattice: since k_2s(2y) = k~(y / s) / (4 s^2),
    (D f * k_{s_{i+1}})(2x) = (f * k_{s_i})(x) / 4 exactly, float rounding only."""
    rng = np.random.default_rng(1)
    f, w = rng.standard_normal((1, 1, 9, 9)), rng.standard_normal((2, 1, 3, 3))
    dilated = np.zeros((1, 1, 17, 17))
    dilated[..., ::2, ::2] = f
    group = ScaleTranslation(2.0, n_scales=3)
    y = lifting_correlation(f, w, group, mode="same")
    yd = lifting_correlation(dilated, w, group, mode="same")
    for i in range(2):
        assert np.abs(yd[:, :, i + 1, ::2, ::2] - y[:, :, i] / 4).max() <= 1e-12 * np.abs(y).max()
    # the claim groupconv verify runs says the same, and a base 3 group too
    assert scale_dilation(group, f, w) <= 1e-12
    assert scale_dilation(ScaleTranslation(3.0, n_scales=2, scale_extent=1), f, w) <= 1e-12


def test_bilinear_scaling_error_measured():
    """Rescaling the photo (64 px) with bilinear interpolation by base^1 = sqrt 2, base^2 = 2 or
    base^-2 = 1/2: the middle of 5 scales matches the rescaled output up to the measured 0.0576,
    0.0161 and 0.0164 (relative L2 in a disk of radius 16 px). Identity: exact. (Before the bank
    was made to hold the whole support of the largest kernel, shrinking by 1/2 measured 0.80:
    the test pins the figures loosely, to catch such a change.)"""
    b = 2**0.5
    errors = eq.scale_curve(eq.scale_lifting(5, b), grace_hopper(64), [1, b, 2, 0.5], 16, b)
    assert errors[0] == 0
    assert errors[1] == pytest.approx(0.0576, abs=2e-3)
    assert errors[2] == pytest.approx(0.0161, abs=2e-3)
    assert errors[3] == pytest.approx(0.0164, abs=2e-3)


@pytest.mark.parametrize("base", [2.0, 1.4])
def test_layer_gradients_and_adjoint(base):
    rng = np.random.default_rng(0)
    g = ScaleTranslation(base, n_scales=3, scale_extent=2)
    lift = nn.LiftingConv(g, 2, 3, 3, mode="same", dtype=np.float64, rng=0)
    group = nn.GroupConv(g, 2, 3, 3, mode="same", dtype=np.float64, rng=1)
    assert max(nn.check_gradients(lift, rng.standard_normal((2, 2, 10, 10))).values()) <= 1e-6
    assert max(nn.check_gradients(group, rng.standard_normal((2, 2, 3, 10, 10))).values()) <= 1e-6
    bank = bank_for(g, "correlation")
    w = rng.standard_normal(bank.weight_shape(2, 2, 3))
    db = rng.standard_normal(bank.expand(w).shape)
    assert abs(np.sum(bank.expand(w) * db) - np.sum(w * bank.adjoint(db, w.shape))) <= 1e-10


def test_bad_input():
    with pytest.raises(ValueError, match="base must be a finite number > 1"):
        ScaleTranslation(1.0)
    with pytest.raises(ValueError, match=r"^transform: h: .* is not one of the 3 point samples of Scale"):
        transform(np.zeros((1, 1, 3, 8, 8)), ScaleTranslation(2.0).element(i=5),
                  interpolate=True)
    with pytest.raises(TypeError, match="parameter i must be an int, got 0.5"):
        ScaleTranslation().element(i=0.5)
    with pytest.raises(ValueError, match=r"scale_extent must be an int in 1\.\.3"):
        ScaleTranslation(2.0, n_scales=3, scale_extent=4)
    with pytest.raises(ValueError, match=r"grids beyond 1025 pixels"):
        ScaleTranslation(1e10, n_scales=3)
    with pytest.raises(ValueError, match=r"weights on Scale.* must have shape "
                                         r"\(C_out, C_in, 2, k, k\)"):
        group_correlation(np.zeros((1, 1, 3, 8, 8)), np.zeros((1, 1, 3, 3)), "scale")
    with pytest.raises(ValueError, match="needs an input of at least"):
        lifting_correlation(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), "scale",
                            mode="valid")
