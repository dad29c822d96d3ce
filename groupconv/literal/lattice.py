"""Literal correlations and convolutions: the sums of the theory, written as sums, on Z^d and
on lattice groups G = Z^d x| H in any dimension d.

Slow on purpose and meant to be read: one function per equation, each evaluating the sum over
the whole (finite) support at every element g where the sum can be non-zero ("full" support,
computed exactly from the supports of f and psi). The sums are written for a column of
elements g at once (the group law broadcasts like NumPy): g has shape (E, 1) and the support
(1, N), so that g^-1 h is every pair; the table is filled a block of elements at a time. They are the ground truth that the fast path
is tested against. Sums run over all input channels k; ``psi`` is one filter (one output
channel) or a sequence of filters (one per output channel).

    planar correlation    (f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x)
    planar convolution    (f ∗ psi)(x) = sum_y sum_k f_k(y) psi_k(x - y)
    lifting correlation   (f * psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y)
    group correlation     (f * psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h)
                                       = sum_h sum_k f_k(g h) psi_k(h)       (rewritten form)
    group convolution     (f ∗ psi)(g) = sum_h sum_k f_k(h) psi_k(h^-1 g)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..feature_maps import Box, FeatureMap, _grid, _tabulate, box_of
from ..groups import ElementArray, SemidirectProduct, get_group

__all__ = [
    "planar_correlation", "planar_convolution", "lifting_correlation", "group_correlation",
    "group_correlation_rewritten", "group_convolution",
]

Filters = FeatureMap | Sequence[FeatureMap]


def planar_correlation(f: FeatureMap, psi: Filters) -> FeatureMap:
    """(f * psi)(x) = sum_y sum_k f_k(y) psi_k(y - x), on Z^d."""
    psis = _filters(psi, f, "planar_correlation", planar=True)
    y = f.support().reshape(1, -1)                   # every y where f can be non-zero
    f_y = f(y)
    box = _box(f.corners(), _inverse_corners(psis))  # x = y - k for y, k in the supports
    return _table(f.group, box, lambda x: _sum_k_y(f_y, psis, y * x.inverse()), y.size)


def planar_convolution(f: FeatureMap, psi: Filters) -> FeatureMap:
    """(f ∗ psi)(x) = sum_y sum_k f_k(y) psi_k(x - y), on Z^d."""
    psis = _filters(psi, f, "planar_convolution", planar=True)
    y = f.support().reshape(1, -1)
    f_y = f(y)
    box = _box(f.corners(), _corners(psis))          # x = y + k
    return _table(f.group, box, lambda x: _sum_k_y(f_y, psis, y.inverse() * x), y.size)


def lifting_correlation(f: FeatureMap, psi: Filters, group: SemidirectProduct | str
                        ) -> FeatureMap:
    """(f * psi)(g) = sum_y sum_k f_k(y) psi_k(g^-1 y): from Z^d to G.

    Parameters
    ----------
    f : FeatureMap
        A function on Z^d (``f.group`` is Z1, Z2 or Z3), of C channels.
    psi : FeatureMap or sequence of FeatureMap
        The filter (one output channel) or filters (one per output channel), on Z^d, of C
        channels each.
    group : SemidirectProduct or str
        The lattice group G = Z^d x| H lifted to, e.g. ``P4`` or ``"p4m"``.

    Returns
    -------
    FeatureMap
        The function on G, one channel per filter, on its whole support.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4, Z2
    >>> from groupconv.feature_maps import FeatureMap, L, relative_error
    >>> from groupconv.literal import lifting_correlation
    >>> x = FeatureMap(Z2, np.random.default_rng(1).normal(size=(1, 6, 6)))
    >>> psi = FeatureMap(Z2, np.arange(9.0).reshape(1, 3, 3), origin="centre")
    >>> lifted = lifting_correlation(x, psi, P4)
    >>> lifted.values.shape                       # (C, |H|, *support)
    (1, 4, 8, 8)
    >>> u = P4.element(r=3, u=2, v=-1)
    >>> float(relative_error(lifting_correlation(L(u, x), psi, P4), L(u, lifted))) < 1e-15
    True
    """
    group = get_group(group)
    psis = _filters(psi, f, "lifting_correlation", planar=True)
    if not isinstance(group, SemidirectProduct) or group.dim != f.group.dim:
        raise ValueError(f"lifting_correlation: group must be a lattice group acting on "
                         f"Z^{f.group.dim} like f, got {group.name}")
    y = f.support().reshape(1, -1)
    f_y = f(y)
    points = f.group.translation_of(y)[0]            # y as points of Z^d
    # g = T(y) h T(k)^-1 for y in supp f, h in H, k in supp psi
    lifted_y = group.from_parts(0, f.group.translation_of(f.corners()))
    lifted_k = group.from_parts(0, f.group.translation_of(_corners(psis)))
    box = _box(lifted_y, group.point_elements(), lifted_k.inverse())
    return _table(group, box, lambda g: _sum_k_y(f_y, psis, g.inverse().act(points)), y.size)


def group_correlation(f: FeatureMap, psi: Filters) -> FeatureMap:
    """(f * psi)(g) = sum_h sum_k f_k(h) psi_k(g^-1 h): the paper's form, from G to G.

    Parameters
    ----------
    f : FeatureMap
        A function on a lattice group G, of C channels.
    psi : FeatureMap or sequence of FeatureMap
        The filter or filters (one per output channel), on G, of C channels each.

    Returns
    -------
    FeatureMap
        The function on G, one channel per filter, on its whole support.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4
    >>> from groupconv.feature_maps import FeatureMap, L, relative_error
    >>> from groupconv.literal import group_correlation
    >>> f = FeatureMap(P4, np.random.default_rng(0).normal(size=(2, 4, 5, 5)))
    >>> phi = FeatureMap(P4, np.ones((2, 4, 3, 3)), origin="centre")
    >>> out = group_correlation(f, phi)
    >>> u = P4.element(r=1, u=2, v=0)
    >>> float(relative_error(group_correlation(L(u, f), phi), L(u, out))) < 1e-15
    True
    """
    psis = _filters(psi, f, "group_correlation")
    h = f.support().reshape(1, -1)
    f_h = f(h)
    box = _box(f.corners(), _inverse_corners(psis))  # g = h k^-1
    return _table(f.group, box, lambda g: _sum_k_y(f_h, psis, g.inverse() * h), h.size)


def group_correlation_rewritten(f: FeatureMap, psi: Filters) -> FeatureMap:
    """(f * psi)(g) = sum_h sum_k f_k(g h) psi_k(h): the form after substituting h -> g h."""
    psis = _filters(psi, f, "group_correlation_rewritten")
    h = [p.support().reshape(1, -1) for p in psis]   # every h where psi can be non-zero
    psi_h = [p(h_p) for p, h_p in zip(psis, h)]
    box = _box(f.corners(), _inverse_corners(psis))  # g h in supp f for h in supp psi
    return _table(f.group, box, lambda g: np.stack(
        [(f(g * h_p) * p_h).sum(axis=(0, -1)) for h_p, p_h in zip(h, psi_h)]),
        max(h_p.size for h_p in h))


def group_convolution(f: FeatureMap, psi: Filters) -> FeatureMap:
    """(f ∗ psi)(g) = sum_h sum_k f_k(h) psi_k(h^-1 g): the true G-convolution.

    Parameters
    ----------
    f : FeatureMap
        A function on a lattice group G, of C channels.
    psi : FeatureMap or sequence of FeatureMap
        The filter or filters (one per output channel), on G, of C channels each.

    Returns
    -------
    FeatureMap
        The function on G, one channel per filter, on its whole support.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4
    >>> from groupconv.feature_maps import FeatureMap, L, relative_error
    >>> from groupconv.literal import group_convolution
    >>> f = FeatureMap(P4, np.random.default_rng(0).normal(size=(1, 4, 4, 4)))
    >>> rng = np.random.default_rng(1)
    >>> psi = FeatureMap(P4, rng.normal(size=(1, 4, 3, 3)), origin="centre")
    >>> u = P4.element(r=3, u=1, v=1)
    >>> out = group_convolution(f, psi)
    >>> float(relative_error(group_convolution(L(u, f), psi), L(u, out))) < 1e-14
    True
    """
    psis = _filters(psi, f, "group_convolution")
    h = f.support().reshape(1, -1)
    f_h = f(h)
    box = _box(f.corners(), _corners(psis))          # g = h k
    return _table(f.group, box, lambda g: _sum_k_y(f_h, psis, h.inverse() * g), h.size)


# ------------------------------------------------------------------ helpers
def _sum_k_y(f_y: np.ndarray, psis: Sequence[FeatureMap], where) -> np.ndarray:
    """sum_k sum_y f_k(y) psi_k(where(y)) for every filter psi and every element of the column
    (f_y: (C, 1, N); where: (E, N)): (filters, E); only the terms where psi is defined (its
    support box), so that a NaN in f reaches only the outputs whose sums read it."""
    with np.errstate(invalid="ignore"):         # 0 * inf outside the box: masked out
        return np.stack([np.where(p.covers(where), f_y * p(where), 0).sum(axis=(0, -1))
                         for p in psis])


#: Pairs (g, h) evaluated at once: the table is filled in blocks of elements this size allows.
_PAIRS = 2**18


def _table(group: SemidirectProduct, box: Box,
           value_at: Callable[[ElementArray], np.ndarray], terms: int) -> FeatureMap:
    """The feature map g -> value_at(g) on every T(t) h_s with t in ``box``: value_at takes a
    column of elements (E, 1) and returns (filters, E), a sum of ``terms`` terms each; a loop
    over blocks of G."""
    points = _grid(box)
    elements = group.from_parts(np.arange(group.samples).reshape((-1,) + (1,) * group.dim),
                                points[None])                       # g = T(lo + i) h_s
    column = elements.reshape(-1, 1)
    block = max(1, _PAIRS // max(1, terms))
    out = np.concatenate([value_at(column[i:i + block]) for i in range(0, len(column), block)],
                         axis=1)
    return _tabulate(group, box, out.reshape((len(out),) + elements.shape))


def _box(*factors: ElementArray) -> Box:
    """Translation box of every product a b c ... of the given elements (broadcast)."""
    product = factors[0].reshape(-1)
    for factor in factors[1:]:
        product = (product.reshape(-1, 1) * factor.reshape(1, -1)).reshape(-1)
    return box_of(product.group.translation_of(product))


def _corners(psis: Sequence[FeatureMap]) -> ElementArray:
    group = psis[0].group
    return group.array(np.concatenate([p.corners().params.reshape(-1, group.n_params)
                                       for p in psis]))


def _inverse_corners(psis: Sequence[FeatureMap]) -> ElementArray:
    return _corners(psis).inverse()


def _filters(psi: Filters, f: FeatureMap, op: str, planar: bool = False) -> list[FeatureMap]:
    """The filters as a list, checked against f (group, channels, dtype)."""
    if not isinstance(f, FeatureMap):
        raise TypeError(f"{op}: f must be a FeatureMap, got {type(f).__name__}")
    psis = [psi] if isinstance(psi, FeatureMap) else \
        list(psi) if isinstance(psi, (list, tuple)) else []
    if not psis or not all(isinstance(p, FeatureMap) for p in psis):
        raise TypeError(f"{op}: psi must be a FeatureMap or a non-empty sequence of them")
    if planar and f.group.samples != 1:
        raise ValueError(f"{op}: f must be a function on Z^{f.group.dim} (a group with a "
                         f"trivial point group), got one on {f.group.name}")
    if not planar and f.group.samples == 1 and psis[0].group.samples > 1:
        raise ValueError(f"{op}: f must be a function on {psis[0].group.name} like psi, got one "
                         f"on {f.group.name} (lift it first: literal.lifting_correlation)")
    for p in psis:
        if p.group != f.group:
            raise ValueError(f"{op}: psi must be a function on {f.group.name} like f, "
                             f"got one on {p.group.name}")
        if p.channels != f.channels:
            raise ValueError(f"{op}: psi must have {f.channels} channels like f, "
                             f"got {p.channels}")
    integral = [p for p in psis if p.dtype.kind == "i"]
    if f.dtype.kind == "i" and integral:     # int64 products and sums: exact unless they wrap
        a, b = _largest(f), max(_largest(p) for p in integral)
        if a * b * f.values.size > np.iinfo(np.int64).max:
            raise ValueError(f"{op}: integer values this large (|f| up to {a}, |psi| up to {b}, "
                             f"{f.values.size} terms) could overflow the int64 sums; pass "
                             f"float values")
    return psis


def _largest(m: FeatureMap) -> int:
    """The largest |value| of an integer feature map, as a Python int (no int64 wrap)."""
    return max(abs(int(m.values.max())), abs(int(m.values.min())))
