"""The lattice sums read on fixed-size arrays: every entry of an array-level layer's output as
the value of a literal sum at one group element (slow, NumPy, float64; the ground truth of the
fast path at the array level), in any dimension d.

For padding p and a k^d filter, output entry [o, s, i] (i a d-index) is

    correlation   y[o, s, i] = (x * w_o)(T(i + k//2 - p + d_s) h_s)
    convolution   y[o, s, i] = (X ∗ w_o)(T(i + k - 1 - k//2 - p) h_s),
                  where X(T(u + d_t) h_t) = x[t, u].

For odd k, d_s = 0. For even k, a k^d filter rotated about its geometric centre (what the
array level does, as GrouPy does) is the filter transformed by T(d_s) h_s, with the integer
d_s = (h_s (1, ..., 1) - (1, ..., 1)) / 2: slice s of the output sits at a shifted origin.

On the hexagonal lattice (axial coordinates) a kernel is the function on the hexagon of its
k x k array (k odd; ``groups.domain_mask``): the other cells of w are not part of it; nor
are the cells of x and of the output outside the hexagon of their arrays (zero in the output).
"""

from __future__ import annotations

import numpy as np

from ..feature_maps import FeatureMap, _grid
from ..groups import TRANSLATIONS, Kind, SemidirectProduct, domain_mask
from ..groups.wallpaper import check_kernel_side
from ..modes import check_size
from . import lattice

__all__ = ["slice_shifts", "array_correlation"]


def slice_shifts(group: SemidirectProduct, k: int) -> np.ndarray:
    """d_s for every point sample: (S, d) ints, zero for odd k (see the module docstring)."""
    if k % 2:
        return np.zeros((group.samples, group.dim), dtype=np.int64)
    return (group.point_matrices() @ np.ones(group.dim, np.int64) - 1) // 2


def array_correlation(x: np.ndarray, w: np.ndarray, group: SemidirectProduct, p: int,
                      kind: Kind) -> np.ndarray:
    """The array-level lifting correlation, G-correlation or G-convolution (``kind``) of
    x (B, C, S_in, *spatial) with w (O, C, S_in, *k^d) and padding p (S_in = 1 for lifting),
    entry by entry through the literal sums: (B, O, S, *spatial'), float64."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    d = group.dim
    if kind is Kind.LIFTING:
        x, w = x[:, :, 0], w[:, :, 0]
    k = w.shape[-1]
    out_shape = check_size(x.shape[-d:], k, p)
    check_kernel_side(group, k, "array_correlation")
    mask = domain_mask(group, (k,) * d)
    if mask is not None:    # a hexagonal kernel and input: zero outside their hexagons
        w = np.where(mask, w, 0.0)
        x = np.where(domain_mask(group, x.shape[-d:]), x, 0.0)
    plane = TRANSLATIONS[d]
    centre = (k // 2,) * d
    psis = [_feature_map(plane if kind is Kind.LIFTING else group, wo_, centre) for wo_ in w]
    shifts = slice_shifts(group, k)
    # output entry [s, i] is the element T(i + offset_s) h_s (see the module docstring)
    offsets = np.full_like(shifts, k - 1 - k // 2 - p) if kind is Kind.CONVOLUTION \
        else k // 2 - p + shifts
    grid = _grid((tuple(0 for _ in out_shape), tuple(n - 1 for n in out_shape)))
    index = np.arange(len(shifts)).reshape((-1,) + (1,) * d)
    elements = group.from_parts(index, grid[None] + offsets.reshape((-1,) + (1,) * d + (d,)))
    outs = []
    for xb in x:
        if kind is Kind.LIFTING:
            exact = lattice.lifting_correlation(FeatureMap(plane, xb), psis, group)
        elif kind is Kind.CONVOLUTION:
            exact = lattice.group_convolution(_placed(xb, group, shifts), psis)
        else:
            exact = lattice.group_correlation(_feature_map(group, xb), psis)
        outs.append(exact(elements))
    out = np.stack(outs) if outs else np.zeros((0, len(w), len(shifts)) + out_shape)
    return out if mask is None else np.where(domain_mask(group, out_shape), out, 0.0)


def _placed(xb: np.ndarray, group: SemidirectProduct, shifts: np.ndarray) -> FeatureMap:
    """The function X on G with X(T(u + d_t) h_t) = xb[:, t, u]."""
    c, s = xb.shape[:2]
    spatial = xb.shape[2:]
    lo, hi = shifts.min(axis=0), shifts.max(axis=0)
    values = np.zeros((c, s) + tuple(n + b - a for n, a, b in zip(spatial, lo, hi)))
    for t in range(s):
        start = shifts[t] - lo
        values[(slice(None), t) + tuple(slice(a, a + n) for a, n in zip(start, spatial))] = \
            xb[:, t]
    return _feature_map(group, values, tuple(-int(a) for a in lo))


def _feature_map(group: SemidirectProduct, values: np.ndarray, origin: tuple | None = None
                 ) -> FeatureMap:
    """A FeatureMap from array-level values (C, [S,] *spatial); with S = 1 the axis is dropped."""
    if group.samples == 1 and values.ndim == group.dim + 2:
        values = values[:, 0]
    return FeatureMap(group, values, origin=origin)
