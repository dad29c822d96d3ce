"""Bilinear interpolation on the pixel grid: rotating and scaling kernels and images.

The groups of the lecture (SE(2) with N orientations, scales) transform the plane by maps that
do not send pixels to pixels. A function f known on the grid is extended to the plane by
bilinear interpolation, f~, and a transformed copy is sampled back on the grid:

    (L_A f)(x) = f~(A^-1 x),       x measured from the array centre,

zero where A^-1 x falls outside the array. Rotations by multiples of 90 degrees, whose cosines
and sines are computed exactly (no 6e-17), send grid points to grid points: their operators are
exact permutations. One routine computes the four neighbours and weights of the sample points;
kernels use it as a dense (k^2, k^2) matrix (``transform_operator``), images as a gather
(``transform_image``). The filter banks of the sampled groups (SE(2)_N, the scale group) are
stacks of such matrices, one per point sample (``kernel_operators``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import flag, integer, number, real_array
from ..caching import cached_arrays
from ..groups import AffineGroup
from ..groups.sampled import rotation_matrix
from .backend import to_numpy
from .validation import as_float

__all__ = ["bilinear_weights", "transform_operator", "image_tables", "transform_image",
           "rotate_image",
           "scale_image", "disk", "disk_mask", "kernel_operators"]

_SNAP = 1e-12  # sample points this close to a grid point are taken as that grid point

#: The largest grid (in pixels) an image table or a disk is computed for: beyond, a ValueError
#: before anything is allocated.
MAX_PIXELS = 2**26
#: The most memory the operators of one filter bank (``kernel_operators``) may take, in bytes.
MAX_OPERATOR_BYTES = 2**30


def _shape(shape: Any, what: str = "shape") -> tuple[int, int]:
    """(h, w): two positive ints of at most ``MAX_PIXELS`` pixels together."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"{what} must be a pair (h, w) of positive ints, got {shape!r}")
    h, w = (integer(n, f"{what}[{i}]") for i, n in enumerate(shape))
    if h * w > MAX_PIXELS:
        raise ValueError(f"{what} {h} x {w} has more than {MAX_PIXELS} pixels")
    return h, w


def _linear_map(matrix: Any) -> np.ndarray:
    """A real, finite, invertible 2 x 2 matrix, as float64."""
    a = real_array(matrix, "matrix")
    if a.shape != (2, 2):
        raise ValueError(f"matrix must be a 2 x 2 linear map, got shape {a.shape}")
    a = a.astype(np.float64)
    scale = max(1.0, float(np.abs(a).max())) if np.all(np.isfinite(a)) else np.inf
    # det(a / scale) = det(a) / scale^2, without squaring an entry of 1e155 (an overflow)
    if not np.isfinite(scale) or not abs(np.linalg.det(a / scale)) > 1e-12:
        raise ValueError(f"matrix must be finite and invertible, got {a.tolist()}")
    return a


def disk(size: int, radius: float) -> np.ndarray:
    """The pixels of a size x size array within ``radius`` of its centre (boolean)."""
    size = _shape((size, size), "size")[0]
    radius = min(number(radius, "radius", 0), float(size))   # beyond: every pixel (no 1e400)
    c = np.arange(size) - (size - 1) / 2
    return c[:, None] ** 2 + c[None, :] ** 2 <= radius**2 + 1e-9


def disk_mask(k: int) -> np.ndarray:
    """The k x k pixels within distance (k - 1) / 2 of the centre, ``disk(k, (k - 1) / 2)``: a
    rotation by any angle maps the disk into itself, so masked kernels lose nothing at the
    corners."""
    return disk(k, (k - 1) / 2)


