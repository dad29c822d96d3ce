"""Functions on Z^2 and on G with finite support, exactly: feature maps and the operators L_g.

A feature map f: G -> R^C (G = Z^2 x| H; for G = Z2 this is a function on the pixel grid) is
stored as its values on a box of translations together with the array index of the origin:

    values[c, s, i, j] = f_c(T(i - i0, j - j0) h_s),        origin = (i0, j0),

(layout (C, H, W) when H is trivial, i.e. on Z2) and f is zero outside the box. Evaluation is
defined at every element of G (zero outside the support, never wrap-around), and

    (L_g f)(x) = f(g^-1 x)

is exact for every g: rotations and mirrors act about the origin of Z^2, and the support box is
carried along with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .groups import Element, ElementArray, SemidirectProduct, get_group
from .groups.core import as_int_array

__all__ = ["FeatureMap", "L", "pointwise", "relative_error", "restrict", "box_of"]

Box = tuple[tuple[int, int], tuple[int, int]]  # ((u_min, v_min), (u_max, v_max)), inclusive


def _check_values(values: Any, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{what} must be real numbers (integer or float), got {arr.dtype}")
    return arr


class FeatureMap:
    """f: G -> R^C with finite support: values on a box of translations, and where 0 lies.

    ``values`` has the layout of docs/conventions.md: (C, H, W) on Z2, (C, S, H, W) on a group with
    S = |H| > 1, entry [c, s, i, j] = f_c(T(i - i0, j - j0) h_s) for ``origin`` = (i0, j0).
    ``origin="centre"`` puts 0 at index (H // 2, W // 2), the convention for filters.
    """

    def __init__(self, group: SemidirectProduct | str, values: Any,
                 origin: tuple[int, int] | str = (0, 0)):
        self.group = get_group(group)
        values = _check_values(values, "feature-map values")
        s = self.group.stabiliser.order
        expected = "(C, H, W)" if s == 1 else f"(C, {s}, H, W)"
        if values.ndim != (3 if s == 1 else 4):
            raise ValueError(f"values of a feature map on {self.group.name} must have shape "
                             f"{expected}, got shape {values.shape}")
        if s > 1 and values.shape[1] != s:
            raise ValueError(f"values of a feature map on {self.group.name} must have shape "
                             f"{expected} (S = |{self.group.stabiliser.name}| = {s}), "
                             f"got shape {values.shape}")
        if 0 in values.shape:
            raise ValueError(f"a feature map needs at least one channel and one pixel, "
                             f"got values of shape {values.shape}")
        full = values if s > 1 else values[:, None]
        if isinstance(origin, str):
            if origin != "centre":
                raise ValueError(f"origin must be a pair of ints or 'centre', got {origin!r}")
            origin = (full.shape[-2] // 2, full.shape[-1] // 2)
        if (len(origin) != 2 or any(isinstance(o, bool) or not isinstance(o, (int, np.integer))
                                    for o in origin)):
            raise TypeError(f"origin must be a pair of ints (row, col), got {origin!r}")
        self._full = np.array(full)  # own copy, layout (C, S, H, W) for every group
        self._full.flags.writeable = False
        self.origin = (int(origin[0]), int(origin[1]))

    # ------------------------------------------------------------- geometry
    @property
    def values(self) -> np.ndarray:
        """The values in the layout of docs/conventions.md (read-only)."""
        return self._full[:, 0] if self.group.stabiliser.order == 1 else self._full

    @property
    def channels(self) -> int:
        return self._full.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self._full.dtype

    @property
    def box(self) -> Box:
        """The support box of translations, ((u_min, v_min), (u_max, v_max)), inclusive."""
        h, w = self._full.shape[-2:]
        lo = (-self.origin[0], -self.origin[1])
        return lo, (lo[0] + h - 1, lo[1] + w - 1)

    def support(self) -> ElementArray:
        """Every element T(x) h_s of the support box, shape (S, H, W)."""
        (u0, v0), (u1, v1) = self.box
        uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1), indexing="ij")
        s = np.arange(self.group.stabiliser.order)[:, None, None]
        return self.group.from_parts(s, np.stack([uu, vv], axis=-1)[None])

    def corners(self) -> ElementArray:
        """T(c) h_s for the 4 corners c of the box and every s: shape (S, 4)."""
        (u0, v0), (u1, v1) = self.box
        c = np.array([[u0, v0], [u0, v1], [u1, v0], [u1, v1]])
        return self.group.from_parts(np.arange(self.group.stabiliser.order)[:, None], c[None])

    # ----------------------------------------------------------- evaluation
    def __call__(self, g: Element | ElementArray | Any) -> np.ndarray:
        """f(g) for an element or element array of this group: shape (C,) or (C, *g.shape).

        A function on Z2 also takes integer points of shape (..., 2). Zero outside the support.
        """
        if isinstance(g, (Element, ElementArray)):
            self.group._check_same(g, f"evaluating a feature map on {self.group.name}")
            return self._at(self.group.point_index(g), self.group.translation_of(g))
        if self.group.stabiliser.order > 1:
            raise TypeError(f"a feature map on {self.group.name} is evaluated at elements of "
                            f"{self.group.name}, got {type(g).__name__}")
        points = np.asarray(g)
        if (points.ndim == 0 or points.shape[-1] != 2
                or not np.issubdtype(points.dtype, np.integer)):
            raise TypeError(f"a feature map on {self.group.name} is evaluated at elements or at "
                            f"integer points of shape (..., 2), got {points.dtype} "
                            f"array of shape {points.shape}")
        return self._at(np.zeros(points.shape[:-1], np.int64), points)

    def _at(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Values at T(t) h_s: stabiliser indices s (...), translations t (..., 2)."""
        h, w = self._full.shape[-2:]
        i = t[..., 0] + self.origin[0]
        j = t[..., 1] + self.origin[1]
        inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)
        picked = self._full[:, s, np.where(inside, i, 0), np.where(inside, j, 0)]
        return np.where(inside, picked, 0).astype(self.dtype, copy=False)

    def on_box(self, box: Box) -> np.ndarray:
        """Values on another box (zero where f has no support): (C, [S,] H', W')."""
        (u0, v0), (u1, v1) = _check_box(box)
        uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1), indexing="ij")
        s = np.arange(self.group.stabiliser.order)[:, None, None]
        out = self._at(s, np.stack([uu, vv], axis=-1)[None])
        return out[:, 0] if self.group.stabiliser.order == 1 else out

    def __repr__(self) -> str:
        return (f"FeatureMap({self.group.name}, channels={self.channels}, box={self.box}, "
                f"dtype={self.dtype})")


