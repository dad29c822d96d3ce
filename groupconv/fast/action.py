"""The array level: L_h on fixed-size arrays, about the array centre, for every group and every d.

At this level a feature map is a plain array in a ``Space``: (..., C, *spatial) on Z^d, or
(..., C, S, *spatial) on G, and a point sample h = h_s acts about the centre of the array:

    (L_h f)[t](x) = f[idx(h^-1 h_t)](h^-1 x),      x measured from the array centre.

The two parts come from their one place each. The point axis is permuted by the group law
(``G.relative``: idx(h_s^-1 h_t); a truncated axis, as the scale group's, lets values fall off
its end and brings zeros in). The pixels move by the exact L_g of ``feature_maps``: the array is
read as a function with finite support on the box of its pixels, and ``feature_maps.L`` (exact,
about the origin) moves the box and its values. Where the origin sits does not matter, since
moving it moves the box, not the array; so L applied once to the array of flat indices
1..prod(shape) gives, for every entry of the transformed array, the entry it is read from. That
table is cached (read-only) and every call is one gather, in whatever array library the input
comes from. For p4 and p4m this is ``np.rot90`` and up-down flips of each slice, with a
permutation of the point axis; for the cube's groups, the 24 (48) rotations (and reflections)
of a volume. A Dask array moves on the square and cubic lattices by that transpose of its axes
and flips (the same result, chunk by chunk: a gather would build a flat index as large as the
volume and merge its chunks).

The samples whose matrix maps the pixel grid onto itself (``G.exact_samples()``: every sample of
a lattice group; the quarter turns of SE(2)_N) act exactly. The others (SE(2)_N at other angles,
the scales) act only through bilinear interpolation, approximately: ``transform`` refuses them
unless asked to interpolate, which is what the checkers do to *measure* equivariance there.

On the hexagonal lattice (p3, p3m1, p31m, p6, p6m) an array holds axial coordinates and only
the cells of the hexagon about its centre are valid (``groups.domain_mask``): L_h maps that
hexagon onto itself, exactly, and the cells outside it are set to zero.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from array_api_compat import is_dask_array

from ..arguments import choice, counted, flag, plain_array
from ..caching import cached_arrays
from ..feature_maps import FeatureMap, L
from ..groups import (
    TRANSLATIONS, AffineGroup, Element, PointGroup, SemidirectProduct, Space, domain_mask,
)
from .backend import namespace, on_device
from .interpolation import image_tables
from .validation import as_array, as_float

__all__ = ["transform", "transform_indices", "sample_of", "project"]


def _check_real(xp, x: Any, op: str) -> None:
    """Feature maps are real: float, integer or boolean arrays (dense: ``plain_array``); a
    TypeError otherwise."""
    plain_array(x, f"{op}: x")
    try:
        real = xp.isdtype(x.dtype, ("real floating", "integral", "bool"))
    except (TypeError, ValueError):
        real = False
    if not real:
        raise TypeError(f"{op} acts on arrays of real numbers (feature maps are real), got "
                        f"{x.dtype}")


def sample_of(h: Element, group: AffineGroup | None = None) -> tuple[AffineGroup, int]:
    """(G, s) of a point sample h = h_s: an element of G with zero translation, or an element
    of its point group (``group`` then names G)."""
    if isinstance(h, Element) and isinstance(h.group, AffineGroup):
        if np.any(h.group.translation_of(h)):
            raise ValueError(f"h: array-level transformations act about the array centre: "
                             f"expected an element with zero translation, got {h}")
        try:
            s = int(h.group.point_index(h))
        except ValueError:
            s = -1
        if not 0 <= s < h.group.samples:
            raise ValueError(f"h: {h} is not one of the {h.group.samples} point samples of "
                             f"{h.group.name}: an array holds only those")
        return h.group, s
    if isinstance(h, Element) and isinstance(h.group, PointGroup):
        if not isinstance(group, SemidirectProduct) or group.stabiliser != h.group:
            raise ValueError(f"an element of {h.group.name} needs the group it is the stabiliser "
                             f"of: give the space, transform(x, h, Space.on_plane(G)) (or "
                             f"on_group), got " + ("none" if group is None else
                                                    f"a space of {group.name}"))
        return group, int(h.group.index(np.array(h.params)))
    raise TypeError(f"h must be a group element (G.element(...), one at a time), got "
                    f"{type(h).__name__}")


def transform(x: Any, h: Element, space: Space | None = None, *,
              interpolate: bool = False) -> Any:
    """L_h x about the array centre.

    Parameters
    ----------
    x : array
        Real values in ``space``'s layout, in any array library.
    h : Element
        A point sample of G (zero translation), or an element of its point group.
    space : Space, optional
        Where x lives (default: the plane Z^d of h's group). A point axis is permuted by the
        group law; a quarter turn of a non-square array swaps its axes.
    interpolate : bool
        Allow samples that do not map the pixel grid onto itself (SE(2)_N at angles other than
        multiples of 90 degrees, the scales): their pixels move by bilinear interpolation, zero
        outside the array, approximately. Without it they are a ValueError.

    Returns
    -------
    array
        L_h x, in x's library.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import P4
    >>> from groupconv.fast import transform
    >>> from groupconv.groups import Space
    >>> x = np.arange(8.0).reshape(1, 2, 2, 2)[:, :, :, :]
    >>> r = P4.element(r=1)
    >>> np.array_equal(transform(x[0], r), np.rot90(x[0], 1, axes=(-2, -1)))
    True
    """
    if space is not None and not isinstance(space, Space):
        raise TypeError(f"space must be a groupconv Space (Space.on_plane(G), "
                        f"Space.on_group(G)), got {space!r}")
    try:
        group, s = sample_of(h, None if space is None else space.group)
    except (TypeError, ValueError) as error:
        raise type(error)(f"transform: {error}") from None
    x = as_array(x)
    if space is None:
        space = Space.on_plane(group)
    if space.group != group:
        raise ValueError(f"space: h is an element of {group.name}, but the space is "
                         f"{space!r}")
    interpolate = flag(interpolate, "interpolate")
    xp = namespace(x, op="transform")
    _check_real(xp, x, "transform")
    if is_dask_array(x) and any(math.isnan(c) for sizes in x.chunks for c in sizes):
        raise ValueError(f"transform: the Dask array x has chunks of unknown size (shape "
                         f"{tuple(x.shape)}, after a boolean selection?): call "
                         f"x.compute_chunk_sizes() first")
    core = space.core
    if x.ndim < core + 1 or (space.point_axis and x.shape[-core] != group.samples):
        raise ValueError(f"transform: x must have shape {space.layout()}, got shape "
                         f"{tuple(x.shape)}")
    exact = s in set(group.exact_samples().tolist())
    if not exact and not interpolate:
        raise ValueError(f"the sample {s} of {group.name} does not map the pixel grid onto "
                         f"itself: it acts only through interpolation (interpolate=True)")
    shape = tuple(x.shape[x.ndim - space.dim:])
    lead = tuple(x.shape[:x.ndim - core])
    samples = space.samples
    axes = _axes_moved(group, s, len(shape)) if exact and space.spatial and is_dask_array(x) \
        and domain_mask(group, shape) is None else None
    if axes is not None:
        # Dask: the pixels by flips and a transpose of the spatial axes, chunk by chunk (one
        # gather through a flat index of the volume would build that index, 8 bytes a voxel,
        # and merge every chunk into one); then the point axis by the law
        order, flips = axes
        base = x.ndim - len(shape)
        out = xp.permute_dims(x, tuple(range(base)) + tuple(base + i for i in order))
        if flips:
            out = xp.flip(out, axis=tuple(base + i for i in flips))
        if space.point_axis:
            rel = np.asarray(group.relative(s, np.arange(samples)), dtype=np.int64)
            out = _take(xp, out, rel.reshape(-1), x.ndim - core, x)
        return out
    if exact or not space.spatial:
        src = transform_indices(group, s, shape, space.point_axis, space.spatial)
        flat = xp.reshape(x, lead + (samples * math.prod(shape),))
        out = _take(xp, flat, src.reshape(-1), len(lead), x)
        out = xp.reshape(out, lead + src.shape)
    else:               # weighted sums of neighbours: in floating point (integers as float64)
        out = _interpolated(xp, as_float(x, "transform: x"), group, s, space, lead, shape)
    if not space.point_axis:
        out = xp.reshape(out, lead + tuple(out.shape[len(lead) + 1:]))
    mask = domain_mask(group, shape) if space.spatial else None
    if mask is not None:   # the hexagon's cells; the others are zero
        out = xp.where(on_device(mask, x), out, xp.zeros_like(out))
    return out


def _take(xp, flat, src: np.ndarray, axis: int, like) -> Any:
    """flat[..., src] along ``axis``, zero where src is -1 (nothing comes from there)."""
    missing = src < 0
    if not missing.any():
        return xp.take(flat, on_device(src, like), axis=axis)
    picked = xp.take(flat, on_device(np.where(missing, 0, src), like), axis=axis)
    keep = (~missing).reshape(missing.shape + (1,) * (flat.ndim - axis - 1))
    return xp.where(on_device(keep, like), picked, xp.zeros_like(picked))


def _axes_moved(group: AffineGroup, s: int, d: int) -> tuple[tuple[int, ...], tuple[int, ...]
                                                             ] | None:
    """For a sample whose matrix M is a signed permutation (square and cubic lattices), the
    spatial axes as L_{h_s} moves them: output axis i is input axis order[i], reversed for i in
    ``flips`` (the rows of M with a -1); None for any other matrix (the hexagonal lattice)."""
    m = np.asarray(np.rint(group.point_matrices()[s]), dtype=np.int64)
    order = tuple(int(i) for i in np.argmax(np.abs(m), axis=1))
    if sorted(order) != list(range(d)) or np.count_nonzero(m) != d or \
            np.any(np.abs(m[np.arange(d), order]) != 1):
        return None
    return order, tuple(i for i in range(d) if m[i, order[i]] < 0)


@cached_arrays(maxsize=512)
def transform_indices(group: AffineGroup, s: int, shape: tuple[int, ...], point_axis: bool,
                      spatial: bool = True) -> np.ndarray:
    """Flat source indices into (S, *shape) of L_{h_s} f: shape (S, *shape') (S = 1 without a
    point axis), -1 where the value comes from outside (a truncated point axis). The pixels by
    ``feature_maps.L``, the point axis by ``group.relative``."""
    size = math.prod(shape) if spatial else 1
    pixels = _pixel_sources(group, s, shape) if spatial else np.zeros((), np.int64)
    if not point_axis:
        return pixels[None]
    t = np.arange(group.samples)
    rel = np.asarray(group.relative(s, t)).reshape((-1,) + (1,) * pixels.ndim)
    return np.where(rel >= 0, rel * size + pixels[None], -1)


@cached_arrays(maxsize=512)
def _pixel_sources(group: AffineGroup, s: int, shape: tuple[int, ...]) -> np.ndarray:
    """Flat sources of every pixel of L_{h_s} on an array of ``shape`` (exact samples only),
    computed by the one L_g on the array of labels 1..prod(shape)."""
    d = len(shape)
    matrix = np.asarray(np.rint(group.point_matrices()[s]), dtype=np.int64)
    h = _as_lattice_element(matrix.tobytes(), d)
    labels = np.arange(1, math.prod(shape) + 1, dtype=np.int64).reshape(shape)
    plane = TRANSLATIONS[d]
    mask = domain_mask(group, shape)
    if mask is not None:   # the hexagon's cells are permuted; every other cell is its own source
        r = shape[0] // 2
        moved = L(h, FeatureMap(plane, np.where(mask, labels, 0)[None], origin="centre"))
        moved = moved.on_box(((-r, -r), (r, r)))[0]
        if not np.array_equal(moved != 0, mask):
            raise ValueError(f"the sample {s} of {group.name} does not map the hexagon onto "
                             f"itself")
        return np.where(moved != 0, moved, labels) - 1
    moved = L(h, FeatureMap(plane, labels[None])).values[0]
    if moved.size != labels.size or not np.all(moved):
        raise ValueError(f"the sample {s} of {group.name} does not map a "
                         f"{'x'.join(map(str, shape))} array onto an array: its image is not a "
                         f"box of pixels")
    return moved - 1


def _as_lattice_element(matrix_bytes: bytes, d: int) -> Element:
    """The point transformation with this integer matrix, as an element of a lattice group
    (the cyclic group it generates), so that the one L_g moves the pixels."""
    matrix = np.frombuffer(matrix_bytes, dtype=np.int64).reshape(d, d)
    return _cyclic(matrix_bytes, d).from_parts(1 if not np.array_equal(matrix, np.eye(d)) else 0,
                                                np.zeros(d, np.int64))[()]


@functools.lru_cache(maxsize=256)
def _cyclic(matrix_bytes: bytes, d: int) -> SemidirectProduct:
    """Z^d x| <h> for the integer matrix h (a cache of immutable groups)."""
    matrix = np.frombuffer(matrix_bytes, dtype=np.int64).reshape(d, d)
    return SemidirectProduct(PointGroup("<h>", {"h": matrix}))


def _interpolated(xp, x, group: AffineGroup, s: int, space: Space, lead: tuple,
                  shape: tuple[int, ...]) -> Any:
    """L_{h_s} by bilinear interpolation of every slice (2D), and the point axis by the law."""
    if len(shape) != 2:
        raise ValueError(f"interpolated transformations are written for the plane, got "
                         f"{counted(len(shape), 'spatial axis', 'spatial axes')}")
    indices, weights = image_tables(group.point_matrices()[s], shape)
    samples = space.samples
    flat = xp.reshape(x, lead + (samples, math.prod(shape)))
    picked = xp.take(flat, on_device(indices.reshape(-1), x), axis=len(lead) + 1)
    picked = xp.reshape(picked, lead + (samples,) + indices.shape)
    taps = on_device(weights, x, x.dtype)
    # a tap of weight 0 (outside the array, or off the point) reads nothing, NaN included
    out = xp.sum(xp.where(taps != 0, picked * taps, xp.zeros_like(taps)), axis=-1)
    out = xp.reshape(out, lead + (samples,) + shape)
    if not space.point_axis:
        return out
    src = transform_indices(group, s, (), True, False).reshape(-1)
    moved = _take(xp, xp.reshape(out, lead + (samples, math.prod(shape))), src, len(lead), x)
    return xp.reshape(moved, lead + (samples,) + shape)


def project(x: Any, space: Space, reduction: str = "max") -> Any:
    """Projection over the point axis (orientations, mirrors, scales) of an array in ``space``:
    max, mean or sum over S. The result lives on the plane (or is invariant, without spatial
    axes) and does not change under the point axis's permutations."""
    x = as_array(x)
    xp = namespace(x, op="project")
    reductions = {"max": xp.max, "mean": xp.mean, "sum": xp.sum}
    choice(reduction, "reduction", tuple(reductions))
    _check_real(xp, x, "project")
    if not isinstance(space, Space):
        raise TypeError(f"project: space must be a Space (Space.on_group(group), say), got "
                        f"{type(space).__name__} {space!r}")
    if not space.point_axis:
        raise ValueError(f"project needs a space with a point axis, got {space!r}")
    if x.ndim < space.core + 1 or x.shape[x.ndim - space.core] != space.samples:
        raise ValueError(f"project: x must have shape {space.layout()}, got "
                         f"{tuple(x.shape)}")
    return reductions[reduction](x, axis=x.ndim - space.core)
