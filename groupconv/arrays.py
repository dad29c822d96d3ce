"""The array level: L_h on fixed-size arrays, rotating and flipping about the array centre.

At this level a feature map is a plain array, (..., C, H, W) on Z^2 or (..., C, S, H, W) on G,
and a point transformation h acts about the centre of the array:

    (L_h f)[t](x) = f[idx(h^-1 h_t)](h^-1 x),      x measured from the array centre,

which for the groups of the paper is ``np.rot90`` / up-down flips of each slice together with a
permutation of the stabiliser axis. Centres of even-sized arrays are half-integers; working in
doubled coordinates 2i - (n - 1) keeps everything integer. Each transformation is one gather of
precomputed indices, in whatever array library the input comes from.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from .backend import indices_like
from .groups import Element, PointGroup, SemidirectProduct

__all__ = ["transform", "point_index", "project"]


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
    array swaps H and W.
    """
    group, index = point_index(h, group)
    xp = array_namespace(x)
    s = group.stabiliser.order if on_group else 1
    if x.ndim < (4 if on_group else 3):
        raise ValueError(f"expected an array of shape (..., C, {'S, ' if on_group else ''}H, W), "
                         f"got shape {tuple(x.shape)}")
    if on_group and x.shape[-3] != s:
        raise ValueError(f"the stabiliser axis of an array on {group.name} must have length {s}, "
                         f"got shape {tuple(x.shape)}")
    height, width = x.shape[-2], x.shape[-1]
    src = transform_indices(group, index, s, height, width, on_group)
    lead = tuple(x.shape[:-3] if on_group else x.shape[:-2])
    flat = xp.reshape(x, lead + (s * height * width,))
    idx = indices_like(src.reshape(-1), x)
    out = xp.take(flat, idx, axis=len(lead))
    return xp.reshape(out, lead + ((s,) if on_group else ()) + src.shape[1:])


@functools.lru_cache(maxsize=256)
def transform_indices(group: SemidirectProduct, index: int, s: int, height: int, width: int,
                      on_group: bool) -> np.ndarray:
    """Flat source indices into (S, H, W) of (L_h f) for h = h_index: shape (S, H', W')."""
    mat = group.stabiliser.matrices[index]
    inv = group.stabiliser.matrices[group.stabiliser.inverse_table[index]]
    new_h, new_w = np.abs(mat) @ np.array([height, width])
    i, j = np.meshgrid(np.arange(new_h), np.arange(new_w), indexing="ij")
    doubled = np.stack([2 * i - (new_h - 1), 2 * j - (new_w - 1)], axis=-1)   # about the centre
    src = np.einsum("ab,...b->...a", inv, doubled)                              # h^-1 x
    si, sj = (src[..., 0] + height - 1) // 2, (src[..., 1] + width - 1) // 2
    if (np.any(si < 0) or np.any(si >= height) or np.any(sj < 0) or np.any(sj >= width)
            or np.any((src[..., 0] + height - 1) % 2) or np.any((src[..., 1] + width - 1) % 2)):
        raise ValueError(f"{group.stabiliser.name} element {index} does not map a {height}x"
                         f"{width} grid onto a grid about its centre")
    spatial = si * width + sj
    if not on_group:
        return spatial[None]
    # new slice t reads old slice idx(h^-1 h_t)
    src_slice = group.stabiliser.cayley[group.stabiliser.inverse_table[index], np.arange(s)]
    out = src_slice[:, None, None] * (height * width) + spatial[None]
    out.flags.writeable = False
    return out


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