def bilinear_weights(points: np.ndarray, shape: tuple[int, int]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (N, 4) and weights (N, 4) of f~ at points (N, 2) in array coordinates:
    f~(p) = sum_n weights[p, n] f.flat[indices[p, n]]. Outside the array f is 0, so f~ fades
    linearly to 0 over the step beyond the border (its support is the open square (-1, h) x
    (-1, w)); points that are not finite read nothing."""
    h, w = _shape(shape)
    points = real_array(points, "points")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got shape {points.shape}")
    # f~ is 0 beyond one step outside the array: farther points read nothing (and stay finite)
    points = np.clip(np.nan_to_num(points.astype(np.float64), nan=-2.0), -2.0,
                     np.array([h + 1.0, w + 1.0]))
    pts = np.where(np.abs(points - np.round(points)) < _SNAP, np.round(points), points)
    lo = np.floor(pts).astype(np.int64)
    frac = pts - lo
    indices, weights = [], []
    for du, dv in ((0, 0), (0, 1), (1, 0), (1, 1)):
        i, j = lo[:, 0] + du, lo[:, 1] + dv
        wt = (frac[:, 0] if du else 1 - frac[:, 0]) * (frac[:, 1] if dv else 1 - frac[:, 1])
        inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)
        indices.append(np.where(inside, i * w + j, 0))
        weights.append(np.where(inside, wt, 0.0))
    return np.stack(indices, axis=1), np.stack(weights, axis=1)


def _sample_points(inverse: np.ndarray, shape: tuple[int, int],
                   out_shape: tuple[int, int]) -> np.ndarray:
    """Array coordinates A^-1 x of every output pixel x, both measured from array centres."""
    ho, wo = out_shape
    i, j = np.meshgrid(np.arange(ho) - (ho - 1) / 2, np.arange(wo) - (wo - 1) / 2, indexing="ij")
    src = np.stack([i.ravel(), j.ravel()], axis=1) @ inverse.T
    return src + np.array([(shape[0] - 1) / 2, (shape[1] - 1) / 2])


@cached_arrays(maxsize=512)
def _operator(inverse_key: tuple, k: int, out_k: int, mask: bool) -> np.ndarray:
    inverse = np.array(inverse_key).reshape(2, 2)
    indices, weights = bilinear_weights(_sample_points(inverse, (k, k), (out_k, out_k)), (k, k))
    op = np.zeros((out_k * out_k, k * k))
    np.add.at(op, (np.repeat(np.arange(out_k * out_k), 4), indices.ravel()), weights.ravel())
    if mask:
        op *= disk_mask(out_k).reshape(-1, 1)      # outside the disk after ...
        op *= disk_mask(k).reshape(1, -1)          # ... and before the transformation
    return op


def transform_operator(matrix: np.ndarray, k: int, out_k: int | None = None,
                       mask: bool = False) -> np.ndarray:
    """The (out_k^2, k^2) matrix M with (L_A psi).ravel() = M @ psi.ravel() for a k x k kernel
    psi and the linear map A (2 x 2), both about the kernel centre; ``mask`` restricts both
    sides to ``disk_mask``. Cached; read-only."""
    k = _shape((k, k), "k")[0]
    out_k = k if out_k is None else _shape((out_k, out_k), "out_k")[0]
    inverse = np.linalg.inv(_linear_map(matrix))
    inverse = np.where(np.abs(inverse - np.round(inverse)) < _SNAP, np.round(inverse), inverse)
    return _operator(tuple(inverse.ravel().tolist()), k, out_k, flag(mask, "mask"))


def image_tables(matrix: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Bilinear sources (N, 4) and weights (N, 4) of (L_A f)(x) = f~(A^-1 x) for every pixel x of
    an array of ``shape``, about its centre. Cached; read-only."""
    inverse = np.linalg.inv(_linear_map(matrix))
    return _image_tables(tuple(inverse.ravel().tolist()), _shape(shape))


@cached_arrays(maxsize=128)
def _image_tables(inverse_key: tuple, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    inverse = np.array(inverse_key).reshape(2, 2)
    return bilinear_weights(_sample_points(inverse, shape, shape), shape)


def transform_image(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """L_A x about the centre of the last two axes, same shape: x~(A^-1 x), 0 outside."""
    x = to_numpy(as_float(x, "transform_image: x"))
    if x.ndim < 2:
        raise ValueError(f"transform_image takes an array (..., H, W), got shape {x.shape}")
    h, w = x.shape[-2:]
    indices, weights = image_tables(matrix, (h, w))
    flat = x.reshape(x.shape[:-2] + (h * w,))
    out = (flat[..., indices] * weights).sum(axis=-1)
    return out.reshape(x.shape).astype(np.result_type(x.dtype, np.float32), copy=False)


def rotate_image(x: np.ndarray, angle: float) -> np.ndarray:
    """x rotated counter-clockwise (as displayed) by ``angle`` radians about its centre."""
    return transform_image(x, rotation_matrix(number(angle, "angle")))


def scale_image(x: np.ndarray, factor: float) -> np.ndarray:
    """x magnified by ``factor`` about its centre (x(y / factor)), same shape."""
    return transform_image(x, np.eye(2) * number(factor, "factor", 0, open_low=True))


# ---------------------------------------------------- the operators of the sampled banks
def kernel_operators(group: AffineGroup, k: int) -> np.ndarray:
    """(S, K^2, k^2): operator s maps a flattened k x k kernel to the kernel transformed by the
    sample h_s, k_s(x) = k~(A_s^-1 x) / |det A_s|, on the K x K grid (K = group.kernel_size(k)),
    bilinear, within the disk when the group keeps kernels there (``SE2(N, disk=True)``).

    A sample h_s = h_q h_s' with q an exact sample (a quarter turn) is operator s' followed by
    q's exact permutation, so that the exact samples commute with the bank exactly (SE(2)_N for
    N divisible by 4); the identity's operator is an exact, zero-padded copy (of the disk's
    weights for ``SE2(N, disk=True)``) wherever K - k is even; an even k on the scale group's
    odd K is read half a pixel off, about the grid's centre (bilinear averages of the weights).
    Refused (a ValueError) where they would take more than ``MAX_OPERATOR_BYTES``."""
    if not isinstance(group, AffineGroup):
        raise TypeError(f"kernel_operators: group must be a group object (SE2(N), "
                        f"ScaleTranslation(...), a lattice group), got {type(group).__name__}")
    k = integer(k, "kernel_operators: k", 1, 2**12)
    size = group.kernel_size(k)
    gib = group.samples * size**2 * k**2 * 8 / 2**30
    if gib > MAX_OPERATOR_BYTES / 2**30:
        raise ValueError(f"kernel_operators: the {group.samples} operators of {group.name} for "
                         f"k = {k} ({size**2} x {k**2} each) would take {gib:.3g} GiB, more "
                         f"than {MAX_OPERATOR_BYTES / 2**30:g} GiB: use a smaller kernel")
    return _kernel_operators(group, k)


@cached_arrays(maxsize=64)
def _kernel_operators(group: AffineGroup, k: int) -> np.ndarray:
    size = group.kernel_size(k)
    mats = group.point_matrices()
    exact = [int(q) for q in group.exact_samples() if q != 0]
    disk = bool(getattr(group, "disk", False))
    ops = np.empty((group.samples, size * size, k * k))
    for s in range(group.samples):
        for q in exact:
            earlier = int(group.relative(q, s))           # h_s = h_q h_earlier
            if 0 <= earlier < s:
                ops[s] = transform_operator(mats[q], size) @ ops[earlier]
                break
        else:
            ops[s] = transform_operator(mats[s], k, out_k=size, mask=disk) / \
                abs(np.linalg.det(mats[s]))
    return ops