#: Largest box (in pixels) a feature map is tabulated on: beyond it, a ValueError.
MAX_BOX_PIXELS = 2**26


def _check_box(box: Any) -> Box:
    """A box ((u0, v0), (u1, v1)) of ints with u0 <= u1, v0 <= v1, of at most MAX_BOX_PIXELS."""
    try:
        (u0, v0), (u1, v1) = box
    except (TypeError, ValueError):
        raise TypeError(f"a box is ((u_min, v_min), (u_max, v_max)), got {box!r}") from None
    if any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) for c in (u0, v0, u1, v1)):
        raise TypeError(f"box corners must be ints, got {box!r}")
    rows, cols = int(u1) - int(u0) + 1, int(v1) - int(v0) + 1
    if rows < 1 or cols < 1:
        raise ValueError(f"a box needs u_min <= u_max and v_min <= v_max, got {box!r}")
    if rows * cols > MAX_BOX_PIXELS:
        raise ValueError(f"a box of {rows} x {cols} pixels is larger than the "
                         f"{MAX_BOX_PIXELS} pixels a feature map is tabulated on")
    return (int(u0), int(v0)), (int(u1), int(v1))


def box_of(translations: np.ndarray) -> Box:
    """The smallest box holding every translation in an integer array of shape (..., 2)."""
    t = as_int_array(translations, "translations")
    if t.ndim == 0 or t.shape[-1] != 2 or t.size == 0:
        raise ValueError(f"box_of takes a non-empty array of shape (..., 2), got shape {t.shape}")
    t = t.reshape(-1, 2)
    lo, hi = t.min(axis=0), t.max(axis=0)
    return (int(lo[0]), int(lo[1])), (int(hi[0]), int(hi[1]))


