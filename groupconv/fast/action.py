"""The array level: L_h on fixed-size arrays, about the array centre, derived from the one L_g.

At this level a feature map is a plain array, (..., C, H, W) on Z^2 or (..., C, S, H, W) on G,
and a point transformation h acts about the centre of the array:

    (L_h f)[t](x) = f[idx(h^-1 h_t)](h^-1 x),      x measured from the array centre.

This is not a second implementation of L: the array is read as a function with finite support
on the box of its pixels, and ``feature_maps.L`` (exact, about the origin) moves the box and
its values. Where the origin sits does not matter, since moving it moves the box, not the
array; so L applied once to the array of flat indices 1..S H W gives, for every entry of the
transformed array, the entry it is read from. That table is cached (read-only) and every call
is one gather, in whatever array library the input comes from. For p4 and p4m this is
``np.rot90`` and up-down flips of each slice, with a permutation of the stabiliser axis.

On the hexagonal lattice (p3, p3m1, p31m, p6, p6m) an array holds axial coordinates and only
the cells of the hexagon about its centre are valid (``groups.domain_mask``): L_h maps that
hexagon onto itself, exactly, and the cells outside it are set to zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ..caching import cached_arrays
from ..feature_maps import FeatureMap, L
from ..groups import Z2, Element, PointGroup, SemidirectProduct, domain_mask
from .backend import indices_like

__all__ = ["transform", "transform_indices", "point_index", "project"]


def point_index(h: Element, group: SemidirectProduct | None = None) -> tuple[SemidirectProduct,
                                                                            int]:
    """(G, stabiliser index) of a point transformation: an element of G with zero translation,
    or an element of its point group (``group`` then names G)."""
    if isinstance(h, Element) and isinstance(h.group, SemidirectProduct):
        if any(h.group.translation_of(h)):
            raise ValueError(f"array-level transformations act about the array centre: expected "
                             f"an element with zero translation, got {h}")
        return h.group, int(h.group.point_index(h))
    if isinstance(h, Element) and isinstance(h.group, PointGroup):
        if group is None or group.stabiliser != h.group:
            raise ValueError(f"an element of {h.group.name} needs the group it is the stabiliser "
                             f"of (group=...), got {group!r}")
        return group, int(h.group.index(np.array(h.params)))
    raise TypeError(f"expected a group element, got {type(h).__name__}")


def transform(x: Any, h: Element, *, on_group: bool = False,
              group: SemidirectProduct | None = None) -> Any:
    """L_h x about the array centre, for x (..., C, H, W) or, with ``on_group``, (..., C, S, H, W).

    h is a point transformation (see ``point_index``). A 90-degree rotation of a non-square
    array swaps H and W. On the hexagonal lattice, arrays are square of odd side and the cells
    outside the hexagon about the centre are zero in the result.
    """
    group, index = point_index(h, group)
    xp = array_namespace(x)
    if not xp.isdtype(x.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"transform acts on arrays of real numbers (feature maps are real), "
                        f"got {x.dtype}")
    s = group.stabiliser.order if on_group else 1
    if x.ndim < (4 if on_group else 3):
        raise ValueError(f"expected an array of shape (..., C, {'S, ' if on_group else ''}H, W), "
                         f"got shape {tuple(x.shape)}")
    if on_group and x.shape[-3] != s:
        raise ValueError(f"the stabiliser axis of an array on {group.name} must have length {s}, "
                         f"got shape {tuple(x.shape)}")
    height, width = x.shape[-2], x.shape[-1]
    src = transform_indices(group, index, height, width, on_group)
    lead = tuple(x.shape[:-3] if on_group else x.shape[:-2])
    flat = xp.reshape(x, lead + (s * height * width,))
    out = xp.take(flat, indices_like(src.reshape(-1), x), axis=len(lead))
    out = xp.reshape(out, lead + ((s,) if on_group else ()) + src.shape[1:])
    mask = domain_mask(group, height, width)
    if mask is not None:   # the hexagon's cells; the others are zero
        out = xp.where(indices_like(mask, x), out, xp.zeros_like(out))
    return out


@cached_arrays(maxsize=256)
def transform_indices(group: SemidirectProduct, index: int, height: int, width: int,
                      on_group: bool) -> np.ndarray:
    """Flat source indices into (S, H, W) of L_h f, h = h_index: shape (S, H', W') (S = 1 for a
    function on Z^2), computed by ``feature_maps.L`` on the array of indices. On the hexagonal
    lattice the hexagon's cells are permuted and every other cell is its own source."""
    s = group.stabiliser.order if on_group else 1
    labels = np.arange(1, s * height * width + 1, dtype=np.int64)   # 0 will mean "no source"
    h = group.from_parts(index, (0, 0))[()]
    mask = domain_mask(group, height, width)
    if mask is not None:
        return _hexagonal_indices(h, labels.reshape(s, height, width), mask, on_group)
    if s == 1:
        moved = L(h, FeatureMap(Z2, labels.reshape(1, height, width))).values[0][None]
    else:
        moved = L(h, FeatureMap(group, labels.reshape(1, s, height, width))).values[0]
    if moved.size != s * height * width or not np.all(moved):
        raise ValueError(f"{group.stabiliser.name} element {index} does not map a {height}x"
                         f"{width} array onto an array: its image is not a box of pixels")
    return moved - 1


def _hexagonal_indices(h: Element, labels: np.ndarray, mask: np.ndarray, on_group: bool
                       ) -> np.ndarray:
    group = h.group
    inside = np.where(mask, labels, 0)
    r = mask.shape[0] // 2
    if on_group:
        f = FeatureMap(group, inside[None], origin="centre")
    else:
        f = FeatureMap(Z2, inside, origin="centre")
    moved = L(h, f).on_box(((-r, -r), (r, r))).reshape(labels.shape)
    if not np.array_equal(moved != 0, np.broadcast_to(mask, labels.shape)):
        raise ValueError(f"{group.stabiliser.name} element does not map the hexagon onto itself")
    return np.where(moved != 0, moved, labels) - 1


def project(x: Any, reduction: str = "max") -> Any:
    """Projection over the stabiliser (orientations, mirrors, scales: the subgroup H), axis -3
    of (..., C, S, H, W): max, mean or sum. The result is invariant to H's permutations of S."""
    xp = array_namespace(x)
    reductions = {"max": xp.max, "mean": xp.mean, "sum": xp.sum}
    if reduction not in reductions:
        raise ValueError(f"reduction must be one of {tuple(reductions)}, got {reduction!r}")
    if x.ndim < 4:
        raise ValueError(f"expected an array of shape (..., C, S, H, W), got {tuple(x.shape)}")
    return reductions[reduction](x, axis=-3)
