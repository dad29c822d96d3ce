"""Functions on Z^d and on G with finite support, exactly: feature maps and the operators L_g.

A feature map f: G -> R^C (G = Z^d x| H; for G = Z^d x| {e} this is a function on the pixel
grid) is stored as its values on a box of translations together with the array index of the
origin:

    values[c, s, i_1, ..., i_d] = f_c(T(i - i0) h_s),        origin = i0 = (i0_1, ..., i0_d),

(layout (C, *spatial) when H is trivial) and f is zero outside the box. Evaluation is defined at
every element of G (zero outside the support, never wrap-around), and

    (L_g f)(x) = f(g^-1 x)

is exact for every g: rotations and mirrors act about the origin of Z^d, and the support box is
carried along with them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .arguments import did_you_mean, real_array
from .groups import Element, ElementArray, SemidirectProduct, get_group
from .groups.core import as_int_array, check_coordinates

__all__ = ["FeatureMap", "L", "pointwise", "relative_error", "restrict", "box_of"]

#: ((lo_1, ..., lo_d), (hi_1, ..., hi_d)): a box of translations, inclusive.
Box = tuple[tuple[int, ...], tuple[int, ...]]


def _check_map(f: Any, what: str) -> None:
    if not isinstance(f, FeatureMap):
        raise TypeError(f"{what} must be a FeatureMap, got {type(f).__name__}")


def _lattice_group(group: Any, what: str) -> SemidirectProduct:
    group = get_group(group)
    if not isinstance(group, SemidirectProduct):
        raise TypeError(f"{what} is a function on a lattice group Z^d x| H (exact integer "
                        f"laws), got {group.name}")
    return group


class FeatureMap:
    """f: G -> R^C with finite support: values on a box of translations, and where 0 lies.

    ``values`` has the layout of docs/conventions.md: (C, *spatial) when H is trivial,
    (C, S, *spatial) otherwise (S = |H|, d = G.dim spatial axes), entry [c, s, i] =
    f_c(T(i - i0) h_s) for ``origin`` = i0. ``origin="centre"`` puts 0 at index
    (n_1 // 2, ..., n_d // 2), the convention for filters.

    Parameters
    ----------
    group : SemidirectProduct or str
        G, a lattice group or its registered name.
    values : array of real numbers
        The values on the box, in the layout above.
    origin : tuple of d ints, or "centre"
        The array index of the origin of Z^d.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4
    >>> from groupconv.feature_maps import FeatureMap, L
    >>> f = FeatureMap(P4, np.arange(36.0).reshape(1, 4, 3, 3), origin="centre")
    >>> f(P4.element(r=1, u=1, v=0)).tolist()
    [16.0]
    >>> L(P4.element(r=1), f).box
    ((-1, -1), (1, 1))
    """

    def __init__(self, group: SemidirectProduct | str, values: Any,
                 origin: tuple[int, ...] | str = None):
        self.group = _lattice_group(group, "a FeatureMap")
        values = real_array(values, "feature-map values")
        if values.dtype.kind in "iu":      # exact sums in int64 (int8's products would wrap)
            if values.size and int(values.max()) > np.iinfo(np.int64).max:
                raise ValueError(f"feature-map values must fit in int64, got "
                                 f"{int(values.max())}")
            values = values.astype(np.int64)
        elif values.dtype.kind == "f" and values.dtype.itemsize < 4:
            values = values.astype(np.float32)   # float16: sums in float32, as the array path's
        s, d = self.group.samples, self.group.dim
        expected = self._layout()
        if values.ndim != d + (1 if s == 1 else 2):
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
        if origin is None:
            origin = (0,) * d
        if isinstance(origin, str):
            if origin != "centre":
                raise ValueError(f"origin must be a tuple of {d} ints or 'centre', "
                                 f"got {origin!r}{did_you_mean(origin, ['centre'])}")
            origin = tuple(n // 2 for n in full.shape[2:])
        if (not isinstance(origin, (tuple, list)) or len(origin) != d
                or any(isinstance(o, bool) or not isinstance(o, (int, np.integer))
                       for o in origin)):
            raise TypeError(f"origin must be a tuple of {d} ints (array indices in axis order), "
                            f"got {origin!r}")
        if any(abs(int(o)) > 2**40 for o in origin):
            raise ValueError(f"origin must lie in -2^40..2^40, got {origin!r}")
        self._full = np.array(full)  # own copy, layout (C, S, *spatial) for every group
        self._full.flags.writeable = False
        self.origin = tuple(int(o) for o in origin)

    def _layout(self) -> str:
        from .groups.spaces import SPATIAL_NAMES

        spatial = ", ".join(SPATIAL_NAMES[self.group.dim])
        s = self.group.samples
        return f"(C, {spatial})" if s == 1 else f"(C, {s}, {spatial})"

    # ------------------------------------------------------------- geometry
    @property
    def values(self) -> np.ndarray:
        """The values in the layout of docs/conventions.md (read-only)."""
        return self._full[:, 0] if self.group.samples == 1 else self._full

    @property
    def channels(self) -> int:
        return self._full.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self._full.dtype

    @property
    def box(self) -> Box:
        """The support box of translations, ((lo_1, ..., lo_d), (hi_1, ..., hi_d)), inclusive."""
        lo = tuple(-o for o in self.origin)
        return lo, tuple(a + n - 1 for a, n in zip(lo, self._full.shape[2:]))

    def support(self) -> ElementArray:
        """Every element T(x) h_s of the support box, shape (S, *spatial)."""
        points = _grid(self.box)
        s = np.arange(self.group.samples).reshape((-1,) + (1,) * self.group.dim)
        return self.group.from_parts(s, points[None])

    def corners(self) -> ElementArray:
        """T(c) h_s for the 2^d corners c of the box and every s: shape (S, 2^d)."""
        c = _box_corner_points(self.box)
        return self.group.from_parts(np.arange(self.group.samples)[:, None], c[None])

    # ----------------------------------------------------------- evaluation
    def __call__(self, g: Element | ElementArray | Any) -> np.ndarray:
        """f(g) for an element or element array of this group: shape (C,) or (C, *g.shape).

        A function on Z^d also takes integer points of shape (..., d). Zero outside the support.
        """
        if isinstance(g, (Element, ElementArray)):
            self.group._check_same(g, f"evaluating a feature map on {self.group.name}")
            return self._at(self.group.point_index(g), self.group.translation_of(g))
        if self.group.samples > 1:
            raise TypeError(f"a feature map on {self.group.name} is evaluated at elements of "
                            f"{self.group.name}, got {type(g).__name__}")
        points = np.asarray(g)
        d = self.group.dim
        if (points.ndim == 0 or points.shape[-1] != d
                or not np.issubdtype(points.dtype, np.integer)):
            raise TypeError(f"a feature map on {self.group.name} is evaluated at elements or at "
                            f"integer points of shape (..., {d}), got {points.dtype} "
                            f"array of shape {points.shape}")
        points = check_coordinates(as_int_array(points, "points"), "points")   # int64: no wrap
        return self._at(np.zeros(points.shape[:-1], np.int64), points)

    def covers(self, g: Element | ElementArray | Any) -> np.ndarray:
        """Whether each element (or integer point, on Z^d) of g lies in the support box: where
        the sums of ``groupconv.literal`` read f (elsewhere f is 0 by definition, and a term
        0 * f(y) with f(y) NaN is not a term of the sum)."""
        t = self.group.translation_of(g) if isinstance(g, (Element, ElementArray)) else \
            check_coordinates(as_int_array(g, "points"), "points")
        if t.ndim == 0 or t.shape[-1] != self.group.dim:
            raise ValueError(f"points must have shape (..., {self.group.dim}) (points of "
                             f"Z^{self.group.dim}), got shape {t.shape}")
        return self._inside(t)[1]

    def _inside(self, t: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The array indices of translations t (..., d), and whether they lie in the box."""
        shape = self._full.shape[2:]
        index = [t[..., a] + o for a, o in enumerate(self.origin)]
        inside = np.ones(np.broadcast_shapes(*(i.shape for i in index)), dtype=bool)
        for i, n in zip(index, shape):
            inside &= (i >= 0) & (i < n)
        return index, inside

    def _at(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Values at T(t) h_s: sample indices s (...), translations t (..., d)."""
        index, inside = self._inside(t)
        safe = tuple(np.where(inside, i, 0) for i in index)
        picked = self._full[(slice(None), s) + safe]
        return np.where(inside, picked, 0).astype(self.dtype, copy=False)

    def on_box(self, box: Box) -> np.ndarray:
        """Values on another box (zero where f has no support): (C, [S,] *spatial')."""
        box = _check_box(box, self.group.dim)
        s = np.arange(self.group.samples).reshape((-1,) + (1,) * self.group.dim)
        out = self._at(s, _grid(box)[None])
        return out[:, 0] if self.group.samples == 1 else out

    def __repr__(self) -> str:
        return (f"FeatureMap({self.group.name}, channels={self.channels}, box={self.box}, "
                f"dtype={self.dtype})")


#: Largest box (in pixels) a feature map is tabulated on: beyond it, a ValueError.
MAX_BOX_PIXELS = 2**26


def _grid(box: Box) -> np.ndarray:
    """Every point of a box, shape (*sides, d), in axis order (a box of at most
    ``MAX_BOX_PIXELS``: the literal sums tabulate their results on it)."""
    lo, hi = _check_box(box, len(box[0]))
    axes = np.meshgrid(*(np.arange(a, b + 1) for a, b in zip(lo, hi)), indexing="ij")
    return np.stack(axes, axis=-1)


def _check_box(box: Any, dim: int) -> Box:
    """A box ((lo...), (hi...)) of d ints each with lo <= hi, of at most MAX_BOX_PIXELS."""
    try:
        lo, hi = box
        lo, hi = tuple(lo), tuple(hi)
    except (TypeError, ValueError):
        raise TypeError(f"a box is ((lo_1, ..., lo_{dim}), (hi_1, ..., hi_{dim})), "
                        f"got {box!r}") from None
    if len(lo) != dim or len(hi) != dim:
        raise ValueError(f"a box in {dim} dimensions has {dim} coordinates per corner, "
                         f"got {box!r}")
    if any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) for c in lo + hi):
        raise TypeError(f"box corners must be ints, got {box!r}")
    if any(abs(int(c)) > 2**40 for c in lo + hi):
        raise ValueError(f"box corners must lie in -2^40..2^40, got {box!r}")
    sides = [int(b) - int(a) + 1 for a, b in zip(lo, hi)]
    if min(sides) < 1:
        raise ValueError(f"a box needs lo <= hi on every axis, got {box!r}")
    if int(np.prod(sides, dtype=object)) > MAX_BOX_PIXELS:
        raise ValueError(f"a box of {' x '.join(map(str, sides))} pixels is larger than the "
                         f"{MAX_BOX_PIXELS} pixels a feature map is tabulated on")
    return tuple(int(a) for a in lo), tuple(int(b) for b in hi)


def box_of(translations: np.ndarray) -> Box:
    """The smallest box holding every translation in an integer array of shape (..., d)."""
    t = as_int_array(translations, "translations")
    if t.ndim == 0 or t.size == 0:
        raise ValueError(f"box_of takes a non-empty array of shape (..., d), got shape {t.shape}")
    t = t.reshape(-1, t.shape[-1])
    lo, hi = t.min(axis=0), t.max(axis=0)
    return tuple(int(a) for a in lo), tuple(int(b) for b in hi)


def _tabulate(group: SemidirectProduct, box: Box, values: np.ndarray) -> FeatureMap:
    """The feature map with the given values (C, S, *spatial) on ``box``."""
    return FeatureMap(group, values if group.samples > 1 else values[:, 0],
                      origin=tuple(-a for a in box[0]))


def L(g: Element, f: FeatureMap) -> FeatureMap:
    """(L_g f)(x) = f(g^-1 x): the left regular representation, exact.

    On functions on Z^d, g may be an element of any lattice group acting on Z^d; on a function
    on G, g must be an element of G (a Z2 translation or a P4 element is embedded in P4M).

    Parameters
    ----------
    g : Element
        A group element.
    f : FeatureMap
        The function it acts on.

    Returns
    -------
    FeatureMap
        L_g f, on the image of f's support box under g.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4, Z2
    >>> from groupconv.feature_maps import FeatureMap, L
    >>> psi = FeatureMap(Z2, np.arange(9.0).reshape(1, 3, 3), origin="centre")
    >>> np.array_equal(L(P4.element(r=1), psi).values, np.rot90(psi.values, 1, axes=(1, 2)))
    True
    """
    if not isinstance(f, FeatureMap):
        raise TypeError(f"L_g acts on a FeatureMap, got {type(f).__name__}")
    if not isinstance(g, Element):
        raise TypeError(f"L_g needs one group element g, got {type(g).__name__}")
    if not isinstance(g.group, SemidirectProduct):
        raise TypeError(f"L_g: g must be an element of a lattice group (Z^d x| H with integer "
                        f"matrices: p4, p4m, P432, ...), got one of {g.group.name}, whose "
                        f"elements move points off the grid (arrays transform under it by "
                        f"interpolation: groupconv.transform)")
    if getattr(g.group, "dim", None) != f.group.dim:
        raise ValueError(f"L_g: an element of {g.group.name} does not act on functions on "
                         f"Z^{f.group.dim}")
    if f.group.samples > 1:
        g = f.group.embed(g)
    g_inv = g.inverse()
    box = box_of(g.act(_box_corner_points(f.box)))  # g maps the support box onto this box
    x = _grid(box)
    if f.group.samples == 1:
        new = f(g_inv.act(x))[:, None]
    else:
        h = np.arange(f.group.samples).reshape((-1,) + (1,) * f.group.dim)
        new = f(g_inv * f.group.from_parts(h, x[None]))
    return _tabulate(f.group, box, new)


def _box_corner_points(box: Box) -> np.ndarray:
    lo, hi = box
    return np.array(list(itertools.product(*zip(lo, hi))), dtype=np.int64)


def pointwise(nu: Callable[[np.ndarray], np.ndarray], f: FeatureMap) -> FeatureMap:
    """(nu f)(g) = nu(f(g)) for a nonlinearity with nu(0) = 0 (so the support stays finite)."""
    _check_map(f, "pointwise: f")
    if not callable(nu):
        raise TypeError(f"pointwise: nu must be a function of an array, got {nu!r}")
    zero = real_array(nu(np.zeros(1, dtype=f.dtype)), "pointwise: nu(0)")
    if zero.shape != (1,) or zero[0] != 0:
        raise ValueError("a pointwise nonlinearity on a finite-support feature map must map 0 "
                         f"to 0, got nu(0) = {zero.ravel()[:1]}")
    values = real_array(nu(f.values), "pointwise: nu(f)")
    if values.shape != f.values.shape:
        raise ValueError(f"pointwise: nu must act entry by entry, keeping the shape "
                         f"{f.values.shape}, got {values.shape}")
    return FeatureMap(f.group, values, origin=f.origin)


def restrict(f: FeatureMap, box: Box) -> FeatureMap:
    """f on ``box`` only (zero elsewhere): the fixed window of an array-level computation."""
    _check_map(f, "restrict: f")
    box = _check_box(box, f.group.dim)
    return FeatureMap(f.group, f.on_box(box), origin=tuple(-a for a in box[0]))


def relative_error(f: FeatureMap, g: FeatureMap, scale: float | None = None) -> float:
    """max |f - g| / scale over the union of the two supports (0 when f = g = 0).

    Parameters
    ----------
    f, g : FeatureMap
        Two functions on one group, of as many channels; outside its support each is 0.
    scale : float, optional
        Defaults to max(|f|, |g|). For a correlation, pass the largest value the sum could
        take, max|input| * ||filter||_1, which is what float rounding is proportional to.

    Returns
    -------
    float
        The relative error.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import Z2
    >>> from groupconv.feature_maps import FeatureMap, relative_error
    >>> f = FeatureMap(Z2, np.ones((1, 2, 2)))
    >>> g = FeatureMap(Z2, np.ones((1, 2, 2)), origin=(1, 0))      # moved one row down
    >>> print(relative_error(f, f), relative_error(f, g))
    0.0 1.0
    """
    if not isinstance(f, FeatureMap) or not isinstance(g, FeatureMap):
        raise TypeError("relative_error compares two FeatureMaps")
    if f.group != g.group or f.channels != g.channels:
        raise ValueError(f"cannot compare a {f.channels}-channel map on {f.group.name} with a "
                         f"{g.channels}-channel map on {g.group.name}")
    if scale is not None and (isinstance(scale, (bool, np.bool_)) or
                              not isinstance(scale, (int, float, np.integer, np.floating))
                              or not 0 < scale < np.inf):
        raise ValueError(f"relative_error: scale must be a positive finite number, got {scale!r}")
    box = box_of(np.array([f.box[0], f.box[1], g.box[0], g.box[1]]))
    values = f.channels * f.group.samples * math.prod(h - l + 1 for l, h in zip(*box))
    if values > MAX_BOX_PIXELS:                # (the two maps, tabulated on the union box)
        raise ValueError(f"relative_error: the union of the supports holds {values} values, "
                         f"more than {MAX_BOX_PIXELS}: compare the maps on a smaller box "
                         f"(restrict)")
    a, b = f.on_box(box), g.on_box(box)
    kind = object if a.dtype.kind == b.dtype.kind == "i" else np.float64   # integers exactly
    a, b = a.astype(kind), b.astype(kind)      # (float64 would round them beyond 2^53)
    diff = float(np.abs(a - b).max())
    if scale is None:
        scale = float(max(np.abs(a).max(initial=0), np.abs(b).max(initial=0)))
    return 0.0 if diff == 0 else diff / scale
