"""Feature maps with finite support: evaluation, L_g against np.rot90 / flipud, conversions,
and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupconv import P4, P4M, Z2
from groupconv.feature_maps import FeatureMap, L, pointwise, relative_error, restrict

from strategies import GROUP_IDS, GROUPS, elements, feature_maps


def test_evaluation_reads_the_layout():
    values = np.arange(2 * 4 * 2 * 3).reshape(2, 4, 2, 3).astype(float)
    f = FeatureMap(P4, values, origin=(1, 0))
    # entry [c, s, i, j] is f_c(T(i - 1, j - 0) R^s)
    assert np.array_equal(f(P4.element(r=2, u=0, v=2)), values[:, 2, 1, 2])
    assert f.box == ((-1, 0), (0, 2))
    assert np.array_equal(f(P4.array(r=[3], u=[-1], v=[0])), values[:, 3, :1, 0])


def test_zero_outside_the_support_never_wraps_around():
    f = FeatureMap(Z2, np.ones((1, 3, 3)), origin=(0, 0))
    for u, v in [(-1, 0), (3, 0), (0, -1), (0, 3), (-4, -4), (100, 100)]:
        assert f(Z2.element(u=u, v=v))[0] == 0
    assert f(np.array([[0, 0], [2, 2], [3, 3]]))[0].tolist() == [1, 1, 0]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_L_on_centred_filters_is_rot90_and_flipud(k):
    rng = np.random.default_rng(k)
    psi = FeatureMap(Z2, rng.standard_normal((2, k, k)), origin="centre")
    for r in range(4):
        rotated = L(P4.element(r=r), psi)
        assert rotated.origin == psi.origin
        assert np.array_equal(rotated.values, np.rot90(psi.values, r, axes=(-2, -1)))
    assert np.array_equal(L(P4M.element(m=1), psi).values, psi.values[:, ::-1, :])


def test_L_on_a_p4_function_rotates_and_cycles_the_orientations():
    """(L_R f)(T(x) R^s) = f(T(R^-1 x) R^(s-1)): each slice rotates and moves one place."""
    rng = np.random.default_rng(0)
    f = FeatureMap(P4, rng.standard_normal((1, 4, 3, 3)), origin="centre")
    rotated = L(P4.element(r=1), f).values
    for s in range(4):
        assert np.array_equal(rotated[:, s], np.rot90(f.values[:, (s - 1) % 4], axes=(-2, -1)))


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
@given(data=st.data())
def test_L_moves_the_support_box_with_g(group, data):
    f, g = data.draw(feature_maps(group)), data.draw(elements(group))
    moved = L(g, f)
    corners = np.array(f.box)
    image = g.act(np.array([[corners[0, 0], corners[0, 1]], [corners[1, 0], corners[1, 1]]]))
    assert moved.box == (tuple(image.min(0)), tuple(image.max(0)))
    x = f.support()
    assert np.array_equal(moved(g * x), f(x))  # (L_g f)(g x) = f(x), exactly


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
@given(data=st.data())
def test_conversion_to_and_from_arrays(group, data):
    f = data.draw(feature_maps(group))
    again = FeatureMap(group, f.values, origin=f.origin)
    assert relative_error(f, again) == 0
    (u0, v0), (u1, v1) = f.box
    bigger = ((u0 - 1, v0 - 2), (u1 + 2, v1 + 1))
    padded = f.on_box(bigger)
    assert padded.shape[-2:] == (u1 - u0 + 4, v1 - v0 + 4)
    assert np.array_equal(padded[..., 1:-2, 2:-1], f.values)
    assert relative_error(restrict(f, bigger), f) == 0


def test_pointwise_needs_nu_of_zero_to_be_zero():
    f = FeatureMap(Z2, np.ones((1, 2, 2)))
    assert np.array_equal(pointwise(np.tanh, f).values, np.tanh(f.values))
    with pytest.raises(ValueError, match="must map 0 to 0"):
        pointwise(lambda a: 1 / (1 + np.exp(-a)), f)  # the logistic sigmoid: infinite support


def test_relative_error_measures_differences():
    f = FeatureMap(Z2, np.ones((1, 2, 2)))
    g = FeatureMap(Z2, np.ones((1, 2, 2)), origin=(0, 1))  # the same values, moved
    assert relative_error(f, g) == 1.0
    assert relative_error(f, f) == 0.0


def test_relative_error_compares_on_the_union_of_overlapping_boxes():
    """Supports that overlap but differ: read on one map's box alone, the maps would agree
    (or differ by half as much)."""
    f = FeatureMap(Z2, np.ones((1, 2, 2)))                    # box (0, 0)..(1, 1)
    wider = np.ones((1, 2, 3))
    wider[0, :, 2] = 5.0
    g = FeatureMap(Z2, wider)                                 # f, and a column beyond f's box
    assert relative_error(f, g) == relative_error(g, f) == 1.0    # |f - g| = 5 = max |g|
    h = FeatureMap(Z2, np.full((1, 2, 2), 2.0), origin=(-1, -1))  # box (1, 1)..(2, 2)
    # on f's box max |f - h| = 1; at (2, 2), where only h lives, 2 = max |h|
    assert relative_error(f, h) == relative_error(h, f) == 1.0


# ---------------------------------------------------------------- bad input
def test_bad_feature_maps():
    with pytest.raises(ValueError, match=r"shape \(C, 4, H, W\), got shape \(2, 3, 3\)"):
        FeatureMap(P4, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"S = \|D4\| = 8\), got shape \(1, 4, 3, 3\)"):
        FeatureMap(P4M, np.zeros((1, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"shape \(C, H, W\), got shape \(3, 3\)"):
        FeatureMap(Z2, np.zeros((3, 3)))
    with pytest.raises(TypeError, match="real numbers.*complex128"):
        FeatureMap(Z2, np.zeros((1, 3, 3), complex))
    with pytest.raises(TypeError, match="real numbers.*object"):
        FeatureMap(Z2, np.array([[["a"]]], dtype=object))
    with pytest.raises(TypeError, match="origin must be a tuple of 2 ints"):
        FeatureMap(Z2, np.zeros((1, 3, 3)), origin=(0.5, 1))
    with pytest.raises(ValueError, match="at least one channel and one pixel"):
        FeatureMap(Z2, np.zeros((1, 0, 3)))


def test_evaluating_at_an_element_of_another_group():
    f = FeatureMap(P4, np.zeros((1, 4, 2, 2)))
    with pytest.raises(TypeError, match="expected an element of P4, got an element of P4M"):
        f(P4M.element(m=1))
    with pytest.raises(TypeError, match="evaluated at elements of P4"):
        f(np.array([0, 0]))
    with pytest.raises(ValueError, match="not an element of P4"):
        L(P4M.element(m=1), f)
    with pytest.raises(TypeError, match="integer points"):
        FeatureMap(Z2, np.zeros((1, 2, 2)))(np.array([0.5, 1.0]))


def test_relative_error_compares_integer_maps_exactly():
    import numpy as np

    from groupconv import Z2
    from groupconv.feature_maps import FeatureMap, relative_error

    big = FeatureMap(Z2, np.array([[[2**62]]]))
    assert relative_error(big, FeatureMap(Z2, np.array([[[2**62 + 1]]]))) > 0   # float64: 0
    assert relative_error(big, big) == 0.0