def _tabulate(group: SemidirectProduct, box: Box, values: np.ndarray) -> FeatureMap:
    """The feature map with the given values (C, S, H, W) on ``box``."""
    s = group.stabiliser.order
    (u0, v0), _ = box
    return FeatureMap(group, values if s > 1 else values[:, 0], origin=(-u0, -v0))


def L(g: Element, f: FeatureMap) -> FeatureMap:
    """(L_g f)(x) = f(g^-1 x): the left regular representation, exact.

    On Z2 functions g may be an element of any lattice group (it acts on Z^2); on a function
    on G, g must be an element of G (a Z2 translation or a P4 element is embedded in P4M).
    """
    if not isinstance(f, FeatureMap):
        raise TypeError(f"L_g acts on a FeatureMap, got {type(f).__name__}")
    if not isinstance(g, Element):
        raise TypeError(f"L_g needs one group element g, got {type(g).__name__}")
    if f.group.stabiliser.order > 1:
        g = f.group.embed(g)
    g_inv = g.inverse()
    box = box_of(g.act(_box_corner_points(f.box)))  # g maps the support box onto this box
    (u0, v0), (u1, v1) = box
    uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1), indexing="ij")
    x = np.stack([uu, vv], axis=-1)
    if f.group.stabiliser.order == 1:
        new = f(g_inv.act(x))[:, None]
    else:
        h = np.arange(f.group.stabiliser.order)[:, None, None]
        new = f(g_inv * f.group.from_parts(h, x[None]))
    return _tabulate(f.group, box, new)


def _box_corner_points(box: Box) -> np.ndarray:
    (u0, v0), (u1, v1) = box
    return np.array([[u0, v0], [u0, v1], [u1, v0], [u1, v1]], dtype=np.int64)


def pointwise(nu: Callable[[np.ndarray], np.ndarray], f: FeatureMap) -> FeatureMap:
    """(nu f)(g) = nu(f(g)) for a nonlinearity with nu(0) = 0 (so the support stays finite)."""
    zero = np.asarray(nu(np.zeros(1, dtype=f.dtype)))
    if zero.shape != (1,) or zero[0] != 0:
        raise ValueError("a pointwise nonlinearity on a finite-support feature map must map 0 "
                         f"to 0, got nu(0) = {zero.ravel()[:1]}")
    return FeatureMap(f.group, nu(f.values), origin=f.origin)


def restrict(f: FeatureMap, box: Box) -> FeatureMap:
    """f on ``box`` only (zero elsewhere): the fixed window of an array-level computation."""
    (u0, v0), _ = _check_box(box)
    return FeatureMap(f.group, f.on_box(box), origin=(-u0, -v0))


def relative_error(f: FeatureMap, g: FeatureMap, scale: float | None = None) -> float:
    """max |f - g| / scale over the union of the two supports (0 when f = g = 0).

    ``scale`` defaults to max(|f|, |g|); for a correlation pass the largest value the sum could
    take, max|input| * ||filter||_1, which is what float rounding is proportional to.
    """
    if not isinstance(f, FeatureMap) or not isinstance(g, FeatureMap):
        raise TypeError("relative_error compares two FeatureMaps")
    if f.group != g.group or f.channels != g.channels:
        raise ValueError(f"cannot compare a {f.channels}-channel map on {f.group.name} with a "
                         f"{g.channels}-channel map on {g.group.name}")
    box = box_of(np.array([f.box, g.box]))
    a, b = f.on_box(box).astype(np.float64), g.on_box(box).astype(np.float64)
    diff = float(np.abs(a - b).max())
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float))
                              or not 0 < scale < np.inf):
        raise ValueError(f"relative_error: scale must be a positive finite number, got {scale!r}")
    if scale is None:
        scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return 0.0 if diff == 0 else diff / scale
