"""Literal operations against independent computations: a NumPy sliding window, identities that
follow from the definitions, and GrouPy's layer outputs evaluated through the literal sums."""

import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupconv import P4, P4M, Z2
from groupconv.feature_maps import FeatureMap, L, relative_error
from groupconv.literal import (
    group_convolution, group_correlation, group_correlation_rewritten, lifting_correlation,
    planar_convolution, planar_correlation,
)

from strategies import GROUP_IDS, GROUPS, maps_and_filters

REF = np.load(pathlib.Path(__file__).parent / "data" / "reference.npz", allow_pickle=False)
TOL = 1e-12  # float64 rounding of sums of at most a few hundred products of numbers <= 1


def _sliding_full_correlation(x, w):
    """Independent check: zero-pad by k - 1 and slide the window (numpy only)."""
    k = w.shape[-1]
    padded = np.pad(x, ((0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(-2, -1))
    return np.einsum("cijab,cab->ij", windows, w)


@given(data=st.data())
def test_planar_correlation_is_the_sliding_window(data):
    f, psis = data.draw(maps_and_filters(Z2))
    psis = [FeatureMap(Z2, p.on_box(((-1, -1), (1, 1))), origin=(1, 1)) for p in psis]  # 3x3
    out = planar_correlation(f, psis)
    for o, p in enumerate(psis):
        expected = _sliding_full_correlation(f.values, p.values)
        # output pixel x at index x - box_lo; the full window starts at x = box_lo(f) - 1
        (u0, v0), _ = f.box
        assert out.box[0] == (u0 - 1, v0 - 1)
        assert np.allclose(out.values[o], expected, rtol=0, atol=TOL * 9)


@given(data=st.data())
def test_planar_convolution_is_correlation_with_the_reflected_filter(data):
    f, psis = data.draw(maps_and_filters(Z2))
    reflected = [L(P4.element(r=2), p) for p in psis]  # psi(-x): R^2 = -I
    assert relative_error(planar_convolution(f, psis), planar_correlation(f, reflected)) <= TOL


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
@given(data=st.data())
def test_lifting_slices_are_planar_correlations_with_transformed_filters(group, data):
    """(f * psi)(T(t) h) = sum_y f(y) psi(h^-1 (y - t)) = (f * L_h psi)(t)."""
    f, psis = data.draw(maps_and_filters(Z2))
    lifted = lifting_correlation(f, psis, group)
    for s, h in enumerate(group.point_elements()):
        planar = planar_correlation(f, [L(h, p) for p in psis])
        values = lifted.values if group.stabiliser.order == 1 else lifted.values[:, s]
        slice_s = FeatureMap(Z2, values, origin=lifted.origin)
        assert relative_error(slice_s, planar) <= TOL


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
@given(data=st.data())
def test_group_convolution_is_correlation_with_the_inverted_filter(group, data):
    """sum_h f(h) psi(h^-1 g) = sum_h f(h) psi~(g^-1 h) with psi~(k) = psi(k^-1)."""
    f, psis = data.draw(maps_and_filters(group))
    inverted = []
    for p in psis:
        (u0, v0), (u1, v1) = p.box
        box = ((-u1 - 1, -v1 - 1), (-u0 + 1, -v0 + 1))  # holds every k with k^-1 in supp psi
        grid = FeatureMap(group, np.zeros((p.channels,) + p.on_box(box).shape[1:]),
                          origin=(-box[0][0], -box[0][1]))
        k = grid.support()
        values = p(k.inverse())
        inverted.append(FeatureMap(group, values if group.stabiliser.order > 1 else values[:, 0],
                                   origin=grid.origin))
    assert relative_error(group_convolution(f, psis), group_correlation(f, inverted)) <= TOL


@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
def test_full_support_is_exact_and_tight(group):
    """With all-ones inputs every output in the computed box is non-zero: the box is tight."""
    f = FeatureMap(group, np.ones((1, group.stabiliser.order, 4, 5)), origin=(0, 0))
    psi = FeatureMap(group, np.ones((1, group.stabiliser.order, 3, 3)), origin="centre")
    for out in (group_correlation(f, psi), group_correlation_rewritten(f, psi),
                group_convolution(f, psi)):
        assert out.values.shape[-2:] == (6, 7) and out.box == ((-1, -1), (4, 5))
        assert np.all(out.values[:, :, [0, -1], :] > 0) and np.all(out.values[..., [0, -1]] > 0)


@pytest.mark.parametrize("group,name", [(P4, "p4"), (P4M, "p4m")])
def test_groupy_layer_outputs_through_the_literal_sums(group, name):
    """GrouPy's 'valid' layers: y[o, s, i, j] = (x * w_o)(T(i + 1, j + 1) h_s) for k = 3."""
    def check(f, weight, output, op):
        psis = [FeatureMap(group if weight.shape[2] > 1 else Z2,
                           w if weight.shape[2] > 1 else w[:, 0], origin="centre")
                for w in weight]
        exact = op(f, psis)
        s, i, j = np.meshgrid(np.arange(group.stabiliser.order), np.arange(7), np.arange(7),
                              indexing="ij")
        g = group.from_parts(s, np.stack([i + 1, j + 1], axis=-1))
        assert np.allclose(exact(g), output, rtol=0, atol=1e-12)

    x = FeatureMap(Z2, REF["c_lift_input"])
    check(x, REF[f"c_{name}_lift_weight"], REF[f"c_{name}_lift_output"],
          lambda f, p: lifting_correlation(f, p, group))
    x = FeatureMap(group, REF[f"c_{name}_group_input"])
    check(x, REF[f"c_{name}_group_weight"], REF[f"c_{name}_group_output"], group_correlation)


def test_literal_bad_input():
    f = FeatureMap(P4, np.zeros((2, 4, 3, 3)))
    with pytest.raises(ValueError, match="psi must have 2 channels like f, got 3"):
        group_correlation(f, FeatureMap(P4, np.zeros((3, 4, 3, 3))))
    with pytest.raises(ValueError, match="psi must be a function on P4 like f, got one on P4M"):
        group_correlation(f, FeatureMap(P4M, np.zeros((2, 8, 3, 3))))
    with pytest.raises(ValueError, match="f must be a function on Z\\^2.*got one on P4"):
        lifting_correlation(f, FeatureMap(P4, np.zeros((2, 4, 3, 3))), P4)
    with pytest.raises(TypeError, match="non-empty sequence"):
        group_convolution(f, [])
    with pytest.raises(TypeError, match="f must be a FeatureMap, got ndarray"):
        planar_correlation(np.zeros((1, 3, 3)), FeatureMap(Z2, np.zeros((1, 3, 3))))
