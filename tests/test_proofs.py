"""The proofs of the theory, checked: one test per claim, over random elements of every kind,
random finite-support multi-channel functions and all three groups.

Equality is exact up to float64 rounding (TOLERANCE = 1e-12, relative to the largest value a
sum could take): with exact supports there is no boundary to excuse. The last test shows, with
numbers, what a fixed-window (cropped) correlation loses.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupconv import Z2
from groupconv.checks import claims
from groupconv.checks.claims import TOLERANCE

from strategies import GROUP_IDS, GROUPS, elements, feature_maps, maps_and_filters

groups = pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)


@groups
@given(data=st.data())
def test_group_axioms(group, data):
    a, b, c = (data.draw(elements(group)) for _ in range(3))
    assert claims.group_axioms(a, b, c) == 0


@groups
@given(data=st.data())
def test_inverse_of_product(group, data):
    assert claims.inverse_of_product(data.draw(elements(group)), data.draw(elements(group))) == 0


@groups
@given(data=st.data())
def test_L_homomorphism(group, data):
    g, h = data.draw(elements(group)), data.draw(elements(group))
    assert claims.L_homomorphism(g, h, data.draw(feature_maps(group))) == 0  # L_g permutes values


@groups
@given(data=st.data())
def test_L_identity(group, data):
    assert claims.L_identity(data.draw(feature_maps(group))) == 0


@groups
@given(data=st.data())
def test_L_translation(group, data):
    t = data.draw(elements(group, "translation"))
    assert claims.L_translation(t, data.draw(feature_maps(group))) == 0


@given(data=st.data())
def test_planar_translation_equivariance(data):
    t = data.draw(elements(Z2, "translation"))
    f, psi = data.draw(maps_and_filters(Z2))
    assert claims.planar_translation_equivariance(t, f, psi) <= TOLERANCE


@given(data=st.data())
def test_substitution(data):
    f, psi = data.draw(maps_and_filters(Z2))
    assert claims.substitution(f, psi) <= TOLERANCE


@groups
@given(data=st.data())
def test_two_forms_agree(group, data):
    f, psi = data.draw(maps_and_filters(group))
    assert claims.two_forms_agree(f, psi) <= TOLERANCE


@groups
@given(data=st.data())
def test_lifting_equivariance(group, data):
    u = data.draw(elements(group))
    f, psi = data.draw(maps_and_filters(Z2))
    assert claims.lifting_equivariance(u, f, psi, group) <= TOLERANCE


@groups
@given(data=st.data())
def test_group_correlation_equivariance(group, data):
    u = data.draw(elements(group))
    f, psi = data.draw(maps_and_filters(group))
    assert claims.group_correlation_equivariance(u, f, psi) <= TOLERANCE


@groups
@given(data=st.data())
def test_group_convolution_equivariance(group, data):
    u = data.draw(elements(group))
    f, psi = data.draw(maps_and_filters(group))
    assert claims.group_convolution_equivariance(u, f, psi) <= TOLERANCE


@groups
@given(data=st.data())
def test_nonlinearity_equivariance(group, data):
    u = data.draw(elements(group))
    assert claims.nonlinearity_equivariance(u, data.draw(feature_maps(group))) == 0


def test_cropped_correlation_is_not_equivariant():
    """A fixed window (array-level 'same' correlation of a cropped image) loses equivariance at
    the boundary: translating a 5x5 window of ones by one pixel changes the border outputs by
    a whole row of filter taps, while the exact-support correlation has no error at all."""
    import numpy as np

    from groupconv.feature_maps import FeatureMap

    f = FeatureMap(Z2, np.ones((1, 5, 5)), origin=(2, 2))
    psi = [FeatureMap(Z2, np.ones((1, 3, 3)), origin="centre")]
    t = Z2.element(u=1)
    cropped = claims.cropped_correlation_error(t, f, psi)
    exact = claims.planar_translation_equivariance(t, f, psi)
    # Shifting down one row: at the top row of the window the cropped computation sees one row
    # of shifted-in content (3 taps) where L_t of the cropped output has nothing (0); at the
    # bottom row it misses the row pushed out of the window (6 taps instead of 9). Relative to
    # the largest possible sum, max|f| * ||psi||_1 = 9, the error is 3/9.
    assert cropped == pytest.approx(3 / 9)
    assert exact == 0

