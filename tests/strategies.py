"""Hypothesis strategies: group elements of every kind and finite-support feature maps, and the
groups the array-level tests draw from: the paper's, one on the line, one in space, and the two
sampled groups."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from groupconv import P4, P4M, Z2
from groupconv.feature_maps import FeatureMap
from groupconv.groups import PointGroup, SemidirectProduct, get_group

GROUPS = (Z2, P4, P4M)
GROUP_IDS = [g.name for g in GROUPS]

#: Z x| {1, -1}: the mirror of the line.
LINE = SemidirectProduct(PointGroup("C2line", {"m": [[-1]]}), name="LineM")
#: Z^3 x| D2: the half turns about two axes of the cube (4 elements: small, so literal sums of
#: volumes stay fast), a group in space built from its generators.
SPACE = SemidirectProduct(PointGroup("D2x", {"a": [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
                                             "b": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]}),
                          name="SpaceD2")
#: Every kind of group the array level serves, in one, two and three dimensions.
ARRAY_GROUPS = GROUPS + (LINE, SPACE, get_group("se2_8"), get_group("scale"))
ARRAY_IDS = [g.name for g in ARRAY_GROUPS]

# Bounded, non-subnormal floats: exact claims are then exact up to float64 rounding.
FLOATS = st.floats(-1, 1, allow_nan=False, allow_infinity=False, allow_subnormal=False)
TRANSLATIONS = st.integers(-5, 5)


@st.composite
def elements(draw, group: SemidirectProduct, kind: str = "any"):
    """kind: "translation" (h = e), "point" (t = 0), "general", or "any" of them."""
    if kind == "any":
        kinds = ["translation"] + (["point", "general"] if group.stabiliser.order > 1 else [])
        kind = draw(st.sampled_from(kinds))
    h = 0 if kind == "translation" else draw(st.integers(0, group.stabiliser.order - 1))
    if kind == "point":
        t = (0, 0)
    else:
        t = (draw(TRANSLATIONS), draw(TRANSLATIONS))
        if kind == "translation" and t == (0, 0):
            t = (1, 0)
    return group.from_parts(h, t)[()]


@st.composite
def feature_maps(draw, group: SemidirectProduct, channels: int | None = None,
                 max_size: int = 3, centred: bool = False):
    """Random values on a random box with a random origin (or a centred filter)."""
    c = channels if channels is not None else draw(st.integers(1, 2))
    h, w = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    s = group.stabiliser.order
    shape = (c, h, w) if s == 1 else (c, s, h, w)
    values = draw(hnp.arrays(np.float64, shape, elements=FLOATS))
    origin = "centre" if centred else (draw(st.integers(-3, 3)), draw(st.integers(-3, 3)))
    return FeatureMap(group, values, origin=origin)


@st.composite
def maps_and_filters(draw, group: SemidirectProduct, max_size: int = 3):
    """(f, [psi_1, ..., psi_n]) on ``group`` with matching channels; filters on a centred grid."""
    f = draw(feature_maps(group, max_size=max_size))
    count = draw(st.integers(1, 2))
    return f, [draw(feature_maps(group, channels=f.channels, centred=True))
               for _ in range(count)]
