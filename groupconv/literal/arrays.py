"""The lattice sums read on fixed-size arrays: every entry of an array-level layer's output as
the value of a literal sum at one group element (slow, NumPy, float64; the ground truth of the
fast path at the array level).

For padding p and a k x k filter, output entry [o, s, i, j] is

    correlation   y[o, s, i, j] = (x * w_o)(T(i + k//2 - p + d_s, j + k//2 - p + d_s) h_s)
    convolution   y[o, s, i, j] = (X ∗ w_o)(T(i + k - 1 - k//2 - p, j + ...) h_s),
                  where X(T(u + d_t, v + d_t) h_t) = x[t, u, v].

For odd k, d_s = 0. For even k, a k x k filter rotated about its geometric centre (what the
array level does, as GrouPy does) is the filter transformed by T(d_s) h_s, with the integer
d_s = (h_s (1, 1) - (1, 1)) / 2: slice s of the output sits at a shifted origin.

On the hexagonal lattice (axial coordinates) a kernel is the function on the hexagon of its
k x k array (k odd; ``groups.domain_mask``): the other cells of w are not part of it; nor
are the cells of x and of the output outside the hexagon of their arrays (zero in the output).
"""

from __future__ import annotations

import numpy as np

from ..feature_maps import FeatureMap
from ..groups import Z2, SemidirectProduct, domain_mask
from ..modes import check_size
from . import lattice

__all__ = ["slice_shifts", "array_correlation"]


def slice_shifts(group: SemidirectProduct, k: int) -> np.ndarray:
    """d_s for every stabiliser element: (S, 2) ints, zero for odd k (see the module docstring)."""
    if k % 2:
        return np.zeros((group.stabiliser.order, 2), dtype=np.int64)
    return (group.stabiliser.matrices @ np.ones(2, np.int64) - 1) // 2


def array_correlation(x: np.ndarray, w: np.ndarray, group: SemidirectProduct, p: int, *,
                      lifting: bool, inverted: bool = False) -> np.ndarray:
    """The array-level lifting correlation (``lifting``), G-correlation, or G-convolution
    (``inverted``) of x (B, C, S_in, H, W) with w (O, C, S_in, k, k) and padding p (S_in = 1 for
    lifting), entry by entry through the literal sums: (B, O, S, H', W'), float64."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if lifting:
        x, w = x[:, :, 0], w[:, :, 0]
    k = w.shape[-1]
    ho, wo = check_size(x.shape[-2], x.shape[-1], k, p)
    if k % 2 == 0 and domain_mask(group, 1, 1) is not None:
        raise ValueError(f"kernels on {group.name} (hexagonal lattice) are hexagons about a "
                         f"centre cell: k must be odd, got k = {k}")
    mask = domain_mask(group, k, k)
    if mask is not None:    # a hexagonal kernel and input: zero outside their hexagons
        w = np.where(mask, w, 0.0)
        x = np.where(domain_mask(group, x.shape[-2], x.shape[-1]), x, 0.0)
    psis = [_feature_map(Z2 if lifting else group, wo_, origin="centre") for wo_ in w]
    shifts = slice_shifts(group, k)
    # output entry [s, i, j] is the element T((i, j) + offset_s) h_s (see the module docstring)
    offsets = np.full_like(shifts, k - 1 - k // 2 - p) if inverted else k // 2 - p + shifts
    grid = np.stack(np.meshgrid(np.arange(ho), np.arange(wo), indexing="ij"), axis=-1)
    elements = group.from_parts(np.arange(len(shifts))[:, None, None],
                                grid[None] + offsets[:, None, None, :])
    outs = []
    for xb in x:
        if lifting:
            exact = lattice.lifting_correlation(FeatureMap(Z2, xb), psis, group)
        elif inverted:
            exact = lattice.group_convolution(_placed(xb, group, shifts), psis)
        else:
            exact = lattice.group_correlation(_feature_map(group, xb), psis)
        outs.append(exact(elements))
    out = np.stack(outs) if outs else np.zeros((0, len(w), len(shifts), ho, wo))
    return out if mask is None else np.where(domain_mask(group, ho, wo), out, 0.0)


def _placed(xb: np.ndarray, group: SemidirectProduct, shifts: np.ndarray) -> FeatureMap:
    """The function X on G with X(T(u + d_t, v + d_t) h_t) = xb[:, t, u, v]."""
    c, s, h, wd = xb.shape
    lo = shifts.min(axis=0)
    hi = shifts.max(axis=0)
    values = np.zeros((c, s, h + hi[0] - lo[0], wd + hi[1] - lo[1]))
    for t in range(s):
        du, dv = shifts[t] - lo
        values[:, t, du:du + h, dv:dv + wd] = xb[:, t]
    return _feature_map(group, values, origin=(-int(lo[0]), -int(lo[1])))


def _feature_map(group: SemidirectProduct, values: np.ndarray, origin=(0, 0)) -> FeatureMap:
    """A FeatureMap from array-level values (C, [S,] H, W); on Z2 the S = 1 axis is dropped."""
    if group.stabiliser.order == 1 and values.ndim == 4:
        values = values[:, 0]
    return FeatureMap(group, values, origin=origin)
